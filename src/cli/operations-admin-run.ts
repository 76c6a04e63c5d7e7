import type { SettingsView } from '../services/settings-types.js';
import { defaultSettings, SettingsService } from '../services/settings.js';
import { scrubbedAudit } from '../services/audit-context.js';
import type { WorkersView, WorkerView } from '../services/workers.js';
import { openStore } from '../store/index.js';
import { CliError, loadConfigOrExit } from './context.js';
import { printTable } from './print.js';
import { readServerFile, type ServerFile } from './server-file.js';

async function runningServer(): Promise<ServerFile | undefined> {
  const server = await readServerFile(loadConfigOrExit().dataDir);
  if (!server) return undefined;
  try {
    return (await fetch(new URL('/health', server.url), { signal: AbortSignal.timeout(3_000) })).ok
      ? server
      : undefined;
  } catch {
    return undefined;
  }
}

async function call<T>(server: ServerFile, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(`/api/admin${path}`, server.url), {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new CliError(`The running server at ${server.url} did not answer.`);
  }
  const json = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  if (!response.ok)
    throw new CliError(json?.error?.message ?? `The server answered HTTP ${response.status}.`);
  return json as T;
}

async function needServer(): Promise<ServerFile> {
  const server = await runningServer();
  if (!server) {
    throw new CliError(
      'No Switchyard server answers on this host. Workers are seen through a running server: start one ' +
        '(`switchyard start` or `switchyard gateway`) with the same SWITCHYARD_DATA_DIR.',
    );
  }
  return server;
}

const ago = (iso: string) => `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago`;

export async function listWorkers(options: { json?: boolean }): Promise<void> {
  const view = await call<WorkersView>(await needServer(), 'GET', '/workers');
  if (options.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }
  if (view.mode === 'embedded') process.stdout.write('Embedded mode: the server is its own only worker.\n');
  printTable(
    ['ID', 'HOST', 'STATE', 'ACCOUNTS', 'IN FLIGHT', 'LAST HEARTBEAT'],
    view.workers.map((w) => [
      w.id,
      w.host,
      w.status === 'lost' ? 'lost' : w.state,
      w.accounts.map((a) => a.name ?? a.id).join(','),
      `${w.inFlight ?? '-'}/${w.capacity}`,
      ago(w.lastSeenAt),
    ]),
  );
}

export async function setDrain(id: string, drain: boolean): Promise<void> {
  const worker = await call<WorkerView>(
    await needServer(),
    'POST',
    `/workers/${encodeURIComponent(id)}/${drain ? 'drain' : 'undrain'}`,
  );
  process.stdout.write(`Worker ${worker.id}: ${worker.state}.\n`);
}

/** Through the running server, or in the database when none answers (the change is audited as `cli`). */
async function withSettings<T>(
  remote: (server: ServerFile) => Promise<T>,
  local: (settings: SettingsService) => Promise<T>,
): Promise<T> {
  const server = await runningServer();
  if (server) return remote(server);
  const config = loadConfigOrExit();
  const store = await openStore(config.database).catch((error: unknown) => {
    throw new CliError(`Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  });
  try {
    const settings = new SettingsService({
      repository: store.settings,
      audit: scrubbedAudit(store.audit),
      accounts: store.accounts,
      defaults: defaultSettings(config),
      actor: { type: 'cli', id: null },
    });
    await settings.load();
    return await local(settings);
  } finally {
    await store.close();
  }
}

const print = (view: SettingsView) => process.stdout.write(`${JSON.stringify(view.values, null, 2)}\n`);

export async function getSettings(): Promise<void> {
  print(
    await withSettings(
      (server) => call<SettingsView>(server, 'GET', '/settings'),
      (settings) => settings.view(),
    ),
  );
}

export async function setSetting(name: string, raw: string): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CliError(`The value must be JSON (true, false, or {"requestsPerMinute":60}); got ${raw}.`);
  }
  const patch = { [name]: value };
  print(
    await withSettings(
      (server) => call<SettingsView>(server, 'PATCH', '/settings', patch),
      (settings) => settings.update(patch),
    ),
  );
}
