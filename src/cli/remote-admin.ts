import type {
  AccountTestView,
  AccountView,
  AdminOperations,
  ApiKeyPatchInput,
  ApiKeyView,
  NewAccountInput,
  NewApiKeyInput,
  AccountPatchInput,
} from '../services/admin-types.js';
import type { BackupRunInput, BackupView } from '../services/backups.js';
import type { ModelView } from '../services/model-catalogue-types.js';
import type { RetentionRun, RetentionView } from '../services/usage-retention.js';
import { CliError } from './context.js';
import type { ServerFile } from './server-file.js';

/** Admin operations through a running server's admin API. */
export class RemoteAdmin implements AdminOperations {
  constructor(private readonly server: ServerFile) {}

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(`/api/admin${path}`, this.server.url), {
        method,
        headers: {
          authorization: `Bearer ${this.server.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new CliError(`The running server at ${this.server.url} did not answer.`);
    }
    const text = await response.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const message = (json as { error?: { message?: string } } | undefined)?.error?.message;
      throw new CliError(message ?? `The server answered HTTP ${response.status}.`);
    }
    return json as T;
  }

  addAccount = (input: NewAccountInput) => this.call<AccountView>('POST', '/accounts', input);
  listAccounts = async () => (await this.call<{ data: AccountView[] }>('GET', '/accounts')).data;
  updateAccount = (ref: string, patch: AccountPatchInput) =>
    this.call<AccountView>('PATCH', `/accounts/${encodeURIComponent(ref)}`, patch);
  removeAccount = async (ref: string) => {
    await this.call<void>('DELETE', `/accounts/${encodeURIComponent(ref)}`);
  };
  testAccount = (ref: string) =>
    this.call<AccountTestView>('POST', `/accounts/${encodeURIComponent(ref)}/test`);
  createKey = (input: NewApiKeyInput) =>
    this.call<{ key: ApiKeyView; secret: string }>('POST', '/keys', input);
  listKeys = async () => (await this.call<{ data: ApiKeyView[] }>('GET', '/keys')).data;
  revokeKey = (ref: string) => this.call<ApiKeyView>('DELETE', `/keys/${encodeURIComponent(ref)}`);
  listModels = async () => (await this.call<{ data: ModelView[] }>('GET', '/models')).data;
  /** Backups of a big database take minutes; the server holds the only connection to PGlite. */
  runBackup = (input: BackupRunInput) => this.call<BackupView>('POST', '/backups', input, 3_600_000);
  updateKey = (ref: string, patch: ApiKeyPatchInput) =>
    this.call<ApiKeyView>('PATCH', `/keys/${encodeURIComponent(ref)}`, patch);
  /** A first run over a big ledger rolls up and deletes millions of rows. */
  runUsageRetention = () => this.call<RetentionRun>('POST', '/usage/retention/run', undefined, 3_600_000);
  usageRetention = () => this.call<RetentionView>('GET', '/usage/retention');
}
