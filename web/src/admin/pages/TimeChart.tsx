/**
 * A time-series line chart on uPlot (canvas, ~20 KB gzipped). Its own lazy chunk: only the
 * dashboard loads it. uPlot styles through the CSSOM and its stylesheet is a file of this origin,
 * so the strict CSP holds.
 */
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: ReadonlyArray<number | null>;
  color: string;
}

export interface TimeChartProps {
  title: string;
  /** Bucket starts, epoch seconds. */
  times: readonly number[];
  series: readonly ChartSeries[];
  testId?: string;
}

const HEIGHT = 180;

export default function TimeChart({ title, times, series, testId }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: HEIGHT,
        legend: { show: true },
        scales: { x: { time: true } },
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            spanGaps: false,
            // A lone busy minute between quiet ones has no line to draw: show it as a point.
            points: { show: true, size: 5, fill: s.color },
          })),
        ],
        axes: [{}, { size: 60 }],
      },
      [[], ...series.map(() => [])],
      element,
    );
    chart.current = plot;
    const resize = () => plot.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
      chart.current = null;
    };
    // Rebuilt only when the set of series changes; new data goes through setData below.
  }, [shape]);

  useEffect(() => {
    chart.current?.setData([[...times], ...series.map((s) => [...s.values])] as uPlot.AlignedData);
  }, [times, series, shape]);

  return (
    <Box data-testid={testId} sx={{ mb: 2 }}>
      <Typography variant="subtitle2">{title}</Typography>
      <div ref={container} />
    </Box>
  );
}
