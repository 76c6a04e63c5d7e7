// Memory and CPU of a process, read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux build

function statusField(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(
      new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'),
    );
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size now, in bytes. */
export const rssBytes = (pid) => statusField(pid, 'VmRSS');
/** The kernel's own high-water mark of the resident set, in bytes. */
export const peakRssBytes = (pid) => statusField(pid, 'VmHWM');

/** user + system CPU time consumed so far, in seconds. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Polls VmRSS while running, so a peak survives even if VmHWM cannot be read at the end. */
export class RssSampler {
  constructor(pid, intervalMs = 250) {
    this.pid = pid;
    this.maxBytes = 0;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample() {
    const rss = rssBytes(this.pid);
    if (rss !== undefined && rss > this.maxBytes) this.maxBytes = rss;
  }

  /** Stops polling; returns the peak in bytes (the larger of VmHWM and the polled maximum). */
  stop() {
    this.sample();
    clearInterval(this.timer);
    return Math.max(this.maxBytes, peakRssBytes(this.pid) ?? 0);
  }
}

/** CPU use of some processes across a span of wall time, as % of one core. */
export function cpuMeter(pids) {
  const start = performance.now();
  const before = pids.map((pid) => cpuSeconds(pid) ?? 0);
  return () => {
    const wall = (performance.now() - start) / 1000;
    return pids.map((pid, i) => (((cpuSeconds(pid) ?? before[i]) - before[i]) / wall) * 100);
  };
}

function coreTimes() {
  const cores = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = line.match(/^cpu(\d+)\s+(.*)$/);
    if (!match) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].split(/\s+/).map(Number);
    cores[Number(match[1])] = { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
  }
  return cores;
}

/** Machine-wide busy % per core across a span (everything: ours, PostgreSQL, anything else running). */
export function coreMeter() {
  const before = coreTimes();
  return () =>
    coreTimes().map((after, i) => {
      const busy = after.busy - before[i].busy;
      const total = busy + after.idle - before[i].idle;
      return total > 0 ? (busy / total) * 100 : 0;
    });
}

/** Pids of every process whose command name is `name` (e.g. the PostgreSQL server and backends). */
export function pidsNamed(name) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * Waits (up to `maxWaitMs`) until processes other than `pids` use less than `thresholdPercent` of
 * a core, so a test suite or build running elsewhere on the machine does not land in a measurement.
 */
export async function waitForQuiet(pids, { thresholdPercent = 15, maxWaitMs = 60_000, windowMs = 500 } = {}) {
  const started = Date.now();
  for (;;) {
    const ours = cpuMeter(pids);
    const machine = coreMeter();
    await sleep(windowMs);
    const foreign = sum(machine()) - sum(ours());
    const waitedMs = Date.now() - started;
    if (foreign < thresholdPercent) return { waitedMs, foreign, quiet: true };
    if (waitedMs >= maxWaitMs) return { waitedMs, foreign, quiet: false };
  }
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
