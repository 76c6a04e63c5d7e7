// A process and its descendants, read from /proc (Linux): child pids, CPU of a whole tree, memory.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreMeter, cpuSeconds } from './proc-stats.mjs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ

/** Fields of /proc/<pid>/stat after the command name: [0] = state, [1] = ppid, [11..14] = utime, stime, cutime, cstime. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Pid → parent pid of every process now running. */
function parents() {
  const map = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields) map.set(Number(entry), Number(fields[1]));
  }
  return map;
}

/** Every live descendant of `pid` (children, their children, …). */
export function descendants(pid) {
  const byParent = new Map();
  for (const [child, parent] of parents()) {
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(child);
  }
  const out = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The executable of a process ('' when it cannot be read). */
export function exeOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

/** The `claude` processes a gateway runs (its descendants whose executable is the Claude Code CLI). */
export function claudePids(gatewayPid) {
  return descendants(gatewayPid).filter((pid) => /claude/i.test(exeOf(pid)));
}

/**
 * CPU seconds used by `pid` and everything it started, exited children included: the process's own
 * user+system time, its reaped children's (cutime+cstime), and each live descendant's own time.
 */
export function treeCpuSeconds(pid) {
  const own = (p, withReaped) => {
    const f = statFields(p);
    if (!f) return 0;
    const ticks = Number(f[11]) + Number(f[12]) + (withReaped ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / CLOCK_TICKS_PER_SECOND;
  };
  let total = own(pid, true);
  // A live descendant's reaped children are counted in its own cutime/cstime.
  for (const child of descendants(pid)) total += own(child, true);
  return total;
}

/** VmRSS and VmHWM (peak) in bytes; undefined fields when the process is gone. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
      return match ? Number(match[1]) * 1024 : undefined;
    };
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: undefined, hwm: undefined };
  }
}

/**
 * CPU over a span of wall time, as % of one core: the gateway with every process it started
 * (`tree`), each of `pids` alone, every core of the machine, and "other" (machine-wide busy time
 * none of these used: another test suite, a build…).
 */
export function phaseMeter(tree, pids) {
  const started = performance.now();
  const treeBefore = treeCpuSeconds(tree);
  const before = pids.map((pid) => cpuSeconds(pid) ?? 0);
  const cores = coreMeter();
  return () => {
    const wall = (performance.now() - started) / 1000;
    const treePercent = ((treeCpuSeconds(tree) - treeBefore) / wall) * 100;
    const each = pids.map((pid, i) => (((cpuSeconds(pid) ?? before[i]) - before[i]) / wall) * 100);
    const machine = cores();
    const busy = machine.reduce((a, b) => a + b, 0);
    const ours = treePercent + each.reduce((a, b) => a + b, 0);
    return { wallS: wall, tree: treePercent, each, cores: machine, other: Math.max(0, busy - ours) };
  };
}

/** Waits (up to `maxWaitMs`) until processes other than ours use less than `thresholdPercent` of a core. */
export async function waitForQuietTree(tree, pids, { thresholdPercent = 15, maxWaitMs = 10_000 } = {}) {
  const started = Date.now();
  for (;;) {
    const meter = phaseMeter(tree, pids);
    await sleep(500);
    const { other } = meter();
    const waitedMs = Date.now() - started;
    if (other < thresholdPercent) return { quiet: true, waitedMs, other };
    if (waitedMs >= maxWaitMs) return { quiet: false, waitedMs, other };
  }
}
