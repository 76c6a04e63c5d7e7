// A Switchyard gateway whose only account is `claude_cli` (the real Claude Code CLI from
// node_modules) pointed at the mock upstream; and a client for one streaming turn through it.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { freePort, runCommand, spawnPinned, stopProcess, waitForHttp } from './procs.mjs';
import { switchyardEnv } from './switchyard.mjs';

/**
 * Prepares and starts `node dist/main.js start` (embedded PGlite, fresh `dataDir`) on `cpus`
 * (a taskset list such as '0,1'; the `claude` children inherit it). The `claude_cli` account is
 * added before the first start with an API-key credential (any string works with the mock) and
 * `--base-url` = the mock; the key is created through the running server. `env` overrides
 * settings such as CLAUDE_CLI_WARM_SPARES; inherited CLAUDE_CLI_* variables are dropped so the
 * defaults apply unless overridden here.
 */
export async function startCliGateway({ main, dataDir, upstreamUrl, cpus, logFile, env: overrides = {} }) {
  const port = await freePort();
  const env = switchyardEnv(dataDir, port, { BENCH_CLI_CREDENTIAL: 'sk-ant-bench-claude-cli' });
  for (const name of Object.keys(env)) if (name.startsWith('CLAUDE_CLI_')) delete env[name];
  Object.assign(env, overrides);
  const cli = (...args) => runCommand(process.execPath, [main, ...args], { env });

  await cli(
    ...['accounts', 'add', '--kind', 'claude_cli', '--name', 'bench-cli'],
    ...['--api-key-env', 'BENCH_CLI_CREDENTIAL', '--base-url', upstreamUrl, '--max-concurrency', '1000'],
  );
  const proc = spawnPinned(cpus, process.execPath, [main, 'start'], { env, logFile });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, { proc, timeoutMs: 120_000 });
    while (!existsSync(join(dataDir, 'server.json'))) await sleep(50);
    const key = (await cli('keys', 'create', '--name', 'bench')).trim();
    const accounts = JSON.parse(await cli('accounts', 'list', '--json'));
    if (accounts.length !== 1 || accounts[0].kind !== 'claude_cli') {
      throw new Error(
        `expected exactly the claude_cli bench account, found: ${accounts.map((a) => a.name).join(', ')}`,
      );
    }
    return { pid: proc.pid, url, key, proc, stop: () => stopProcess(proc, 30_000) };
  } catch (error) {
    await stopProcess(proc, 5_000);
    throw error;
  }
}

/** The gateway's `switchyard_claude_cli_*` series, as { 'name{labels}': value }. */
export async function cliMetrics(url) {
  const { statusCode, body } = await request(`${url}/metrics`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
  const text = await body.text();
  if (statusCode !== 200) throw new Error(`/metrics answered ${statusCode}`);
  const series = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('switchyard_claude_cli_')) continue;
    const at = line.lastIndexOf(' ');
    series[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return series;
}

/** Polls /metrics until `predicate(series)` holds; false after `timeoutMs`. */
export async function waitForMetrics(url, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate(await cliMetrics(url))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/**
 * One streaming POST /v1/messages. Times, from just before the request is written: the first body
 * byte, and the first token (the first `content_block_delta`). The answer is checked (status 200,
 * `message_stop`, `end_turn`) and its text returned, so the caller can send it back as history.
 */
export function streamTurn({ agent, url, headers, body, timeoutMs = 60_000 }) {
  return new Promise((resolve) => {
    let firstByteMs;
    let ttftMs;
    let text = '';
    const started = performance.now();
    const req = http.request(`${url}/v1/messages`, { method: 'POST', headers, agent }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        firstByteMs ??= performance.now() - started;
        text += chunk;
        if (ttftMs === undefined && text.includes('event: content_block_delta'))
          ttftMs = performance.now() - started;
      });
      res.on('end', () => {
        const totalMs = performance.now() - started;
        if (res.statusCode !== 200) {
          resolve({ ok: false, status: res.statusCode, problem: text.slice(0, 300), totalMs });
          return;
        }
        let answer = '';
        let stopReason;
        let stopped = false;
        for (const event of text.split('\n\n')) {
          const data = event.split('\n').find((line) => line.startsWith('data: '));
          if (!data) continue;
          let parsed;
          try {
            parsed = JSON.parse(data.slice(6));
          } catch {
            continue;
          }
          if (parsed.type === 'content_block_delta' && parsed.delta?.type === 'text_delta')
            answer += parsed.delta.text;
          else if (parsed.type === 'message_delta') stopReason = parsed.delta?.stop_reason;
          else if (parsed.type === 'message_stop') stopped = true;
          else if (parsed.type === 'error') stopReason = `error: ${parsed.error?.message}`;
        }
        const ok = stopped && stopReason === 'end_turn' && ttftMs !== undefined && answer.length > 0;
        resolve({
          ok,
          status: 200,
          firstByteMs,
          ttftMs,
          totalMs,
          answer,
          problem: ok ? undefined : `incomplete stream (stop_reason ${stopReason}, message_stop ${stopped})`,
        });
      });
      res.on('error', (error) => resolve({ ok: false, problem: String(error.message ?? error) }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, problem: String(error.message ?? error) }));
    req.end(body);
  });
}
