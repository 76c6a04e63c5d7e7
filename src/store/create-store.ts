import { sql } from 'drizzle-orm';
import type { BulkCopy } from './bulk-copy.js';
import type { StoreDatabase } from './database.js';
import { registerInternalDatabase } from './internal.js';
import type { ReplicaRouter } from './read-replica.js';
import { accountRepository } from './repositories/accounts.js';
import { apiKeyRepository } from './repositories/api-keys.js';
import { auditRepository } from './repositories/audit.js';
import { chatAttachmentRepository } from './repositories/chat-attachments.js';
import { conversationHistoryRepository } from './repositories/conversation-history.js';
import { conversationRepository } from './repositories/conversations.js';
import { modelRepository } from './repositories/models.js';
import { oidcIdentityRepository } from './repositories/oidc-identities.js';
import { refreshTokenRepository } from './repositories/refresh-tokens.js';
import { settingsRepository } from './repositories/settings.js';
import { usageRepository } from './repositories/usage.js';
import { usageReportRepository } from './repositories/usage-reports.js';
import { usageRollupRepository } from './repositories/usage-rollups.js';
import { userRepository } from './repositories/users.js';
import type { Store } from './types.js';

/**
 * The repositories over one database, whichever driver carries it. With a `replica`, report reads
 * go there (read-replica.ts); a repository that wants the same builds itself on `replica.db` and
 * is wrapped with `replica.route(...)` here (conversation search is meant to).
 */
export function createStore(
  kind: Store['kind'],
  db: StoreDatabase,
  shutdown: () => Promise<void>,
  replica?: ReplicaRouter,
  /** COPY on the same database, for the usage ledger's batches. */
  bulk?: BulkCopy,
): Store {
  let closing: Promise<void> | undefined;
  const onReplica = <T extends object, K extends keyof T>(
    build: (on: StoreDatabase) => T,
    methods: K[],
  ): T => (replica ? replica.route(build(db), build(replica.db), methods) : build(db));
  const store: Store = {
    kind,
    accounts: accountRepository(db),
    users: userRepository(db),
    apiKeys: apiKeyRepository(db),
    usage: usageRepository(db, bulk),
    usageReports: onReplica(usageReportRepository, ['buckets', 'totals', 'byAccount', 'requests']),
    usageRollups: onReplica((on) => usageRollupRepository(on, kind), ['buckets', 'byAccount']),
    audit: onReplica(auditRepository, ['list']),
    refreshTokens: refreshTokenRepository(db),
    oidcIdentities: oidcIdentityRepository(db),
    models: modelRepository(db),
    conversations: conversationRepository(db),
    conversationHistory: onReplica(conversationHistoryRepository, ['search', 'recentMessages']),
    chatAttachments: chatAttachmentRepository(db),
    settings: settingsRepository(db),
    ...(replica ? { replica } : {}),
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
  registerInternalDatabase(store, db);
  return store;
}
