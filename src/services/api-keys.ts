import { randomUUID } from 'node:crypto';
import { InvalidRequestError, NotFoundError, SwitchyardError } from '../errors.js';
import { generateApiKeySecret } from '../identity/api-key-secret.js';
import type { ApiKeyRecord, ApiKeyRepository, AuditRepository, UserRepository } from '../store/types.js';
import { newApiKeyInput, type ApiKeyView, type NewApiKeyInput } from './admin-types.js';
import type { AuditContext } from './audit-context.js';
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

  /**
   * Creates a key owned by the given user (default: the first admin). The secret is returned once.
   * Only admins reach this with another user's id; members go through createOwn.
   */
  async create(raw: NewApiKeyInput, ownerId?: string, context: AuditContext = {}) {
    const input = parseInput(newApiKeyInput, raw);
    let owner: string | undefined;
    if (ownerId === undefined) {
      owner = (await this.deps.users.firstAdmin())?.id;
      if (!owner)
        throw new SwitchyardError(
          'api_error',
          'There is no user to own the key; start the server once first.',
          { status: 409 },
        );
    } else {
      const user = await this.deps.users.get(ownerId);
      if (!user) throw new NotFoundError(`No user with id '${ownerId}'.`);
      if (user.disabledAt) throw new InvalidRequestError('userId: that user is disabled.');
      owner = user.id;
    }
    const { secret, hash, prefix } = generateApiKeySecret();
    const record = await this.deps.apiKeys.insert({
      id: randomUUID(),
      name: input.name,
      keyHash: hash,
      keyPrefix: prefix,
      userId: owner,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    await this.audit('api_key.create', record, context);
    return { key: view(record), secret };
  }

  /** A key for the caller themself: it can never belong to anyone else. */
  createOwn(userId: string, raw: NewApiKeyInput, context: AuditContext = {}) {
    return this.create(raw, userId, context);
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.deps.apiKeys.list()).map(view);
  }

  async listOwn(userId: string): Promise<ApiKeyView[]> {
    return (await this.deps.apiKeys.list({ userId })).map(view);
  }

  /** By id, or by name when exactly one live key has it. */
  async revoke(ref: string, context: AuditContext = {}): Promise<ApiKeyView> {
    return this.revokeRecord(await this.find(ref), ref, context);
  }

  /** Another user's key is indistinguishable from a key that does not exist (404, not 403). */
  async revokeOwn(userId: string, id: string, context: AuditContext = {}): Promise<ApiKeyView> {
    const record = await this.deps.apiKeys.get(id);
    if (!record || record.userId !== userId) throw new NotFoundError(`No key with id '${id}'.`);
    return this.revokeRecord(record, id, context);
  }

  /** Revokes every live key of a user (when the user is disabled); returns how many. */
  async revokeAllOf(userId: string, context: AuditContext = {}): Promise<number> {
    let revoked = 0;
    for (const record of await this.deps.apiKeys.list({ userId })) {
      if (record.revokedAt !== null) continue;
      if (!(await this.deps.apiKeys.revoke(record.id, new Date()))) continue;
      this.deps.onRevoke?.(record.id);
      await this.audit('api_key.revoke', record, context);
      revoked += 1;
    }
    return revoked;
  }

  private async revokeRecord(record: ApiKeyRecord, ref: string, context: AuditContext) {
    if (!(await this.deps.apiKeys.revoke(record.id, new Date()))) {
      throw new SwitchyardError('invalid_request_error', `The key '${ref}' is already revoked.`, {
        status: 409,
      });
    }
    this.deps.onRevoke?.(record.id);
    await this.audit('api_key.revoke', record, context);
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

  private audit(action: string, record: ApiKeyRecord, context: AuditContext) {
    const actor = context.actor ?? this.deps.actor;
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'api_key',
      targetId: record.id,
      ip: context.ip ?? null,
      details: { name: record.name, prefix: record.keyPrefix, owner: record.userId },
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
