import { UpstreamTransportError } from '../errors.js';
import type {
  Upstream,
  UpstreamAccount,
  UpstreamKindDefinition,
  UpstreamModel,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamTestResult,
} from '../types.js';
import { behaviorFromSettings, type Behavior } from './behavior.js';
import { withIdleTimeout } from './idle-timeout.js';
import { MOCK_MODELS } from './models.js';
import { simulate } from './simulator.js';
import { abortedError, MAX_TIMER_MS } from './timing.js';

/**
 * The `mock` account kind: the simulator run in-process, the out-of-the-box demo account. Account
 * settings (`latencyMs`, `ttftMs`, `tokensPerSecond`, `words`, `expectedApiKey`) set its defaults;
 * prompts can carry `[[mock ...]]` directives. With `expectedApiKey`, the account's credential is
 * the key it presents.
 */
class MockUpstream implements Upstream {
  readonly kind = 'mock' as const;
  private readonly behavior: Behavior;

  constructor(private readonly account: UpstreamAccount) {
    this.behavior = behaviorFromSettings(account.settings);
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (request.signal.aborted) throw abortedError();
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    const release = () => request.signal.removeEventListener('abort', onAbort);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.min(request.firstByteTimeoutMs, MAX_TIMER_MS),
    );
    try {
      const response = await simulate({
        operation: request.operation,
        body: request.body,
        stream: request.stream,
        behavior: this.behavior,
        apiKey: this.account.credential ?? undefined,
        signal: controller.signal,
      });
      return {
        ...response,
        body: withIdleTimeout(response.body, request.idleTimeoutMs, controller, release),
      };
    } catch (error) {
      release();
      controller.abort();
      if (timedOut) {
        const message = `The mock upstream sent no headers within ${request.firstByteTimeoutMs} ms.`;
        throw new UpstreamTransportError('first_byte_timeout', message, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async listModels(): Promise<UpstreamModel[]> {
    return MOCK_MODELS.map((model) => ({ ...model }));
  }

  async test(): Promise<UpstreamTestResult> {
    return {
      ok: true,
      status: 200,
      detail: 'Mock upstream: answers are simulated, no model is called.',
      latencyMs: 0,
    };
  }

  async close(): Promise<void> {}
}

export const mockKind: UpstreamKindDefinition = {
  kind: 'mock',
  description:
    'Simulated Claude answers for demos and tests; no credential, no tokens spent. Settings: latencyMs, ttftMs, tokensPerSecond, words, expectedApiKey.',
  requiresCredential: false,
  simulated: true,
  create: (account) => new MockUpstream(account),
};

export type { Behavior } from './behavior.js';
export { DEFAULT_BEHAVIOR } from './behavior.js';
export { MOCK_MODELS } from './models.js';
export { startMockUpstream, type MockUpstreamOptions, type MockUpstreamServer } from './server.js';
