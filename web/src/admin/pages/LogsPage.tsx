/** /admin/logs: the request log (usage ledger, filtered) and the audit log, each paged by cursor. */
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Tab from '@mui/material/Tab';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tabs from '@mui/material/Tabs';
import TextField from '@mui/material/TextField';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Empty, Failed, Loading } from '../../components/StateViews';
import type { AdminApi, AuditEntry, Page, RequestEntry } from '../admin-api';
import { useAdminT, type AdminT } from '../i18n';

type Filters = Record<string, string>;
type Loaded<T> =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; rows: T[]; next: string | null };

/** A filtered, cursor-paged list: Apply starts over, Load more appends the next page. */
function usePaged<T>(load: (filters: Filters) => Promise<Page<T>>, filters: Filters) {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const fetchPage = useCallback(
    (cursor?: string) => {
      const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v.trim() !== ''));
      return load({ ...clean, ...(cursor ? { cursor } : {}) });
    },
    // Filters are applied explicitly (see the Apply button), not on every keystroke.
    [JSON.stringify(filters)],
  );
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    fetchPage().then(
      (page) => live && setState({ status: 'ready', rows: page.data, next: page.next_cursor }),
      (e: unknown) =>
        live && setState({ status: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [fetchPage]);
  const more = () => {
    if (state.status !== 'ready' || !state.next) return;
    void fetchPage(state.next).then((page) =>
      setState({ status: 'ready', rows: [...state.rows, ...page.data], next: page.next_cursor }),
    );
  };
  return { state, more };
}

const localToIso = (value: string) => (value ? new Date(value).toISOString() : '');

function FilterBar({
  fields,
  onApply,
  t,
}: {
  fields: Array<[string, string]>;
  onApply(f: Filters): void;
  t: AdminT;
}) {
  const [draft, setDraft] = useState<Filters>({});
  const apply = () => {
    const out: Filters = { ...draft };
    for (const key of ['from', 'to']) if (out[key]) out[key] = localToIso(out[key]);
    onApply(out);
  };
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 1, mb: 2 }}>
      {fields.map(([key, label]) => (
        <TextField
          key={key}
          size="small"
          label={label}
          type={key === 'from' || key === 'to' ? 'datetime-local' : 'text'}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': `filter-${key}` } }}
          value={draft[key] ?? ''}
          onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        />
      ))}
      <Button variant="outlined" onClick={apply} data-testid="filter-apply">
        {t('logs.apply')}
      </Button>
    </Box>
  );
}

function PagedTable<T>({
  state,
  more,
  head,
  row,
  empty,
  t,
}: {
  state: Loaded<T>;
  more(): void;
  head: string[];
  row(item: T): ReactNode;
  empty: string;
  t: AdminT;
}) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error') return <Failed message={state.message} />;
  if (state.rows.length === 0) return <Empty text={empty} />;
  return (
    <>
      <Table size="small">
        <TableHead>
          <TableRow>
            {head.map((h) => (
              <TableCell key={h}>{h}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>{state.rows.map(row)}</TableBody>
      </Table>
      {state.next && (
        <Button onClick={more} sx={{ mt: 1 }}>
          {t('logs.more')}
        </Button>
      )}
    </>
  );
}

const time = (iso: string) => new Date(iso).toLocaleString();

export function RequestLog({ api }: { api: AdminApi }) {
  const t = useAdminT();
  const [filters, setFilters] = useState<Filters>({});
  const { state, more } = usePaged((f) => api.requests(f), filters);
  const fields: Array<[string, string]> = [
    ['key', t('col.key')],
    ['user', t('col.user')],
    ['account', t('col.account')],
    ['model', t('col.model')],
    ['status', t('col.status')],
    ['from', t('logs.from')],
    ['to', t('logs.to')],
  ];
  return (
    <>
      <FilterBar fields={fields} onApply={setFilters} t={t} />
      <PagedTable<RequestEntry>
        state={state}
        more={more}
        t={t}
        empty={t('logs.noRequests')}
        head={[
          t('col.time'),
          t('col.key'),
          t('col.user'),
          t('col.account'),
          t('col.model'),
          t('col.status'),
          t('col.latency'),
          t('col.tokens'),
        ]}
        row={(r) => (
          <TableRow key={r.requestId} data-testid="request-row">
            <TableCell title={r.requestId}>{time(r.createdAt)}</TableCell>
            <TableCell title={r.apiKeyId ?? ''}>{r.apiKeyName ?? r.apiKeyId ?? '–'}</TableCell>
            <TableCell title={r.userId ?? ''}>{r.username ?? r.userId ?? '–'}</TableCell>
            <TableCell title={r.accountId ?? ''}>{r.accountName ?? r.accountId ?? '–'}</TableCell>
            <TableCell>{r.model}</TableCell>
            <TableCell title={r.errorType ?? ''}>{r.status}</TableCell>
            <TableCell>
              {r.latencyMs} ms{r.ttftMs === null ? '' : ` (${r.ttftMs})`}
            </TableCell>
            <TableCell>
              {r.inputTokens}/{r.outputTokens}
            </TableCell>
          </TableRow>
        )}
      />
    </>
  );
}

export function AuditLog({ api }: { api: AdminApi }) {
  const t = useAdminT();
  const [filters, setFilters] = useState<Filters>({});
  const { state, more } = usePaged((f) => api.audit(f), filters);
  const fields: Array<[string, string]> = [
    ['action', t('col.action')],
    ['actor', t('col.actor')],
    ['target', t('col.target')],
    ['from', t('logs.from')],
    ['to', t('logs.to')],
  ];
  return (
    <>
      <FilterBar fields={fields} onApply={setFilters} t={t} />
      <PagedTable<AuditEntry>
        state={state}
        more={more}
        t={t}
        empty={t('logs.noAudit')}
        head={[t('col.time'), t('col.action'), t('col.actor'), t('col.target'), 'IP']}
        row={(e) => (
          <TableRow key={e.id} data-testid="audit-row">
            <TableCell>{time(e.at)}</TableCell>
            <TableCell>{e.action}</TableCell>
            <TableCell>
              {e.actorType} {e.actorId ?? ''}
            </TableCell>
            <TableCell>
              {e.targetType ?? ''} {e.targetId ?? ''}
            </TableCell>
            <TableCell>{e.ip ?? ''}</TableCell>
          </TableRow>
        )}
      />
    </>
  );
}

export function LogsPage({ api, requests, audit }: { api: AdminApi; requests: boolean; audit: boolean }) {
  const t = useAdminT();
  const [tab, setTab] = useState<'requests' | 'audit'>(requests ? 'requests' : 'audit');
  return (
    <Box>
      <Tabs value={tab} onChange={(_e, value: 'requests' | 'audit') => setTab(value)} sx={{ mb: 2 }}>
        {requests && <Tab value="requests" label={t('logs.requests')} data-testid="tab-requests" />}
        {audit && <Tab value="audit" label={t('logs.audit')} data-testid="tab-audit" />}
      </Tabs>
      {tab === 'requests' ? <RequestLog api={api} /> : <AuditLog api={api} />}
    </Box>
  );
}
