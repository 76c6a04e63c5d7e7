import type { Config } from '../config/index.js';
import { resolveMasterKey, secretBoxOf } from '../identity/master-key.js';
import { createOutboundUrlGuard, type OutboundUrlGuard } from '../identity/outbound-url.js';
import type { SecretBox } from '../identity/secret-box.js';
import { createLogger } from '../observability/logger.js';
import { createAdminServices } from '../services/admin-services.js';
import type { AdminOperations } from '../services/admin-types.js';
import { scrubbedAudit } from '../services/audit-context.js';
import { defaultSettings, SettingsService } from '../services/settings.js';
import { openStore, StoreLockedError, type Store } from '../store/index.js';
import { ClaudeCliContext, claudeCliOptionsOf } from '../upstreams/claude-cli/index.js';
import { createUpstreamKinds, type UpstreamKindRegistry } from '../upstreams/index.js';
import { CliError, loadConfigOrExit } from './context.js';
import { RemoteAdmin } from './remote-admin.js';
import { readServerFile } from './server-file.js';

export interface AdminSession {
  admin: AdminOperations;
  via: 'server' | 'store';
  close(): Promise<void>;
}

function localAdmin(
  store: Store,
  secretBox: SecretBox,
  kinds: UpstreamKindRegistry,
  outboundUrls: OutboundUrlGuard,
  settings: SettingsService,
): AdminOperations {
  const {
    accounts,
    apiKeys: keys,
    models,
  } = createAdminServices(store, secretBox, {
    kinds,
    outboundUrls,
    settings,
  });
  return {
    addAccount: (input) => accounts.add(input),
    listAccounts: () => accounts.list(),
    updateAccount: (ref, patch) => accounts.update(ref, patch),
    removeAccount: (ref) => accounts.remove(ref),
    testAccount: (ref) => accounts.test(ref),
    createKey: (input) => keys.create(input),
    listKeys: () => keys.list(),
    revokeKey: (ref) => keys.revoke(ref),
    listModels: () => models.list(),
    updateKey: (ref, patch) => keys.update(ref, patch),
  };
}

export async function serverAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/health', url), { signal: AbortSignal.timeout(3_000) })).ok;
  } catch {
    return false;
  }
}

/** Talks to the running server when there is one, otherwise opens the store itself. */
export async function openAdminSession(config: Config): Promise<AdminSession> {
  const server = await readServerFile(config.dataDir);
  if (server && (await serverAnswers(server.url))) {
    return { admin: new RemoteAdmin(server), via: 'server', close: async () => {} };
  }
  let store: Store;
  try {
    store = await openStore(config.database);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new CliError(
        `The embedded database in ${error.dir} is in use by process ${error.pid}, which does not answer as a ` +
          `Switchyard server. Wait for it to finish or stop it, then try again.`,
      );
    }
    throw new CliError(`Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  const keys = await resolveMasterKey(config.masterKey, config.dataDir, config.previousMasterKey);
  // `accounts test` of a claude_cli account runs the CLI here; no pool process is ever started.
  const claudeCli = new ClaudeCliContext(claudeCliOptionsOf(config), createLogger({ level: 'silent' }));
  // The admins' settings hold here too: the compliance switch, new keys' default limits.
  const settings = new SettingsService({
    repository: store.settings,
    audit: scrubbedAudit(store.audit),
    accounts: store.accounts,
    defaults: defaultSettings(config),
    actor: { type: 'cli', id: null },
  });
  await settings.load();
  const admin = localAdmin(
    store,
    secretBoxOf(keys, config.dataDir),
    createUpstreamKinds({ claudeCli }),
    createOutboundUrlGuard(config.outbound),
    settings,
  );
  return {
    admin,
    via: 'store',
    close: async () => {
      await claudeCli.close();
      await store.close();
    },
  };
}

/** Runs one admin operation in a session opened for it. */
export async function withAdmin<T>(body: (admin: AdminOperations) => Promise<T>): Promise<T> {
  const session = await openAdminSession(loadConfigOrExit());
  try {
    return await body(session.admin);
  } finally {
    await session.close();
  }
}
