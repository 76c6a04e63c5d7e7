import { randomUUID } from 'node:crypto';
import { generatePassword, hashPassword } from '../identity/passwords.js';
import type { Store } from '../store/types.js';
import type { AccountsService } from './accounts.js';

export interface BootstrapResult {
  /** Set when this start created the admin: printed once, never stored in clear. */
  adminPassword?: string;
  createdAccount?: { name: string; kind: string; simulated: boolean };
}

/**
 * What the first start does so everything works out of the box: an admin user with a one-time
 * password, and an account (from ANTHROPIC_API_KEY, or a clearly labelled mock demo).
 */
export async function bootstrap(
  store: Store,
  accounts: AccountsService,
  bootstrapApiKey: string | undefined,
): Promise<BootstrapResult> {
  const result: BootstrapResult = {};
  if ((await store.users.count()) === 0) {
    const password = generatePassword();
    await store.users.insert({
      id: randomUUID(),
      username: 'admin',
      passwordHash: await hashPassword(password),
      role: 'admin',
      mustChangePassword: true,
    });
    await store.audit.append({
      actorType: 'system',
      actorId: null,
      action: 'user.create',
      targetType: 'user',
      targetId: null,
      ip: null,
      details: { username: 'admin', role: 'admin', reason: 'first start' },
    });
    result.adminPassword = password;
  }
  if ((await store.accounts.count()) === 0) {
    const account = bootstrapApiKey
      ? await accounts.add({ kind: 'anthropic_api', name: 'anthropic', apiKey: bootstrapApiKey })
      : await accounts.add({ kind: 'mock', name: 'mock-demo', maxConcurrency: 16 });
    result.createdAccount = { name: account.name, kind: account.kind, simulated: account.simulated };
  }
  return result;
}
