/**
 * Sealed conversation content (docs/conversation-encryption.md) during a master-key rotation:
 * re-encrypts titles, messages and attachment bytes not under the current key, and seals
 * plaintext rows for `switchyard conversations encrypt`. Row by row with a compare-and-set on the
 * old value, like the credentials, so the gateways keep serving and a concurrent edit wins.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { SecretBox } from '../identity/secret-box.js';
import {
  associatedDataOf,
  SEALED_TEXT_PREFIX,
  sealValue,
  type SealedColumn,
} from '../store/sealed-content.js';
import type { Store } from '../store/types.js';
import type { ResealReport } from './reseal-credentials.js';
import { sqlOf } from './sql.js';

interface SealedTable {
  column: SealedColumn;
  table: SQL;
  /** The row's envelope, or null when the row holds plaintext. */
  envelope: SQL;
  /** The stored value as text (for plaintext rows to seal). */
  value: SQL;
  /** Rows that hold a value at all. */
  present: SQL;
  set: (stored: string | { sealed: string }) => SQL;
  /** Rows read per query: attachments are megabytes each. */
  batchCap: number;
}

const prefixLength = SEALED_TEXT_PREFIX.length;
const textColumn = (table: string, column: SealedColumn, name: string, batchCap: number): SealedTable => ({
  column,
  table: sql.raw(table),
  envelope: sql.raw(
    `(case when left(${name}, ${prefixLength}) = '${SEALED_TEXT_PREFIX}' then substr(${name}, ${prefixLength + 1}) end)`,
  ),
  value: sql.raw(name),
  present: sql.raw(`${name} is not null`),
  set: (stored) => sql`${sql.raw(name)} = ${stored as string}`,
  batchCap,
});

export const SEALED_TABLES: readonly SealedTable[] = [
  textColumn('conversations', 'conversations.title', 'title', 1_000),
  {
    column: 'conversation_messages.content',
    table: sql.raw('conversation_messages'),
    envelope: sql.raw(
      `(case when jsonb_typeof(content) = 'object' and jsonb_typeof(content -> 'sealed') = 'string' and (content - 'sealed') = '{}'::jsonb then content ->> 'sealed' end)`,
    ),
    value: sql.raw('content::text'),
    present: sql.raw('true'),
    set: (stored) => sql`content = ${JSON.stringify(stored)}::jsonb`,
    batchCap: 1_000,
  },
  textColumn('chat_attachments', 'chat_attachments.data', 'data', 10),
];

/** Rows of every sealed column not under the key with this id (what `--finish` waits for). */
export async function staleConversationRows(store: Store, keyId: string): Promise<number> {
  const prefix = `v2:${keyId}:`;
  let total = 0;
  for (const t of SEALED_TABLES) {
    const [row] = await sqlOf(store).query<{ n: number }>(sql`
      select count(*)::int as n from ${t.table}
      where ${t.envelope} is not null and left(${t.envelope}, ${prefix.length}) <> ${prefix}`);
    total += row?.n ?? 0;
  }
  return total;
}

type Mode = 'reseal' | 'seal';

/**
 * `reseal`: sealed rows not under the box's current key are sealed again under it. `seal`:
 * plaintext rows are sealed (turning CONVERSATION_ENCRYPTION on for old conversations).
 */
export async function resealConversations(
  store: Store,
  box: SecretBox,
  batchSize = 100,
  mode: Mode = 'reseal',
): Promise<ResealReport> {
  const q = sqlOf(store);
  const report: ResealReport = { resealed: 0, current: 0, raced: 0, unreadable: 0 };
  for (const t of SEALED_TABLES) {
    const limit = Math.max(1, Math.min(batchSize, t.batchCap));
    const wanted =
      mode === 'seal' ? sql`${t.envelope} is null and ${t.present}` : sql`${t.envelope} is not null`;
    let after = '';
    for (;;) {
      const rows = await q.query<{ id: string; envelope: string | null; value: string }>(sql`
        select id::text as id, ${t.envelope} as envelope, ${t.value} as value from ${t.table}
        where ${wanted} and id::text > ${after} order by id::text limit ${limit}`);
      if (rows.length === 0) break;
      for (const row of rows) await resealRow(t, row, box, mode, report, q);
      after = rows[rows.length - 1]?.id ?? after;
    }
  }
  return report;
}

async function resealRow(
  t: SealedTable,
  row: { id: string; envelope: string | null; value: string },
  box: SecretBox,
  mode: Mode,
  report: ResealReport,
  q: ReturnType<typeof sqlOf>,
): Promise<void> {
  let plaintext: string;
  if (mode === 'seal') plaintext = row.value;
  else {
    const envelope = row.envelope as string;
    if (box.isCurrent(envelope)) {
      report.current += 1;
      return;
    }
    try {
      plaintext = box.open(envelope, associatedDataOf(t.column, row.id));
    } catch {
      report.unreadable += 1;
      return;
    }
  }
  // Compare-and-set on what was read: a row written meanwhile is left to its writer.
  const unchanged =
    mode === 'seal'
      ? sql`${t.envelope} is null and ${t.value} = ${row.value}`
      : sql`${t.envelope} = ${row.envelope}`;
  const updated = await q.query(sql`
    update ${t.table} set ${t.set(sealValue(box, t.column, row.id, plaintext))}
    where id = ${row.id}::uuid and ${unchanged} returning id`);
  if (updated.length === 1) report.resealed += 1;
  else report.raced += 1;
}
