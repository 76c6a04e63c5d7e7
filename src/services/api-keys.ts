import { randomUUID } from 'node:crypto';
import { NotFoundError, SwitchyardError } from '../errors.js';
import { generateApiKeySecret } from '../identity/api-key-secret.js';
import type { ApiKeyRecord, ApiKeyRepository, AuditRepository, UserRepository } from '../store/types.js';
import { newApiKeyInput, type ApiKeyView, type NewApiKeyInput } from './admin-types.js';
import { parseInput } from './parse-input.js';

export interface ApiKeysServiceDeps {
  apiKeys: ApiKeyRepository;
  users: UserRepository;
  audit: AuditRepository;
  /** Called after a revocation so cached keys stop working at once. */
  onRevoke?: (apiKeyId: string) => void;
  actor: { type: 'user' | 'cli' | 'system'; id: string | null };
}

export class ApiKeysService {
  constructor(private readonly deps: ApiKeysServiceDeps) {}

  /** Creates a key owned by the given user (default: the first admin). The secret is returned once. */
  async create(raw: NewApiKeyInput, ownerId?: string, ip: string | null = null) {
    const input = parseInput(newApiKeyInput, raw);
    const owner = ownerId ?? (await this.deps.users.firstAdmin())?.id;
    if (!owner)
      throw new SwitchyardError(
        'api_error',
        'There is no user to own the key; start the server once first.',
        { status: 409 },
      );
    const { secret, hash, prefix } = generateApiKeySecret();
    const record = await this.deps.apiKeys.insert({
      id: randomUUID(),
      name: input.name,
      keyHash: hash,
      keyPrefix: prefix,
      userId: owner,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    await this.audit('api_key.create', record, ip);
    return { key: view(record), secret };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.deps.apiKeys.list()).map(view);
  }

  /** By id, or by name when exactly one live key has it. */
  async revoke(ref: string, ip: string | null = null): Promise<ApiKeyView> {
    const record = await this.find(ref);
    if (!(await this.deps.apiKeys.revoke(record.id, new Date()))) {
      throw new SwitchyardError('invalid_request_error', `The key '${ref}' is already revoked.`, {
        status: 409,
      });
    }
    this.deps.onRevoke?.(record.id);
    await this.audit('api_key.revoke', record, ip);
    return view({ ...record, revokedAt: new Date() });
  }

  private async find(ref: string): Promise<ApiKeyRecord> {
    if (/^[0-9a-f-]{36}$/i.test(ref)) {
      const record = await this.deps.apiKeys.get(ref);
      if (record) return record;
    }
    const named = (await this.deps.apiKeys.list()).filter((k) => k.name === ref && k.revokedAt === null);
    if (named.length === 1 && named[0]) return named[0];
    if (named.length > 1)
      throw new SwitchyardError('invalid_request_error', `Several keys are named '${ref}'; use the id.`, {
        status: 409,
      });
    throw new NotFoundError(`No live key named or with id '${ref}'.`);
  }

  private audit(action: string, record: ApiKeyRecord, ip: string | null) {
    return this.deps.audit.append({
      actorType: this.deps.actor.type,
      actorId: this.deps.actor.id,
      action,
      targetType: 'api_key',
      targetId: record.id,
      ip,
      details: { name: record.name, prefix: record.keyPrefix },
    });
  }
}

function view(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    prefix: record.keyPrefix,
    userId: record.userId,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
  };
}
