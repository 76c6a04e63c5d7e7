/**
 * The behaviour every Store must have, whichever database is behind it. Each database's test file
 * calls describeStoreContract with a way to open an empty store; each block below opens its own.
 */
import { describe, expect, it } from 'vitest';
import { accountsContract } from './contract/accounts.js';
import { apiKeysContract } from './contract/api-keys.js';
import { auditContract } from './contract/audit.js';
import { chatAttachmentsContract } from './contract/chat-attachments.js';
import { conversationHistoryContract } from './contract/conversation-history.js';
import { useStore, type OpenStore } from './contract/harness.js';
import { modelsContract } from './contract/models.js';
import { oidcIdentitiesContract } from './contract/oidc-identities.js';
import { refreshTokensContract } from './contract/refresh-tokens.js';
import { usageOwnersContract } from './contract/usage-owners.js';
import { usageSpendContract } from './contract/usage-spend.js';
import { usageContract } from './contract/usage.js';
import { usersContract } from './contract/users.js';

export type { OpenStore } from './contract/harness.js';

export function describeStoreContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    describe('store', () => {
      const store = useStore(open);
      it('answers a ping and names its kind', async () => {
        await expect(store().ping()).resolves.toBeUndefined();
        expect(['pglite', 'postgres']).toContain(store().kind);
      });
    });
    accountsContract(open);
    usersContract(open);
    apiKeysContract(open);
    usageContract(open);
    usageSpendContract(open);
    usageOwnersContract(open);
    auditContract(open);
    refreshTokensContract(open);
    oidcIdentitiesContract(open);
    modelsContract(open);
    chatAttachmentsContract(open);
    conversationHistoryContract(open);
  });
}
