import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { backupRunInput, type BackupsService } from '../../services/backups.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { auditContextOf, requires } from './route-policy.js';

const backupView = named(
  'Backup',
  z.object({
    file: z.string(),
    bytes: z.number().int(),
    rows: z.number().int(),
    tables: z.number().int(),
    ms: z.number().int(),
    encrypted: z.boolean(),
  }),
);

/** POST /api/admin/backups: the running server backs up its own database (docs/disaster-recovery.md). */
export function registerBackupRoutes(app: FastifyInstance, backups: BackupsService): void {
  app.post(
    '/api/admin/backups',
    documented(requires('backups:run'), {
      summary: 'Take a backup now, into the server’s BACKUP_DIR',
      description:
        'Body `{"encrypt": false}` or `{"encrypt": true}`. The archive is the one `switchyard backup` writes (consistent snapshot, manifest, checksums). `encrypt` uses the server’s BACKUP_PASSPHRASE. One backup at a time: 409 while one runs.',
      body: named('BackupRun', backupRunInput),
      responses: { 201: { description: 'The archive was written.', schema: backupView } },
    }),
    async (request, reply) => {
      const view = await backups.run(parseJsonBody(request.body), auditContextOf(request));
      return reply.code(201).send(view);
    },
  );
}
