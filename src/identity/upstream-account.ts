import type { AccountRecord } from '../store/types.js';
import type { UpstreamAccount } from '../upstreams/types.js';
import type { SecretBox } from './secret-box.js';

/**
 * What an upstream adapter gets for an account record: the credential decrypted, in memory only.
 * `unreadable` says the stored credential cannot be opened with this master key (a wrong
 * SWITCHYARD_MASTER_KEY, or a copied database): the account must not take traffic.
 */
export function upstreamAccountOf(
  record: AccountRecord,
  secretBox: SecretBox,
): { account: UpstreamAccount; unreadable: boolean } {
  let credential: string | null = null;
  let unreadable = false;
  if (record.encryptedCredential !== null) {
    try {
      credential = secretBox.open(record.encryptedCredential, record.id);
    } catch {
      unreadable = true;
    }
  }
  return {
    account: {
      id: record.id,
      name: record.name,
      kind: record.kind,
      baseUrl: record.baseUrl,
      credential,
      settings: record.settings,
    },
    unreadable,
  };
}
