import type { PGlite } from '@electric-sql/pglite';
import type { BulkCopy } from './bulk-copy.js';

/** PGlite reads COPY's input from a Blob it exposes as the file `/dev/blob`. */
export function pgliteBulkCopy(client: PGlite): BulkCopy {
  return {
    async copyIn(table, columns, text) {
      const result = await client.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], {
        blob: new Blob([text]),
      });
      return result.affectedRows ?? 0;
    },
  };
}
