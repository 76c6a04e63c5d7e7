import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../i18n';
import type { Account, AdminApi, ApiKey, AuditEntry, Stats, StatsWindow } from './admin-api';
import { AdminLayout, pagesFor } from './AdminApp';
import { AccountsPage } from './pages/AccountsPage';
import { DashboardPage } from './pages/DashboardPage';
import { KeysPage } from './pages/KeysPage';
import { LogsPage } from './pages/LogsPage';
import { UsersPage } from './pages/UsersPage';

// uPlot draws on a canvas, which happy-dom lacks; the chart itself is checked in the browser e2e.
vi.mock('./pages/TimeChart', () => ({
  default: ({ title, testId }: { title: string; testId?: string }) => <div data-testid={testId}>{title}</div>,
}));

afterEach(() => {
  cleanup();
  window.history.pushState(null, '', '/');
});

const never = () => new Promise<never>(() => {});
const fail = () => Promise.reject(new Error('backend down'));

function fakeApi(overrides: Partial<AdminApi>): AdminApi {
  const missing = () => Promise.reject(new Error('not in this test'));
  return new Proxy(overrides, {
    get: (target, prop: string) => (target as Record<string, unknown>)[prop] ?? missing,
  }) as AdminApi;
}

const show = (node: ReactNode) => render(<I18nProvider language="en">{node}</I18nProvider>);

const account = (overrides: Partial<Account>): Account => ({
  id: 'a1',
  name: 'main',
  kind: 'anthropic_api',
  simulated: false,
  baseUrl: null,
  hasCredential: true,
  maxConcurrency: 4,
  priority: 10,
  weight: 1,
  models: null,
  state: 'active',
  stateReason: null,
  cooldownUntil: null,
  inFlight: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const bucket = (start: string, requests: number) => ({
  start,
  requests,
  errors: 0,
  latencyP50Ms: requests ? 120 : null,
  latencyP95Ms: requests ? 300 : null,
  latencyP99Ms: requests ? 400 : null,
  ttftP50Ms: null,
  ttftP95Ms: null,
  ttftP99Ms: null,
  inputTokens: requests * 10,
  outputTokens: requests * 5,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
  costUsd: 0,
});

function stats(requests: number): Stats {
  const { start: _s, ...totals } = bucket('', requests);
  return {
    window: '1h',
    source: 'ledger',
    bucketSeconds: 60,
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-01-01T01:00:00.000Z',
    buckets: [bucket('2026-01-01T00:00:00.000Z', requests)],
    totals: { ...totals, requestsPerSecond: requests / 3600, errorRate: 0 },
    live: {
      queueDepth: 3,
      accounts: [
        {
          id: 'a1',
          name: 'main',
          kind: 'mock',
          state: 'active',
          inFlight: 2,
          maxConcurrency: 4,
          utilisation: 0.5,
          cooldownUntil: null,
        },
      ],
    },
    accounts: requests
      ? [
          {
            accountId: 'a1',
            accountName: 'main',
            requests,
            errors: 0,
            inputTokens: 10,
            outputTokens: 5,
            costUsd: 0,
          },
        ]
      : [],
  };
}

describe('admin navigation', () => {
  it('shows only the pages the role permits', () => {
    expect(pagesFor(['accounts:read', 'models:read', 'chat:use', 'usage:read']).map((p) => p.path)).toEqual([
      '/admin/dashboard',
      '/admin/accounts',
      '/admin/logs',
    ]);
    expect(pagesFor(['keys:own', 'chat:use'])).toEqual([]);
    show(<AdminLayout api={fakeApi({})} permissions={['keys:own']} />);
    expect(screen.getByTestId('empty-state').textContent).toContain('no admin pages');
  });

  it('opens the page of the path and moves between pages', async () => {
    window.history.pushState(null, '', '/admin/keys');
    show(
      <AdminLayout
        api={fakeApi({ keys: never, users: never, accounts: never, stats: never })}
        permissions={['keys:all', 'accounts:read']}
      />,
    );
    expect(screen.getByTestId('admin-page-keys')).toBeTruthy();
    fireEvent.click(screen.getByTestId('admin-nav-accounts'));
    await waitFor(() => expect(screen.getByTestId('admin-page-accounts')).toBeTruthy());
    expect(window.location.pathname).toBe('/admin/accounts');
  });
});

describe('dashboard', () => {
  it('loading, error with retry, and empty window', async () => {
    show(<DashboardPage api={fakeApi({ stats: never })} />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    const failing = vi.fn(fail);
    show(<DashboardPage api={fakeApi({ stats: failing })} />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(failing).toHaveBeenCalledTimes(2));
    cleanup();
    show(<DashboardPage api={fakeApi({ stats: () => Promise.resolve(stats(0)) })} />);
    await waitFor(() => expect(screen.getByTestId('empty-state').textContent).toContain('No requests'));
    expect(screen.getByTestId('figure-queue').textContent).toBe('3');
  });

  it('shows figures, charts and utilisation; the day window asks for 24h', async () => {
    const load = vi.fn((_window: StatsWindow) => Promise.resolve(stats(36)));
    show(<DashboardPage api={fakeApi({ stats: load })} />);
    await waitFor(() => expect(screen.getByTestId('chart-latency')).toBeTruthy());
    expect(screen.getByTestId('figure-requests').textContent).toBe('36');
    expect(screen.getByTestId('figure-rps').textContent).toBe('0.010');
    expect(screen.getByTestId('figure-latency').textContent).toBe('120 / 300 / 400');
    expect(screen.getByTestId('utilisation').textContent).toContain('2/4');
    fireEvent.click(screen.getByRole('button', { name: 'Last day' }));
    await waitFor(() => expect(load).toHaveBeenLastCalledWith('24h'));
    expect(screen.queryByText(/roll-ups/)).toBeNull();
  });

  it('offers the long windows, read from roll-ups, and says their percentiles are estimates', async () => {
    const load = vi.fn((window: StatsWindow) =>
      Promise.resolve({ ...stats(36), window, source: 'rollups' as const }),
    );
    show(<DashboardPage api={fakeApi({ stats: load })} />);
    await waitFor(() => expect(screen.getByTestId('chart-latency')).toBeTruthy());
    fireEvent.click(screen.getByRole('button', { name: 'Last 30 days' }));
    await waitFor(() => expect(load).toHaveBeenLastCalledWith('30d'));
    expect(screen.getByText(/latency percentiles are estimates/)).toBeTruthy();
  });
});

describe('accounts', () => {
  it('loading, error and empty', async () => {
    show(<AccountsPage api={fakeApi({ accounts: never, stats: never })} canWrite />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    show(<AccountsPage api={fakeApi({ accounts: fail })} canWrite />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
    cleanup();
    show(<AccountsPage api={fakeApi({ accounts: () => Promise.resolve([]) })} canWrite />);
    await waitFor(() =>
      expect(screen.getByTestId('empty-state').textContent).toContain('switchyard accounts add'),
    );
  });

  it('counts a cooldown down, explains re-auth, and disables an account', async () => {
    const cooling = account({
      id: 'c',
      name: 'cool',
      state: 'cooling_down',
      cooldownUntil: new Date(Date.now() + 30_000).toISOString(),
    });
    const broken = account({ id: 'b', name: 'broken', state: 'needs_reauth' });
    const update = vi.fn(() => Promise.resolve(account({})));
    show(
      <AccountsPage
        api={fakeApi({
          accounts: () => Promise.resolve([account({}), cooling, broken]),
          stats: () => Promise.resolve(stats(4)),
          updateAccount: update,
        })}
        canWrite
      />,
    );
    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(3));
    expect(screen.getAllByTestId('account-state')[1]?.textContent).toMatch(/cooling down \((29|30) s\)/);
    const banner = screen.getByTestId('reauth-banner');
    expect(banner.textContent).toContain('broken');
    expect(banner.textContent).toContain('switchyard accounts login');
    expect(screen.getAllByTestId('account-row')[0]?.textContent).toContain('4 (0 Errors)');
    fireEvent.click(
      within(screen.getAllByTestId('account-row')[0] as HTMLElement).getByTestId('account-toggle'),
    );
    expect(update).toHaveBeenCalledWith('a1', { state: 'disabled' });
  });

  it('hides the actions from a read-only role', async () => {
    show(<AccountsPage api={fakeApi({ accounts: () => Promise.resolve([account({})]) })} canWrite={false} />);
    await waitFor(() => expect(screen.getByTestId('account-row')).toBeTruthy());
    expect(screen.queryByTestId('account-toggle')).toBeNull();
    expect(screen.queryByTestId('account-add')).toBeNull();
  });
});

describe('logs, users and keys', () => {
  it('request log: loading, error, empty, and filters sent to the API', async () => {
    show(<LogsPage api={fakeApi({ requests: never })} requests audit={false} />);
    expect(screen.getByRole('status')).toBeTruthy();
    cleanup();
    show(<LogsPage api={fakeApi({ requests: fail })} requests audit={false} />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
    cleanup();
    const requests = vi.fn(() => Promise.resolve({ data: [], next_cursor: null }));
    show(<LogsPage api={fakeApi({ requests })} requests audit={false} />);
    await waitFor(() => expect(screen.getByTestId('empty-state').textContent).toContain('No requests match'));
    fireEvent.change(screen.getByTestId('filter-status'), { target: { value: '5xx' } });
    fireEvent.click(screen.getByTestId('filter-apply'));
    await waitFor(() => expect(requests).toHaveBeenLastCalledWith({ status: '5xx' }));
  });

  it('audit log shows entries; users page shows its states', async () => {
    const entry: AuditEntry = {
      id: 'e1',
      at: '2026-01-01T00:00:00.000Z',
      actorType: 'cli',
      actorId: null,
      action: 'account.update',
      targetType: 'account',
      targetId: 'a1',
      ip: null,
      details: {},
    };
    show(
      <LogsPage
        api={fakeApi({ audit: () => Promise.resolve({ data: [entry], next_cursor: null }) })}
        requests={false}
        audit
      />,
    );
    await waitFor(() => expect(screen.getByTestId('audit-row').textContent).toContain('account.update'));
    cleanup();
    show(<UsersPage api={fakeApi({ users: fail })} />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('backend down'));
    cleanup();
    show(<UsersPage api={fakeApi({ users: () => Promise.resolve([]) })} />);
    await waitFor(() => expect(screen.getByTestId('empty-state')).toBeTruthy());
  });

  it('keys: empty state, and a hostile key name renders as text', async () => {
    show(<KeysPage api={fakeApi({ keys: () => Promise.resolve([]), users: () => Promise.resolve([]) })} />);
    await waitFor(() => expect(screen.getByTestId('empty-state').textContent).toContain('No API keys'));
    cleanup();
    const name = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    const key: ApiKey = {
      id: 'k',
      name,
      prefix: 'sk-sy-ab',
      userId: 'u',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      limits: { requestsPerMinute: 5 },
      models: null,
      modelFallback: false,
    };
    show(
      <KeysPage api={fakeApi({ keys: () => Promise.resolve([key]), users: () => Promise.resolve([]) })} />,
    );
    const cell = await screen.findByTestId('key-row-name');
    expect(cell.textContent).toBe(name);
    expect(cell.querySelector('img, script')).toBeNull();
    expect(screen.getByTestId('key-row').textContent).toContain('requestsPerMinute=5');
  });
});
