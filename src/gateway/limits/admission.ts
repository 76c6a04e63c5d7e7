import { PermissionError, SwitchyardError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { UNRESTRICTED, type MessagesCall, type Principal } from '../call.js';
import { limitError, rateLimitHeaders } from './limit-messages.js';
import { planChecks } from './limit-plan.js';
import type { LimitCheck, LimitScope, LimitStore, TakeRequest, TakeVerdict } from './limit-store.js';

/** A key's or a user's spend since a time, from the ledger: what budgets start from. */
export type SpendReader = (scope: LimitScope, since: Date) => Promise<{ usd: number; tokens: number }>;

export interface AdmissionDeps {
  store: LimitStore;
  spend: SpendReader;
  /** Alias → canonical model id (the model catalogue); identity when there is none. */
  resolveModel: (name: string) => string;
  /** Requests per minute per client address on the model routes; 0: no limit. */
  ipRequestsPerMinute: number;
  logger: Logger;
}

/** What an admitted request holds until it is over. */
export interface Ticket {
  /** anthropic-ratelimit-* headers for the response, when the key has limits. */
  readonly headers: Record<string, string> | undefined;
  /** Charges what the request used and gives back its concurrency leases. Call exactly once. */
  settle(tokens: number, usd: number): void;
}

const FREE: Ticket = { headers: undefined, settle: () => undefined };
/** A lease outlives its request's deadline by this much before another process may reclaim it. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Decides before anything is sent upstream whether a request may go: the models its key and its
 * owner may use, then every rate limit, concurrency limit and budget of the key, its owner and its
 * client address, in one atomic step of the limit store. Requests without any limit pass for free.
 */
export class Admission {
  private leaseSequence = 0;
  private readonly leasePrefix = `${process.pid}-${Date.now().toString(36)}-`;

  constructor(private readonly deps: AdmissionDeps) {}

  admit(call: MessagesCall): Ticket | Promise<Ticket> {
    const { principal } = call;
    const { access } = principal;
    if (access !== UNRESTRICTED) this.checkModel(principal, call.request.model);
    // Counting tokens is free upstream and not a model call: only model access applies.
    if (call.operation !== 'messages') return FREE;
    if (access === UNRESTRICTED && this.deps.ipRequestsPerMinute === 0) return FREE;
    const now = Date.now();
    const checks = planChecks(
      principal.apiKeyId,
      principal.userId,
      access,
      call.clientIp,
      this.deps.ipRequestsPerMinute,
      now,
    );
    if (checks.length === 0) return FREE;
    const leaseId = this.leasePrefix + (this.leaseSequence++).toString(36);
    const request: TakeRequest = { checks, leaseId, leaseUntil: call.deadline + LEASE_MARGIN_MS, now };
    const verdict = this.take(request);
    return verdict instanceof Promise
      ? verdict.then((v) => this.decide(v, request, 0))
      : this.decide(verdict, request, 0);
  }

  /** Whether the key (and its owner) may use the model; what /v1/models lists. */
  allowsModel(principal: Principal, model: string): boolean {
    const { keyModels, userModels } = principal.access;
    if (keyModels === null && userModels === null) return true;
    return this.listAllows(keyModels, model) && this.listAllows(userModels, model);
  }

  private listAllows(list: readonly string[] | null, model: string): boolean {
    if (list === null) return true;
    const wanted = this.deps.resolveModel(model);
    return list.some((m) => m === model || this.deps.resolveModel(m) === wanted);
  }

  private checkModel(principal: Principal, model: string): void {
    if (this.allowsModel(principal, model)) return;
    const { keyModels, userModels } = principal.access;
    const shown = [keyModels, userModels].find((list) => !this.listAllows(list, model)) ?? [];
    throw new PermissionError(
      `This API key may not use the model '${model}'. Models it may use: ${shown.join(', ') || 'none'}.`,
    );
  }

  private take(request: TakeRequest): TakeVerdict | Promise<TakeVerdict> {
    try {
      const verdict = this.deps.store.take(request);
      return verdict instanceof Promise
        ? verdict.catch((error: unknown) => this.unavailable(error))
        : verdict;
    } catch (error) {
      return this.unavailable(error);
    }
  }

  private decide(verdict: TakeVerdict, request: TakeRequest, round: number): Ticket | Promise<Ticket> {
    if (verdict.ok) return this.ticket(request.checks, request.leaseId, verdict.remaining, request.now);
    if ('failed' in verdict) {
      const check = request.checks[verdict.failed] as LimitCheck;
      throw limitError(check, verdict.retryAfterMs, request.now);
    }
    if (round > 0) {
      throw new SwitchyardError('api_error', 'Budget counters could not be read; retry shortly.', {
        status: 503,
        retryAfterSeconds: 1,
      });
    }
    return this.seedAndRetake(verdict.unseeded, request);
  }

  private async seedAndRetake(unseeded: number[], request: TakeRequest): Promise<Ticket> {
    try {
      await Promise.all(unseeded.map((i) => this.seed(request.checks[i] as LimitCheck)));
    } catch (error) {
      this.unavailable(error);
    }
    const next = this.take(request);
    return this.decide(next instanceof Promise ? await next : next, request, 1);
  }

  private async seed(check: LimitCheck): Promise<void> {
    if (check.kind !== 'budget') return;
    const spent = await this.deps.spend(check.scope, new Date(check.since));
    await this.deps.store.seed(check, check.unit === 'usd' ? spent.usd : spent.tokens);
  }

  private ticket(checks: readonly LimitCheck[], leaseId: string, remaining: number[], now: number): Ticket {
    let settled = false;
    return {
      headers: rateLimitHeaders(checks, remaining, now),
      settle: (tokens, usd) => {
        if (settled) return;
        settled = true;
        try {
          const done = this.deps.store.settle({ checks, leaseId, tokens, usd, now: Date.now() });
          if (done instanceof Promise) done.catch((error: unknown) => this.settleFailed(error));
        } catch (error) {
          this.settleFailed(error);
        }
      },
    };
  }

  private settleFailed(error: unknown): void {
    this.deps.logger.warn({ err: error }, 'could not settle request limits (leases expire on their own)');
  }

  /** Limits that cannot be checked are not waived: the caller is told to retry shortly. */
  private unavailable(error: unknown): never {
    this.deps.logger.warn({ err: error }, 'limit store unavailable');
    throw new SwitchyardError('api_error', 'Rate limits cannot be checked right now; retry shortly.', {
      status: 503,
      retryAfterSeconds: 2,
    });
  }
}
