import { randomUUID } from 'node:crypto';
import { generatePassword, hashPassword } from '../identity/passwords.js';
import { SwitchyardError } from '../errors.js';
import { StoreConflictError, type Store } from '../store/types.js';
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
    // Two gateways starting at once on a new database both see no user: the second insert hits
    // the unique username, which means the admin exists, made by the other one.
    const created = await unlessTaken(async () => {
      await store.users.insert({
        id: randomUUID(),
        username: 'admin',
        passwordHash: await hashPassword(password),
        role: 'admin',
        mustChangePassword: true,
      });
    });
    if (created) {
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
  }
  if ((await store.accounts.count()) === 0) {
    await unlessTaken(async () => {
      const account = bootstrapApiKey
        ? await accounts.add({ kind: 'anthropic_api', name: 'anthropic', apiKey: bootstrapApiKey })
        : await accounts.add({ kind: 'mock', name: 'mock-demo', maxConcurrency: 16 });
      result.createdAccount = { name: account.name, kind: account.kind, simulated: account.simulated };
    });
  }
  return result;
}

/** Runs a first-start insert; false when another process made the same row first. */
async function unlessTaken(insert: () => Promise<void>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (error) {
    if (error instanceof StoreConflictError) return false;
    if (error instanceof SwitchyardError && error.status === 409) return false; // accounts.add's form

    throw error;
  }
}
