import path from 'node:path';
import { z } from 'zod';
import { createBackup } from '../backup/backup.js';
import { backupFileName } from '../backup/schedule.js';
import type { BackupConfig } from '../config/index.js';
import { ConflictError, InvalidRequestError } from '../errors.js';
import type { AuditRepository, Store } from '../store/types.js';
import type { AuditActor, AuditContext } from './audit-context.js';
import { parseInput } from './parse-input.js';

export const backupRunInput = z.strictObject({
  /** Encrypt with BACKUP_PASSPHRASE (the server's; a passphrase is never sent over the API). Said
   * explicitly, so that an empty body cannot take an unencrypted backup by default. */
  encrypt: z.boolean(),
});
export type BackupRunInput = z.infer<typeof backupRunInput>;

export interface BackupView {
  /** Absolute path on the server's machine, in BACKUP_DIR. */
  file: string;
  bytes: number;
  rows: number;
  tables: number;
  ms: number;
  encrypted: boolean;
}

/**
 * On-demand backups taken by the running server. An embedded (PGlite) database admits one
 * process, so `switchyard backup` asks the server that holds it; the archive lands in the server's
 * BACKUP_DIR under a name chosen here, never a path from the caller.
 */
export class BackupsService {
  private running = false;

  constructor(
    private readonly deps: {
      store: Store;
      config: BackupConfig;
      audit: AuditRepository;
      actor: AuditActor;
    },
  ) {}

  async run(input: unknown, context: AuditContext = {}): Promise<BackupView> {
    const { encrypt } = parseInput(backupRunInput, input);
    const { passphrase, dir } = this.deps.config;
    if (encrypt && passphrase === undefined) {
      throw new InvalidRequestError('Encrypted backups need BACKUP_PASSPHRASE set on the server.');
    }
    // One at a time: two in the same second would share a file name, and each holds a snapshot.
    if (this.running) {
      throw new ConflictError('A backup is already being taken; try again when it ends.');
    }
    this.running = true;
    try {
      const file = path.join(dir, backupFileName(new Date()));
      const result = await createBackup(
        this.deps.store,
        file,
        encrypt ? { passphrase: passphrase as string } : {},
      );
      if (!result) throw new Error('the backup lock was taken although none was asked for');
      const view: BackupView = {
        file: result.file,
        bytes: result.bytes,
        rows: result.rows,
        tables: result.tables.length,
        ms: Math.round(result.ms),
        encrypted: encrypt,
      };
      const actor = context.actor ?? this.deps.actor;
      await this.deps.audit.append({
        actorType: actor.type,
        actorId: actor.id,
        action: 'backup.create',
        targetType: 'backup',
        targetId: null,
        ip: context.ip ?? null,
        details: { file: path.basename(view.file), bytes: view.bytes, rows: view.rows, encrypted: encrypt },
      });
      return view;
    } finally {
      this.running = false;
    }
  }
}
