// Summarises a V8 .cpuprofile: where self time goes, by function and by package.
import { readFileSync } from 'node:fs';

function shortUrl(url) {
  if (!url) return '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

/** The package or area a frame belongs to: an npm package, `switchyard`, `node` or a V8 pseudo-frame. */
function areaOf(callFrame) {
  const { url, functionName } = callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : 'native (V8 builtins)';
  if (url.startsWith('node:')) return 'node core';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/')) return 'switchyard (dist/)';
  return 'other';
}

/**
 * `fromUs`/`toUs` (CLOCK_MONOTONIC microseconds, as `process.hrtime.bigint() / 1000n`) keep only the
 * samples taken under load, leaving out start-up and shutdown.
 */
const frameName = (callFrame) =>
  `${callFrame.functionName || '(anonymous)'}  ${shortUrl(callFrame.url)}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;

export function summarizeProfile(file, { top = 25, fromUs = -Infinity, toUs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs || at > toUs) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  // Inclusive time: each sample counts once for every package and every Switchyard function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusiveAreas = new Map();
  const inclusiveOwn = new Map();
  for (const [id, us] of selfUs) {
    const areasSeen = new Set();
    const ownSeen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at);
      areasSeen.add(areaOf(callFrame));
      if (callFrame.url.includes('/dist/')) ownSeen.add(frameName(callFrame));
    }
    for (const area of areasSeen) inclusiveAreas.set(area, (inclusiveAreas.get(area) ?? 0) + us);
    for (const name of ownSeen) inclusiveOwn.set(name, (inclusiveOwn.get(name) ?? 0) + us);
  }
  const functions = new Map();
  const areas = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const name = frameName(callFrame);
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const idleUs = areas.get('(idle)') ?? 0;
  const busyUs = totalUs - idleUs;
  const rank = (map) =>
    [...map]
      .filter(([name]) => name !== '(idle)' && !name.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, percentOfBusy: (us / busyUs) * 100 }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    idlePercent: (idleUs / totalUs) * 100,
    functions: rank(functions).slice(0, top),
    areas: rank(areas),
    inclusiveAreas: rank(inclusiveAreas).filter((a) => !a.name.startsWith('(')),
    inclusiveOwn: rank(inclusiveOwn).slice(0, top),
  };
}

export function formatProfileSummary(summary) {
  const lines = [
    `profile: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.busyMs.toFixed(0)} ms busy (${summary.idlePercent.toFixed(0)} % idle)`,
    '',
    'self time by package/area (% of busy):',
    ...summary.areas.map((a) => `  ${a.percentOfBusy.toFixed(1).padStart(5)} %  ${a.name}`),
    '',
    'top functions by self time (% of busy):',
    ...summary.functions.map((f) => `  ${f.percentOfBusy.toFixed(1).padStart(5)} %  ${f.name}`),
    '',
    'inclusive time by package (% of busy; a sample counts for every package on its stack):',
    ...summary.inclusiveAreas.map((a) => `  ${a.percentOfBusy.toFixed(1).padStart(5)} %  ${a.name}`),
    '',
    'inclusive time by Switchyard function (% of busy):',
    ...summary.inclusiveOwn.map((f) => `  ${f.percentOfBusy.toFixed(1).padStart(5)} %  ${f.name}`),
  ];
  return lines.join('\n');
}
