import type { Catalogue } from '../gateway/catalogue/catalogue.js';
import type { OutboundUrlGuard } from '../identity/outbound-url.js';
import type { SecretBox } from '../identity/secret-box.js';
import type { Store } from '../store/types.js';
import type { UpstreamKindRegistry } from '../upstreams/index.js';
import { AccountsService } from './accounts.js';
import { ApiKeysService } from './api-keys.js';
import { scrubbedAudit } from './audit-context.js';
import { ModelCatalogueService } from './model-catalogue.js';
import type { SettingsService } from './settings.js';

export interface AdminServicesOptions {
  /** The account kinds, with what they need to run here (the claude_cli pool). */
  kinds: UpstreamKindRegistry;
  /** Where account base URLs may point (OUTBOUND_ALLOW_PRIVATE, OUTBOUND_ALLOWED_HOSTS). */
  outboundUrls: OutboundUrlGuard;
  /** Live in-flight counts, when a gateway runs in this process. */
  inFlight?: (accountId: string) => number | undefined;
  /** A running pool reloads accounts at once after a change. */
  onAccountsChange?: () => Promise<void>;
  /** A running gateway forgets a revoked key at once. */
  onKeyRevoked?: (apiKeyId: string) => void;
  /** A running gateway's in-memory model catalogue, reloaded after every catalogue change. */
  catalogue?: Catalogue;
  /** The settings (services/settings.ts): the compliance switch and new keys' default limits. */
  settings?: SettingsService;
}

/** The admin services over one store, as the server and the command line both use them. */
export function createAdminServices(store: Store, secretBox: SecretBox, options: AdminServicesOptions) {
  // The command line acts as `cli`; requests through the API pass their own actor with each call.
  const actor = { type: 'cli' as const, id: null };
  const audit = scrubbedAudit(store.audit);
  const accounts = new AccountsService({
    accounts: store.accounts,
    audit,
    secretBox,
    kinds: options.kinds,
    outboundUrls: options.outboundUrls,
    inFlight: options.inFlight,
    onChange: options.onAccountsChange,
    kindRefusal: options.settings && ((kind) => options.settings?.refusalForKind(kind)),
    actor,
  });
  const apiKeys = new ApiKeysService({
    apiKeys: store.apiKeys,
    users: store.users,
    audit,
    onRevoke: options.onKeyRevoked,
    defaultLimits: options.settings && ((owner) => options.settings?.defaultKeyLimitsFor(owner) ?? {}),
    actor,
  });
  const models = new ModelCatalogueService({
    models: store.models,
    audit,
    catalogue: options.catalogue,
    actor,
  });
  return { accounts, apiKeys, models };
}
