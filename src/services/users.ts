import { randomUUID } from 'node:crypto';
import { NotFoundError, PermissionError, SwitchyardError } from '../errors.js';
import { generatePassword, hashPassword } from '../identity/passwords.js';
import type {
  AuditRepository,
  RefreshTokenRepository,
  NewUser,
  UserRecord,
  UserRepository,
} from '../store/types.js';
import { StoreConflictError } from '../store/types.js';
import type { ApiKeysService } from './api-keys.js';
import type { AuditContext } from './audit-context.js';
import {
  newUserInput,
  refuseProtectedFields,
  registerInput,
  rolePatchInput,
  type NewUserInput,
  type UserView,
} from './auth-types.js';
import { userLimitsInput, type UserLimitsInput } from './admin-types.js';
import { parseInput } from './parse-input.js';

export interface UsersServiceDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  audit: AuditRepository;
  apiKeys: ApiKeysService;
  /** Read at each registration: the setting can change while the server runs. */
  registrationOpen: () => boolean;
}

/** People: self-registration and the admin's user management. */
export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  /** Open registration makes members only; whatever else the body says is refused. */
  async register(raw: unknown, context: AuditContext): Promise<UserView> {
    if (!this.deps.registrationOpen()) {
      throw new PermissionError('Registration is closed; ask an admin for an account.');
    }
    refuseProtectedFields(raw);
    const input = parseInput(registerInput, raw);
    const user = await this.insert({
      username: input.username,
      passwordHash: await hashPassword(input.password),
      role: 'member',
      mustChangePassword: false,
    });
    await this.audit(
      'user.register',
      user,
      { actor: { type: 'user', id: user.id }, ip: context.ip },
      {
        username: user.username,
        role: user.role,
      },
    );
    return userView(user);
  }

  async list(): Promise<UserView[]> {
    return (await this.deps.users.list()).map(userView);
  }

  /** An admin creates a user with a role; without a password, a one-time one is returned once. */
  async create(raw: NewUserInput, context: AuditContext): Promise<{ user: UserView; password?: string }> {
    const input = parseInput(newUserInput, raw);
    const generated = input.password === undefined ? generatePassword() : undefined;
    const user = await this.insert({
      username: input.username,
      passwordHash: await hashPassword(input.password ?? generated ?? ''),
      role: input.role,
      mustChangePassword: input.mustChangePassword,
    });
    await this.audit('user.create', user, context, { username: user.username, role: user.role });
    return generated === undefined ? { user: userView(user) } : { user: userView(user), password: generated };
  }

  async changeRole(id: string, raw: unknown, context: AuditContext): Promise<UserView> {
    const { role } = parseInput(rolePatchInput, raw);
    const user = await this.find(id);
    if (context.actor?.type === 'user' && context.actor.id === user.id) {
      throw new PermissionError('You cannot change your own role.');
    }
    if (user.role === role) return userView(user);
    if (user.role === 'admin' && user.disabledAt === null) await this.keepAnAdmin();
    const updated = await this.deps.users.update(user.id, { role });
    if (!updated) throw new NotFoundError(`No user with id '${id}'.`);
    await this.audit('user.role_change', updated, context, { from: user.role, to: role });
    return userView(updated);
  }

  /** The ceiling of every key the user owns; their keys' cached copies are dropped at once. */
  async setLimits(id: string, raw: UserLimitsInput, context: AuditContext): Promise<UserView> {
    const input = parseInput(userLimitsInput, raw);
    const user = await this.find(id);
    const updated = await this.deps.users.update(user.id, {
      ...(input.limits !== undefined ? { limits: input.limits } : {}),
      ...(input.models !== undefined ? { allowedModels: input.models } : {}),
    });
    if (!updated) throw new NotFoundError(`No user with id '${id}'.`);
    await this.deps.apiKeys.ownerChanged(user.id);
    await this.audit('user.limits_change', updated, context, {
      from: { limits: user.limits, models: user.allowedModels },
      to: { limits: updated.limits, models: updated.allowedModels },
    });
    return userView(updated);
  }

  /** Disabling ends the user's sessions and revokes their API keys at once. */
  async disable(id: string, context: AuditContext): Promise<UserView> {
    const user = await this.find(id);
    if (context.actor?.type === 'user' && context.actor.id === user.id) {
      throw new PermissionError('You cannot disable yourself.');
    }
    if (user.disabledAt !== null) {
      throw new SwitchyardError('invalid_request_error', 'The user is already disabled.', { status: 409 });
    }
    if (user.role === 'admin') await this.keepAnAdmin();
    const now = new Date();
    const updated = await this.deps.users.update(user.id, { disabledAt: now });
    if (!updated) throw new NotFoundError(`No user with id '${id}'.`);
    const sessionsRevoked = await this.deps.refreshTokens.revokeUser(user.id, now);
    const keysRevoked = await this.deps.apiKeys.revokeAllOf(user.id, context);
    await this.audit('user.disable', updated, context, { sessionsRevoked, keysRevoked });
    return userView(updated);
  }

  private async keepAnAdmin(): Promise<void> {
    if ((await this.deps.users.countActiveAdmins()) <= 1) {
      throw new SwitchyardError(
        'invalid_request_error',
        'This is the last active admin; make another first.',
        {
          status: 409,
        },
      );
    }
  }

  private async find(id: string): Promise<UserRecord> {
    const user = await this.deps.users.get(id);
    if (!user) throw new NotFoundError(`No user with id '${id}'.`);
    return user;
  }

  private async insert(user: Omit<NewUser, 'id'>): Promise<UserRecord> {
    try {
      return await this.deps.users.insert({ id: randomUUID(), ...user });
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new SwitchyardError('invalid_request_error', 'username: that name is taken.', { status: 409 });
      throw error;
    }
  }

  private audit(action: string, user: UserRecord, context: AuditContext, details: Record<string, unknown>) {
    const actor = context.actor ?? { type: 'system', id: null };
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'user',
      targetId: user.id,
      ip: context.ip ?? null,
      details,
    });
  }
}

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
    createdAt: user.createdAt.toISOString(),
    disabledAt: user.disabledAt?.toISOString() ?? null,
    limits: user.limits,
    models: user.allowedModels,
  };
}
