import { sql } from 'drizzle-orm';
import type { StoreDatabase } from './database.js';
import { registerInternalDatabase } from './internal.js';
import { accountRepository } from './repositories/accounts.js';
import { apiKeyRepository } from './repositories/api-keys.js';
import { auditRepository } from './repositories/audit.js';
import { conversationRepository } from './repositories/conversations.js';
import { modelRepository } from './repositories/models.js';
import { oidcIdentityRepository } from './repositories/oidc-identities.js';
import { refreshTokenRepository } from './repositories/refresh-tokens.js';
import { usageRepository } from './repositories/usage.js';
import { usageReportRepository } from './repositories/usage-reports.js';
import { userRepository } from './repositories/users.js';
import type { Store } from './types.js';

/** The repositories over one database, whichever driver carries it. */
export function createStore(kind: Store['kind'], db: StoreDatabase, shutdown: () => Promise<void>): Store {
  let closing: Promise<void> | undefined;
  const store: Store = {
    kind,
    accounts: accountRepository(db),
    users: userRepository(db),
    apiKeys: apiKeyRepository(db),
    usage: usageRepository(db),
    usageReports: usageReportRepository(db),
    audit: auditRepository(db),
    refreshTokens: refreshTokenRepository(db),
    oidcIdentities: oidcIdentityRepository(db),
    models: modelRepository(db),
    conversations: conversationRepository(db),
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
