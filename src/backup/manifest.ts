import { createHash } from 'node:crypto';
import { z } from 'zod';

export const ARCHIVE_FORMAT = 'switchyard-backup';
export const ARCHIVE_VERSION = 1;

/**
 * The first line of every archive. Row counts and hashes only: no row content, no secret. The
 * `checksum` covers the rest of the manifest; each table's `sha256` covers its rows as archived.
 */
export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  createdAt: z.string(),
  source: z.object({ kind: z.enum(['pglite', 'postgres']) }),
  migration: z.object({
    level: z.number().int().min(0),
    tag: z.string().nullable(),
    when: z.number().int().nullable(),
  }),
  tables: z.array(
    z.object({
      name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
      rows: z.number().int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function manifestChecksum(manifest: Omit<Manifest, 'checksum'>): string {
  const { format, version, createdAt, source, migration, tables } = manifest;
  return createHash('sha256')
    .update(JSON.stringify({ format, version, createdAt, source, migration, tables }))
    .digest('hex');
}
