import { sql } from 'drizzle-orm';
import type { StoreDatabase } from '../database.js';
import type { OwnerSpend, OwnerSpendQuery } from '../types.js';
import { ownerSpendRows } from './usage-rollup-sql.js';
import { rowsOf } from './shared.js';

/**
 * Spend per key or per user since a time, for the usage gauges (services/usage-gauges.ts). Read
 * like budgets read it (usage-rollup-sql.ts): the ledger where it still holds the rows, the hourly
 * and daily roll-ups for the pruned part, so month-to-date stays exact under any retention.
 */
export async function spendByOwner(db: StoreDatabase, query: OwnerSpendQuery): Promise<OwnerSpend[]> {
  const key = query.scope === 'key';
  const names = key ? sql`left join api_keys n on n.id = s.owner` : sql`left join users n on n.id = s.owner`;
  const name = key ? sql`n.name` : sql`n.username`;
  const limit = Math.max(0, Math.floor(query.limit));
  const result = await db.execute(sql`
    select s.owner as id, ${name} as name,
      coalesce(sum(s.usd), 0)::float8 as usd, coalesce(sum(s.tokens), 0)::float8 as tokens
    from (${ownerSpendRows(key ? 'api_key_id' : 'user_id', query.since, query.ids)}) s ${names}
    group by s.owner, ${name}
    order by usd desc
    limit ${limit}`);
  return rowsOf(result).flatMap((row) =>
    row.id === null || row.id === undefined
      ? []
      : [
          {
            id: String(row.id),
            name: row.name === null || row.name === undefined ? null : String(row.name),
            usd: Number(row.usd),
            tokens: Number(row.tokens),
          },
        ],
  );
}
