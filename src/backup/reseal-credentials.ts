import { sql } from 'drizzle-orm';
import type { SecretBox } from '../identity/secret-box.js';
import type { Store } from '../store/types.js';
import { sqlOf } from './sql.js';

export interface ResealReport {
  /** Envelopes sealed again under the current key. */
  resealed: number;
  /** Already under the current key. */
  current: number;
  /** Changed by someone else between read and write: they were sealed by a process holding a key. */
  raced: number;
  /** No key held opens them (sealed under a key neither current nor previous): left as they are. */
  unreadable: number;
}

/**
 * Re-encrypts every stored credential not yet under the box's current key, `batchSize` rows at a
 * time, each row by itself (a compare-and-set on the old envelope), so the gateways keep serving
 * and an admin changing a credential meanwhile is never overwritten. Accounts hold the only
 * credentials Switchyard stores; anything encrypted later joins this function.
 */
export async function resealCredentials(
  store: Store,
  box: SecretBox,
  batchSize = 100,
): Promise<ResealReport> {
  const q = sqlOf(store);
  const report: ResealReport = { resealed: 0, current: 0, raced: 0, unreadable: 0 };
  let after = '';
  for (;;) {
    const rows = await q.query<{ id: string; envelope: string }>(sql`
      select id::text as id, encrypted_credential as envelope from accounts
      where encrypted_credential is not null and id::text > ${after}
      order by id::text limit ${batchSize}`);
    if (rows.length === 0) return report;
    for (const { id, envelope } of rows) {
      if (box.isCurrent(envelope)) {
        report.current += 1;
        continue;
      }
      let plaintext: string;
      try {
        plaintext = box.open(envelope, id);
      } catch {
        report.unreadable += 1;
        continue;
      }
      const updated = await q.query(sql`
        update accounts set encrypted_credential = ${box.seal(plaintext, id)}
        where id = ${id}::uuid and encrypted_credential = ${envelope} returning id`);
      if (updated.length === 1) report.resealed += 1;
      else report.raced += 1;
    }
    after = rows[rows.length - 1]?.id ?? after;
  }
}
