import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../i18n';
import type {
  AdminApi,
  ApiKey,
  GatewaySettings,
  QueueEntry,
  RequestQueue,
  WorkerInfo,
  Workers,
} from './admin-api';
import { pagesFor } from './AdminApp';
import { KeysPage } from './pages/KeysPage';
import { QueuePage } from './pages/QueuePage';
import { SettingsPage } from './pages/SettingsPage';
import { WorkersPage } from './pages/WorkersPage';

afterEach(cleanup);

const never = () => new Promise<never>(() => {});
const fail = () => Promise.reject(new Error('backend down'));

function fakeApi(overrides: Partial<AdminApi>): AdminApi {
  const missing = () => Promise.reject(new Error('not in this test'));
  return new Proxy(overrides, {
    get: (target, prop: string) => (target as Record<string, unknown>)[prop] ?? missing,
  }) as AdminApi;
}

const show = (node: ReactNode, language: 'en' | 'zh-CN' = 'en') =>
  render(<I18nProvider language={language}>{node}</I18nProvider>);

const worker = (overrides: Partial<WorkerInfo>): WorkerInfo => ({
  id: 'box-1-4242-ab12cd',
  host: 'box-1',
  embedded: false,
  status: 'live',
  state: 'running',
  accounts: [{ id: 'a1', name: 'alice-max' }],
  capacity: 4,
  inFlight: 1,
  version: '0.1.0',
  startedAt: new Date(Date.now() - 3_600_000).toISOString(),
  lastSeenAt: new Date(Date.now() - 2_000).toISOString(),
  ...overrides,
});

const entry = (overrides: Partial<QueueEntry>): QueueEntry => ({
  requestId: 'req_a',
  jobId: null,
  state: 'waiting',
  model: 'claude-sonnet-4-6',
  stream: false,
  operation: 'messages',
  apiKeyId: 'k1',
  apiKeyName: 'ci-deploy',
  userId: 'u1',
  username: 'alice',
  accountId: null,
  accountName: null,
  worker: null,
  gateway: 'gw-1',
  since: new Date(Date.now() - 75_000).toISOString(),
  ageMs: 75_000,
  ...overrides,
});

const queue = (entries: QueueEntry[], overrides: Partial<RequestQueue> = {}): RequestQueue => ({
  mode: 'distributed',
  depth: entries.filter((e) => e.state === 'waiting').length,
  waiting: entries.filter((e) => e.state === 'waiting').length,
  active: entries.filter((e) => e.state === 'active').length,
  complete: true,
  entries,
  ...overrides,
});

const meta = { source: 'default' as const, updatedAt: null, updatedBy: null };
const settings = (overrides: Partial<GatewaySettings['values']> = {}, excluded = false): GatewaySettings => ({
  values: { registrationOpen: false, anthropicApiOnly: false, defaultKeyLimits: {}, ...overrides },
  defaults: { registrationOpen: false, anthropicApiOnly: false, defaultKeyLimits: {} },
  meta: { registrationOpen: meta, anthropicApiOnly: meta, defaultKeyLimits: meta },
  excludedAccounts: excluded ? [{ id: 'm', name: 'mock-demo', kind: 'mock' }] : [],
});

describe('navigation', () => {
  it('shows workers and queue to operations:read, settings to settings:manage only', () => {
    const paths = (p: string[]) => pagesFor(p).map((page) => page.path);
    expect(paths(['operations:read'])).toEqual(['/admin/workers', '/admin/queue']);
    expect(paths(['settings:manage'])).toEqual(['/admin/settings']);
  });
});

describe('workers page', () => {
  it('loading, error with retry, and empty', async () => {
    show(<WorkersPage api={fakeApi({ workers: never })} canWrite />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    const failing = vi.fn(fail);
    show(<WorkersPage api={fakeApi({ workers: failing })} canWrite />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(failing).toHaveBeenCalledTimes(2));
    cleanup();
    const none: Workers = { mode: 'distributed', workers: [] };
    show(<WorkersPage api={fakeApi({ workers: () => Promise.resolve(none) })} canWrite />);
    await waitFor(() => expect(screen.getByTestId('empty-state').textContent).toContain('switchyard worker'));
  });

  it('lists state, accounts, in flight and heartbeat; drains a running worker, undrains a drained one', async () => {
    const drain = vi.fn((_id: string, _drain: boolean) => Promise.resolve(worker({ state: 'draining' })));
    const list: Workers = {
      mode: 'distributed',
      workers: [
        worker({}),
        worker({ id: 'w2', state: 'drained', inFlight: 0 }),
        worker({ id: 'w3', status: 'lost' }),
      ],
    };
    show(
      <WorkersPage api={fakeApi({ workers: () => Promise.resolve(list), drainWorker: drain })} canWrite />,
    );
    await waitFor(() => expect(screen.getAllByTestId('worker-row')).toHaveLength(3));
    const rows = screen.getAllByTestId('worker-row');
    expect(rows[0]!.textContent).toContain('alice-max');
    expect(rows[0]!.textContent).toContain('1/4');
    expect(rows[0]!.textContent).toMatch(/[23] s ago/);
    expect(screen.getAllByTestId('worker-state').map((c) => c.getAttribute('data-state'))).toEqual([
      'running',
      'drained',
      'lost',
    ]);
    fireEvent.click(within(rows[0]!).getByTestId('worker-toggle'));
    expect(drain).toHaveBeenLastCalledWith('box-1-4242-ab12cd', true);
    fireEvent.click(within(rows[1]!).getByTestId('worker-toggle'));
    expect(drain).toHaveBeenLastCalledWith('w2', false);
    expect((within(rows[2]!).getByTestId('worker-toggle') as HTMLButtonElement).disabled).toBe(true);
  });

  it('explains embedded mode and offers no drain; read-only roles get no actions', async () => {
    const embedded: Workers = { mode: 'embedded', workers: [worker({ id: 'embedded', embedded: true })] };
    show(<WorkersPage api={fakeApi({ workers: () => Promise.resolve(embedded) })} canWrite />);
    await waitFor(() => expect(screen.getByTestId('workers-embedded').textContent).toContain('SIGTERM'));
    expect(screen.queryByTestId('worker-toggle')).toBeNull();
    cleanup();
    const list: Workers = { mode: 'distributed', workers: [worker({})] };
    show(<WorkersPage api={fakeApi({ workers: () => Promise.resolve(list) })} canWrite={false} />);
    await waitFor(() => expect(screen.getByTestId('worker-row')).toBeTruthy());
    expect(screen.queryByTestId('worker-toggle')).toBeNull();
  });
});

describe('queue page', () => {
  it('loading, error, empty, and a warning when a gateway did not answer', async () => {
    show(<QueuePage api={fakeApi({ queue: never })} canWrite />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    show(<QueuePage api={fakeApi({ queue: fail })} canWrite />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
    cleanup();
    show(
      <QueuePage api={fakeApi({ queue: () => Promise.resolve(queue([], { complete: false })) })} canWrite />,
    );
    await waitFor(() => expect(screen.getByTestId('empty-state').textContent).toContain('Nothing'));
    expect(screen.getByTestId('queue-incomplete')).toBeTruthy();
    expect(screen.getByTestId('queue-depth').textContent).toBe('0');
  });

  it('lists entries with key, user, account, worker and age, and cancels after confirmation', async () => {
    const cancel = vi.fn((id: string) => Promise.resolve({ requestId: id }));
    const entries = [
      entry({}),
      entry({
        requestId: 'req_b',
        state: 'active',
        accountName: 'alice-max',
        worker: 'box-1',
        operation: 'web_chat',
        apiKeyName: null,
        ageMs: 4_000,
      }),
    ];
    show(
      <QueuePage
        api={fakeApi({ queue: () => Promise.resolve(queue(entries)), cancelRequest: cancel })}
        canWrite
      />,
    );
    await waitFor(() => expect(screen.getAllByTestId('queue-row')).toHaveLength(2));
    const [waiting, active] = screen.getAllByTestId('queue-row');
    expect(waiting!.textContent).toContain('ci-deploy · alice');
    expect(waiting!.textContent).toContain('1 min 15 s');
    expect(active!.textContent).toContain('web chat · alice');
    expect(active!.textContent).toContain('box-1');
    expect(screen.getByTestId('queue-waiting').textContent).toBe('1');
    fireEvent.click(within(active!).getByTestId('queue-cancel'));
    expect(cancel).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('queue-confirm'));
    expect(cancel).toHaveBeenCalledWith('req_b');
    await waitFor(() => expect(screen.getByTestId('queue-message').textContent).toContain('req_b cancelled'));
  });

  it('reports a failed cancel, and hides the action from read-only roles', async () => {
    show(
      <QueuePage
        api={fakeApi({
          queue: () => Promise.resolve(queue([entry({})])),
          cancelRequest: () => Promise.reject(new Error('No waiting or running request')),
        })}
        canWrite
      />,
    );
    fireEvent.click(await screen.findByTestId('queue-cancel'));
    fireEvent.click(screen.getByTestId('queue-confirm'));
    await waitFor(() => expect(screen.getByTestId('queue-message').textContent).toContain('No waiting'));
    cleanup();
    show(<QueuePage api={fakeApi({ queue: () => Promise.resolve(queue([entry({})])) })} canWrite={false} />);
    await screen.findByTestId('queue-row');
    expect(screen.queryByTestId('queue-cancel')).toBeNull();
  });
});

describe('settings page', () => {
  it('loading and error', async () => {
    show(<SettingsPage api={fakeApi({ settings: never })} />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    show(<SettingsPage api={fakeApi({ settings: fail })} />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
  });

  it('toggles a switch, saves default limits, and names the accounts the compliance switch excludes', async () => {
    const update = vi.fn((patch: Partial<GatewaySettings['values']>) =>
      Promise.resolve(settings({ anthropicApiOnly: true, ...patch }, true)),
    );
    show(
      <SettingsPage api={fakeApi({ settings: () => Promise.resolve(settings()), updateSettings: update })} />,
    );
    const compliance = await screen.findByTestId('switch-anthropicApiOnly');
    expect(screen.queryByTestId('settings-excluded')).toBeNull();
    fireEvent.click(within(compliance).getByRole('switch'));
    expect(update).toHaveBeenLastCalledWith({ anthropicApiOnly: true });
    await waitFor(() =>
      expect(screen.getByTestId('settings-excluded').textContent).toContain('mock-demo (mock)'),
    );
    fireEvent.change(screen.getByTestId('default-limit-requestsPerMinute'), { target: { value: '30' } });
    fireEvent.click(screen.getByTestId('default-limits-save'));
    expect(update).toHaveBeenLastCalledWith({ defaultKeyLimits: { requestsPerMinute: 30 } });
    await waitFor(() => expect(screen.getByTestId('settings-message').textContent).toBe('Saved.'));
  });

  it('shows a refused change as an error, in Chinese too', async () => {
    show(
      <SettingsPage
        api={fakeApi({
          settings: () => Promise.resolve(settings()),
          updateSettings: () => Promise.reject(new Error('limits: bad')),
        })}
      />,
      'zh-CN',
    );
    fireEvent.click(within(await screen.findByTestId('switch-registrationOpen')).getByRole('switch'));
    await waitFor(() => expect(screen.getByTestId('settings-message').textContent).toBe('失败：limits: bad'));
    expect(screen.getByTestId('setting-registrationOpen').textContent).toContain('开放注册');
  });
});

describe('key limits', () => {
  const key: ApiKey = {
    id: 'k1',
    name: 'ci-deploy',
    prefix: 'sk-sy-ab',
    userId: 'u1',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    limits: { requestsPerMinute: 5, usdPerDay: 2 },
    models: ['claude-sonnet-4-6'],
    modelFallback: false,
  };

  it('edits a key’s limits: changed and cleared fields, models left alone unless changed', async () => {
    const updateKey = vi.fn((_id: string, _patch: unknown) => Promise.resolve(key));
    show(
      <KeysPage
        api={fakeApi({ keys: () => Promise.resolve([key]), users: () => Promise.resolve([]), updateKey })}
      />,
    );
    fireEvent.click(await screen.findByTestId('key-edit'));
    const rpm = screen.getByTestId('key-limit-requestsPerMinute') as HTMLInputElement;
    expect(rpm.value).toBe('5');
    fireEvent.change(rpm, { target: { value: '60' } });
    fireEvent.change(screen.getByTestId('key-limit-usdPerDay'), { target: { value: '' } });
    fireEvent.change(screen.getByTestId('key-limit-maxConcurrency'), { target: { value: '3' } });
    fireEvent.click(screen.getByTestId('key-limits-save'));
    await waitFor(() =>
      expect(updateKey).toHaveBeenCalledWith('k1', { limits: { requestsPerMinute: 60, maxConcurrency: 3 } }),
    );
    await waitFor(() => expect(screen.queryByTestId('key-limits-save')).toBeNull());
  });

  it('keeps the dialog open with the server’s refusal', async () => {
    show(
      <KeysPage
        api={fakeApi({
          keys: () => Promise.resolve([key]),
          users: () => Promise.resolve([]),
          updateKey: () =>
            Promise.reject(new Error("limits.requestsPerMinute: 60 is more than the owner's own")),
        })}
      />,
    );
    fireEvent.click(await screen.findByTestId('key-edit'));
    fireEvent.change(screen.getByTestId('key-limit-models'), { target: { value: '' } });
    fireEvent.click(screen.getByTestId('key-limits-save'));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toContain("owner's own"));
  });
});
