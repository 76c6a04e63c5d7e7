import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { refusedData, type BulkCopy } from './bulk-copy.js';

/** COPY FROM STDIN on a connection of the pool (pg-copy-streams speaks the protocol's copy mode). */
export function postgresBulkCopy(pool: pg.Pool): BulkCopy {
  return {
    async copyIn(table, columns, text) {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
        stream.end(text);
        await finished(stream);
        return stream.rowCount;
      } catch (error) {
        // A refused COPY leaves the connection usable; anything else (a cut connection) may not.
        failure = refusedData(error) ? undefined : (error as Error);
        throw error;
      } finally {
        client.release(failure);
      }
    },
  };
}
