import type { MessagesCall, Principal } from '../call.js';
import { withModel } from './body-model.js';
import type { Catalogue } from './catalogue.js';

/**
 * Resolves the call's model to its canonical id, rewriting the body's model field when that
 * changes it. Returns the name the client asked for when it changed, else undefined. A name that
 * is already canonical costs one map lookup: this runs on every request.
 */
export function resolveCallModel(call: MessagesCall, catalogue: Catalogue): string | undefined {
  const asked = call.request.model;
  const id = catalogue.resolve(asked);
  if (id === asked) return undefined;
  // The call is this request's own object, built by the route; the upstream must see the id.
  call.request.model = id;
  call.body = withModel(call.body, id);
  return asked;
}

/** Whether the key may be served by this model (the per-key model lists plug in here). */
export type FallbackAllowed = (principal: Principal, model: string) => boolean;

/**
 * The models one call may be served by: the requested one, then its fallback chain. Used only
 * when the key opted in and the model has a chain; bodies for other models are made on demand.
 */
export class FallbackChain {
  private readonly bodies = new Map<string, Buffer>();

  private constructor(
    private readonly call: MessagesCall,
    readonly models: readonly string[],
  ) {}

  /** Undefined when no fallback applies: the key did not opt in, or the model has no chain. */
  static of(call: MessagesCall, catalogue: Catalogue, allowed?: FallbackAllowed): FallbackChain | undefined {
    if (!call.principal.access.modelFallback) return undefined;
    const requested = call.request.model;
    let fallbacks = catalogue.fallbacksOf(requested);
    if (allowed) fallbacks = fallbacks.filter((model) => allowed(call.principal, model));
    return fallbacks.length === 0 ? undefined : new FallbackChain(call, [requested, ...fallbacks]);
  }

  /**
   * The first model some account can serve now. When none can, the requested one: the scheduler
   * then waits for its cooldown or answers 429 as it would without a chain.
   */
  pick(ready: (model: string) => boolean): string {
    return this.models.find(ready) ?? this.call.request.model;
  }

  bodyFor(model: string): Buffer {
    if (model === this.call.request.model) return this.call.body;
    let body = this.bodies.get(model);
    if (body === undefined) {
      body = withModel(this.call.body, model);
      this.bodies.set(model, body);
    }
    return body;
  }
}
