import { randomUUID } from 'node:crypto';
import { InvalidRequestError, NotFoundError, SwitchyardError } from '../errors.js';
import type { OutboundUrlGuard } from '../identity/outbound-url.js';
import type { SecretBox } from '../identity/secret-box.js';
import { upstreamAccountOf } from '../identity/upstream-account.js';
import type { AccountRecord, AuditRepository, AccountRepository } from '../store/types.js';
import { StoreConflictError } from '../store/types.js';
import type { UpstreamKindRegistry } from '../upstreams/index.js';
import {
  accountPatchInput,
  newAccountInput,
  type AccountPatchInput,
  type AccountTestView,
  type AccountView,
  type NewAccountInput,
} from './admin-types.js';
import type { AuditContext } from './audit-context.js';
import { parseInput } from './parse-input.js';

export interface AccountsServiceDeps {
  accounts: AccountRepository;
  audit: AuditRepository;
  secretBox: SecretBox;
  kinds: UpstreamKindRegistry;
  /** Refuses base URLs that lead to loopback, private, link-local or metadata addresses (SSRF). */
  outboundUrls: OutboundUrlGuard;
  /** Live in-flight counts, when a gateway runs in this process. */
  inFlight?: (id: string) => number | undefined;
  /** Called after every change so a running pool picks it up at once. */
  onChange?: () => Promise<void>;
  /** Why accounts of this kind may not be added or enabled now (the compliance setting); undefined: they may. */
  kindRefusal?: (kind: string) => string | undefined;
  actor: { type: 'user' | 'cli' | 'system'; id: string | null };
}

export class AccountsService {
  constructor(private readonly deps: AccountsServiceDeps) {}

  async add(raw: NewAccountInput, context: AuditContext = {}): Promise<AccountView> {
    const input = parseInput(newAccountInput, raw);
    this.refuseKind(input.kind);
    const kind = this.deps.kinds.get(input.kind);
    if (kind.requiresCredential && !input.apiKey) {
      throw new InvalidRequestError(`apiKey: accounts of kind ${input.kind} need a credential.`);
    }
    if (input.baseUrl !== undefined) await this.deps.outboundUrls.check(input.baseUrl, 'baseUrl');
    const id = randomUUID();
    try {
      const record = await this.deps.accounts.insert({
        id,
        name: input.name,
        kind: input.kind,
        baseUrl: input.baseUrl ?? null,
        encryptedCredential: input.apiKey ? this.deps.secretBox.seal(input.apiKey, id) : null,
        maxConcurrency: input.maxConcurrency,
        priority: input.priority,
        weight: input.weight,
        models: input.models,
        settings: input.settings,
      });
      await this.audit('account.create', record, context, { kind: record.kind, baseUrl: record.baseUrl });
      await this.deps.onChange?.();
      return this.view(record);
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new SwitchyardError('invalid_request_error', error.message, { status: 409 });
      throw error;
    }
  }

  async list(): Promise<AccountView[]> {
    return (await this.deps.accounts.list()).map((record) => this.view(record));
  }

  async update(ref: string, raw: AccountPatchInput, context: AuditContext = {}): Promise<AccountView> {
    const patch = parseInput(accountPatchInput, raw);
    if (typeof patch.baseUrl === 'string') await this.deps.outboundUrls.check(patch.baseUrl, 'baseUrl');
    const record = await this.find(ref);
    if (patch.state === 'active') this.refuseKind(record.kind);
    const { apiKey, ...rest } = patch;
    const changes: Parameters<AccountRepository['update']>[1] = { ...rest };
    if (apiKey !== undefined) changes.encryptedCredential = this.deps.secretBox.seal(apiKey, record.id);
    if (patch.state !== undefined || apiKey !== undefined) {
      // A new credential or an admin's decision clears cooldowns and re-auth marks.
      changes.state = patch.state ?? (record.state === 'disabled' ? 'disabled' : 'active');
      changes.stateReason = changes.state === 'disabled' ? 'disabled by an admin' : null;
      changes.cooldownUntil = null;
    }
    const updated = await this.deps.accounts.update(record.id, changes);
    if (!updated) throw new NotFoundError(`No account '${ref}'.`);
    await this.audit('account.update', updated, context, { fields: Object.keys(patch) });
    await this.deps.onChange?.();
    return this.view(updated);
  }

  async remove(ref: string, context: AuditContext = {}): Promise<void> {
    const record = await this.find(ref);
    await this.deps.accounts.remove(record.id);
    await this.audit('account.delete', record, context, {});
    await this.deps.onChange?.();
  }

  async test(ref: string): Promise<AccountTestView> {
    const record = await this.find(ref);
    const { account, unreadable } = upstreamAccountOf(record, this.deps.secretBox);
    if (unreadable) {
      return {
        account: record.name,
        ok: false,
        status: null,
        detail:
          'The stored credential cannot be decrypted: is SWITCHYARD_MASTER_KEY the key it was stored with?',
        latencyMs: 0,
      };
    }
    const upstream = this.deps.kinds.get(record.kind).create(account);
    try {
      const result = await upstream.test(AbortSignal.timeout(20_000));
      if (result.ok && record.state === 'needs_reauth') {
        await this.deps.accounts.update(record.id, {
          state: 'active',
          stateReason: null,
          cooldownUntil: null,
        });
        await this.deps.onChange?.();
      }
      return { account: record.name, ...result };
    } finally {
      await upstream.close();
    }
  }

  private refuseKind(kind: string): void {
    const refusal = this.deps.kindRefusal?.(kind);
    if (refusal !== undefined) throw new SwitchyardError('invalid_request_error', refusal, { status: 409 });
  }

  /** By id or by name. */
  private async find(ref: string): Promise<AccountRecord> {
    const record = /^[0-9a-f-]{36}$/i.test(ref)
      ? await this.deps.accounts.get(ref)
      : await this.deps.accounts.getByName(ref);
    if (!record) throw new NotFoundError(`No account named or with id '${ref}'.`);
    return record;
  }

  private audit(
    action: string,
    record: AccountRecord,
    context: AuditContext,
    details: Record<string, unknown>,
  ) {
    const actor = context.actor ?? this.deps.actor;
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'account',
      targetId: record.id,
      ip: context.ip ?? null,
      details: { name: record.name, ...details },
    });
  }

  view(record: AccountRecord): AccountView {
    return {
      id: record.id,
      name: record.name,
      kind: record.kind,
      simulated: this.deps.kinds.get(record.kind).simulated,
      baseUrl: record.baseUrl,
      hasCredential: record.encryptedCredential !== null,
      maxConcurrency: record.maxConcurrency,
      priority: record.priority,
      weight: record.weight,
      models: record.models,
      state: record.state,
      stateReason: record.stateReason,
      cooldownUntil: record.cooldownUntil?.toISOString() ?? null,
      inFlight: this.deps.inFlight?.(record.id) ?? null,
      createdAt: record.createdAt.toISOString(),
    };
  }
}
