import { randomUUID } from 'node:crypto';
import { InvalidRequestError, NotFoundError, SwitchyardError } from '../errors.js';
import { generateApiKeySecret } from '../identity/api-key-secret.js';
import type { KeyLimits } from '../identity/key-limits.js';
import { assertWithinOwner } from '../identity/key-scope.js';
import type {
  ApiKeyRecord,
  ApiKeyRepository,
  AuditRepository,
  UserRecord,
  UserRepository,
} from '../store/types.js';
import {
  apiKeyPatchInput,
  newApiKeyInput,
  type ApiKeyPatchInput,
  type ApiKeyView,
  type NewApiKeyInput,
} from './admin-types.js';
import type { AuditContext } from './audit-context.js';
import { parseInput } from './parse-input.js';

export interface ApiKeysServiceDeps {
  apiKeys: ApiKeyRepository;
  users: UserRepository;
  audit: AuditRepository;
  /** Called after a revocation or a change so cached copies of the key are dropped at once. */
  onRevoke?: (apiKeyId: string) => void;
  /** Alias → model id, so model lists compare by what they mean. */
  resolveModel?: (name: string) => string;
  /** Limits a new key gets when its creator names none (the default-limits setting). */
  defaultLimits?: (owner: UserRecord) => KeyLimits;
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
    const owner = await this.ownerFor(ownerId);
    assertWithinOwner(input, owner, this.deps.resolveModel);
    const { secret, hash, prefix } = generateApiKeySecret();
    const record = await this.deps.apiKeys.insert({
      id: randomUUID(),
      name: input.name,
      keyHash: hash,
      keyPrefix: prefix,
      userId: owner.id,
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      limits: input.limits ?? this.deps.defaultLimits?.(owner) ?? {},
      allowedModels: input.models ?? null,
      modelFallback: input.modelFallback ?? false,
    });
    await this.audit('api_key.create', record, context, accessDetails(input));
    return { key: view(record), secret };
  }

  /** By id or unique name (admins). */
  async update(ref: string, raw: ApiKeyPatchInput, context: AuditContext = {}): Promise<ApiKeyView> {
    return this.updateRecord(await this.find(ref), raw, context);
  }

  /** The caller's own key; another user's is a 404, as if it did not exist. */
  async updateOwn(userId: string, id: string, raw: ApiKeyPatchInput, context: AuditContext = {}) {
    const record = await this.deps.apiKeys.get(id);
    if (!record || record.userId !== userId) throw new NotFoundError(`No key with id '${id}'.`);
    return this.updateRecord(record, raw, context);
  }

  private async updateRecord(record: ApiKeyRecord, raw: ApiKeyPatchInput, context: AuditContext) {
    const patch = parseInput(apiKeyPatchInput, raw);
    if (record.revokedAt !== null) {
      throw new SwitchyardError('invalid_request_error', 'A revoked key cannot be changed.', { status: 409 });
    }
    const owner = await this.deps.users.get(record.userId);
    if (!owner) throw new NotFoundError(`No user with id '${record.userId}'.`);
    assertWithinOwner(patch, owner, this.deps.resolveModel);
    const updated = await this.deps.apiKeys.update(record.id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.expiresAt !== undefined
        ? { expiresAt: patch.expiresAt === null ? null : new Date(patch.expiresAt) }
        : {}),
      ...(patch.limits !== undefined ? { limits: patch.limits } : {}),
      ...(patch.models !== undefined ? { allowedModels: patch.models } : {}),
      ...(patch.modelFallback !== undefined ? { modelFallback: patch.modelFallback } : {}),
    });
    if (!updated) throw new NotFoundError(`No key with id '${record.id}'.`);
    this.deps.onRevoke?.(record.id);
    await this.audit('api_key.update', updated, context, {
      ...accessDetails(patch),
      ...(patch.name !== undefined ? { newName: patch.name } : {}),
      ...(patch.expiresAt !== undefined ? { expiresAt: patch.expiresAt } : {}),
    });
    return view(updated);
  }

  /** The given user (admins), or the first admin (the command line's keys). */
  private async ownerFor(ownerId: string | undefined): Promise<UserRecord> {
    if (ownerId === undefined) {
      const admin = await this.deps.users.firstAdmin();
      if (!admin)
        throw new SwitchyardError(
          'api_error',
          'There is no user to own the key; start the server once first.',
          { status: 409 },
        );
      return admin;
    }
    const user = await this.deps.users.get(ownerId);
    if (!user) throw new NotFoundError(`No user with id '${ownerId}'.`);
    if (user.disabledAt) throw new InvalidRequestError('userId: that user is disabled.');
    return user;
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

  /** The owner's limits changed: every cached copy of their keys must be read again. */
  async ownerChanged(userId: string): Promise<void> {
    for (const record of await this.deps.apiKeys.list({ userId })) this.deps.onRevoke?.(record.id);
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

  private audit(
    action: string,
    record: ApiKeyRecord,
    context: AuditContext,
    extra: Record<string, unknown> = {},
  ) {
    const actor = context.actor ?? this.deps.actor;
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'api_key',
      targetId: record.id,
      ip: context.ip ?? null,
      details: { name: record.name, prefix: record.keyPrefix, owner: record.userId, ...extra },
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
    limits: record.limits,
    models: record.allowedModels,
    modelFallback: record.modelFallback,
  };
}

/** Limits and model lists are policy, not secrets: the audit row keeps them. */
function accessDetails(input: { limits?: unknown; models?: unknown; modelFallback?: unknown }) {
  return {
    ...(input.limits !== undefined ? { limits: input.limits } : {}),
    ...(input.models !== undefined ? { models: input.models } : {}),
    ...(input.modelFallback !== undefined ? { modelFallback: input.modelFallback } : {}),
  };
}
