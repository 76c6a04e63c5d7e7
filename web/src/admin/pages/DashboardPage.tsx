/** /admin/dashboard: the hour or day in charts, plus the live pool; refreshes every 5 s. */
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Empty, Failed, Loading } from '../../components/StateViews';
import { STATS_WINDOWS, type AdminApi, type Stats, type StatsWindow } from '../admin-api';
import { useAdminT, type AdminT } from '../i18n';
import { usePolling } from '../use-polling';

const TimeChart = lazy(() => import('./TimeChart'));
export const REFRESH_MS = 5_000;
/** The long windows read roll-ups that change hourly: no need to ask every 5 s. */
const LONG_REFRESH_MS = 60_000;

const fmt = (value: number | null, digits = 0) => (value === null ? '–' : value.toFixed(digits));

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 1.5, minWidth: 140 }}>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h6" data-testid={testId}>
        {value}
      </Typography>
    </Paper>
  );
}

function Charts({ stats, t }: { stats: Stats; t: AdminT }) {
  const times = useMemo(() => stats.buckets.map((b) => Date.parse(b.start) / 1000), [stats]);
  const pick = (f: (b: Stats['buckets'][number]) => number | null) => stats.buckets.map(f);
  const perSecond = (n: number) => n / stats.bucketSeconds;
  return (
    <Suspense fallback={<Loading />}>
      <Box sx={{ display: 'grid', gridTemplateColumns: { md: '1fr 1fr' }, gap: 2 }} data-testid="charts">
        <TimeChart
          testId="chart-requests"
          title={t('dash.requestsPerSecond')}
          times={times}
          series={[
            { label: t('dash.requests'), values: pick((b) => perSecond(b.requests)), color: '#1976d2' },
            { label: t('dash.errors'), values: pick((b) => perSecond(b.errors)), color: '#d32f2f' },
          ]}
        />
        <TimeChart
          testId="chart-latency"
          title={t('dash.latency')}
          times={times}
          series={[
            { label: 'p50', values: pick((b) => b.latencyP50Ms), color: '#2e7d32' },
            { label: 'p95', values: pick((b) => b.latencyP95Ms), color: '#ed6c02' },
            { label: 'p99', values: pick((b) => b.latencyP99Ms), color: '#d32f2f' },
          ]}
        />
        <TimeChart
          testId="chart-ttft"
          title={t('dash.ttft')}
          times={times}
          series={[
            { label: 'p50', values: pick((b) => b.ttftP50Ms), color: '#2e7d32' },
            { label: 'p95', values: pick((b) => b.ttftP95Ms), color: '#ed6c02' },
          ]}
        />
        <TimeChart
          testId="chart-tokens"
          title={t('dash.tokens')}
          times={times}
          series={[
            { label: t('dash.input'), values: pick((b) => b.inputTokens), color: '#6a1b9a' },
            { label: t('dash.output'), values: pick((b) => b.outputTokens), color: '#00838f' },
          ]}
        />
      </Box>
    </Suspense>
  );
}

export function DashboardView({ stats, t }: { stats: Stats; t: AdminT }) {
  const { totals, live } = stats;
  return (
    <>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mb: 2 }}>
        <Figure
          testId="figure-rps"
          label={t('dash.requestsPerSecond')}
          value={fmt(totals.requestsPerSecond, 3)}
        />
        <Figure testId="figure-requests" label={t('dash.requests')} value={String(totals.requests)} />
        <Figure
          testId="figure-error-rate"
          label={t('dash.errorRate')}
          value={`${fmt(totals.errorRate * 100, 1)} %`}
        />
        <Figure
          testId="figure-latency"
          label={t('dash.latency')}
          value={`${fmt(totals.latencyP50Ms)} / ${fmt(totals.latencyP95Ms)} / ${fmt(totals.latencyP99Ms)}`}
        />
        <Figure
          testId="figure-ttft"
          label={t('dash.ttft')}
          value={`${fmt(totals.ttftP50Ms)} / ${fmt(totals.ttftP95Ms)}`}
        />
        <Figure
          testId="figure-tokens"
          label={t('dash.tokens')}
          value={String(totals.inputTokens + totals.outputTokens)}
        />
        <Figure testId="figure-queue" label={t('dash.queueDepth')} value={String(live.queueDepth)} />
        <Figure testId="figure-cost" label={t('dash.cost')} value={fmt(totals.costUsd, 4)} />
      </Box>
      {stats.source === 'rollups' && (
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mb: 1 }}>
          {t('dash.estimated')}
        </Typography>
      )}
      {totals.requests === 0 ? <Empty text={t('dash.noTraffic')} /> : <Charts stats={stats} t={t} />}
      <Typography variant="subtitle2" sx={{ mt: 2 }}>
        {t('dash.utilisation')}
      </Typography>
      {live.accounts.map((a) => (
        <Box
          key={a.id}
          sx={{ display: 'flex', alignItems: 'center', gap: 1, my: 0.5 }}
          data-testid="utilisation"
        >
          <Typography variant="body2" sx={{ width: 200 }} noWrap>
            {a.name}
          </Typography>
          <LinearProgress variant="determinate" value={a.utilisation * 100} sx={{ flex: 1, maxWidth: 300 }} />
          <Typography variant="body2">
            {a.inFlight}/{a.maxConcurrency}
          </Typography>
        </Box>
      ))}
      {stats.accounts.length > 0 && (
        <>
          <Typography variant="subtitle2" sx={{ mt: 2 }}>
            {t('dash.perAccount')}
          </Typography>
          {stats.accounts.map((a) => (
            <Typography key={a.accountId ?? 'none'} variant="body2" data-testid="account-usage">
              {a.accountName ?? a.accountId ?? '–'}: {a.requests} {t('col.requests')}, {a.errors}{' '}
              {t('col.errors')}, {a.inputTokens + a.outputTokens} {t('col.tokens')}
            </Typography>
          ))}
        </>
      )}
    </>
  );
}

export function DashboardPage({ api }: { api: AdminApi }) {
  const t = useAdminT();
  const [window, setWindow] = useState<StatsWindow>('1h');
  const refreshMs = window === '1h' || window === '24h' ? REFRESH_MS : LONG_REFRESH_MS;
  const [stats, reload] = usePolling(() => api.stats(window), window, refreshMs);
  return (
    <Box>
      <ToggleButtonGroup
        size="small"
        exclusive
        value={window}
        onChange={(_e, value: StatsWindow | null) => value && setWindow(value)}
        sx={{ mb: 2 }}
      >
        {STATS_WINDOWS.map((w) => (
          <ToggleButton key={w} value={w}>
            {t(`window.${w}`)}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      {stats.status === 'loading' ? (
        <Loading />
      ) : stats.status === 'error' ? (
        <Failed message={stats.message} onRetry={reload} />
      ) : (
        <DashboardView stats={stats.data} t={t} />
      )}
    </Box>
  );
}
