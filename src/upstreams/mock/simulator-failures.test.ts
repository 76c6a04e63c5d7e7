import { describe, expect, it } from 'vitest';
import { UpstreamTransportError } from '../errors.js';
import { DEFAULT_BEHAVIOR, type Behavior } from './behavior.js';
import { simulate } from './simulator.js';

const streamBody = (text: string) =>
  Buffer.from(
    JSON.stringify({
      model: 'm',
      max_tokens: 1000,
      stream: true,
      messages: [{ role: 'user', content: text }],
    }),
  );

function run(text: string, signal = new AbortController().signal, behavior: Partial<Behavior> = {}) {
  return simulate({
    operation: 'messages',
    body: streamBody(text),
    behavior: { ...DEFAULT_BEHAVIOR, ...behavior },
    signal,
  });
}

/** Reads the body, returning what arrived and the error that ended it, if any. */
async function drain(body: AsyncIterable<Buffer>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of body) text += chunk.toString('utf8');
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

const count = (text: string, event: string) => text.split(`event: ${event}\n`).length - 1;
const failure = (error: unknown) => (error instanceof UpstreamTransportError ? error.failure : error);
const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('simulate: scripted failures and timing', () => {
  it('disconnect-after sends N deltas, then throws reset', async () => {
    const { text, error } = await drain((await run('[[mock disconnect-after=3]]')).body);
    expect(count(text, 'content_block_delta')).toBe(3);
    expect(count(text, 'message_stop')).toBe(0);
    expect(failure(error)).toBe('reset');
  });

  it('error-event-after sends N deltas, then an error event, and ends', async () => {
    const { text, error } = await drain(
      (await run('[[mock error-event-after=2 error-type=api_error]]')).body,
    );
    expect(error).toBeUndefined();
    expect(count(text, 'content_block_delta')).toBe(2);
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(count(text, 'message_stop')).toBe(0);
  });

  it('stall-after sends N deltas, then stays silent until aborted', async () => {
    const controller = new AbortController();
    const iterator = (await run('[[mock stall-after=1]]', controller.signal)).body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(count(first.value?.toString() ?? '', 'content_block_delta')).toBe(1);
    const next = iterator.next();
    const raced = await Promise.race([
      next.then(() => 'moved'),
      new Promise((r) => setTimeout(() => r('silent'), 50)),
    ]);
    expect(raced).toBe('silent');
    controller.abort();
    await expect(next).rejects.toMatchObject({ failure: 'aborted' });
  });

  it('hang never answers until aborted', async () => {
    const controller = new AbortController();
    const pending = run('[[mock hang]]', controller.signal);
    const raced = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('hung'), 50)),
    ]);
    expect(raced).toBe('hung');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'aborted' });
  });

  it('a non-streaming disconnect drops the request before headers', async () => {
    const body = Buffer.from(
      JSON.stringify({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: '[[mock disconnect-after=1]]' }],
      }),
    );
    const pending = simulate({
      operation: 'messages',
      body,
      behavior: DEFAULT_BEHAVIOR,
      signal: new AbortController().signal,
    });
    await expect(pending).rejects.toMatchObject({ failure: 'reset' });
  });

  it('delays headers by latency and deltas by ttft and tps', async () => {
    const started = Date.now();
    const response = await run('[[mock latency=60 ttft=40 tps=100 words=5]]');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const afterHeaders = Date.now();
    const { text } = await drain(response.body);
    expect(count(text, 'content_block_delta')).toBe(5);
    // ttft 40 ms + 5 × 10 ms
    expect(Date.now() - afterHeaders).toBeGreaterThanOrEqual(80);
  });

  it('abort stops a paced stream promptly and leaves no timer behind', async () => {
    const before = timeouts();
    const controller = new AbortController();
    const iterator = (await run('[[mock tps=1 words=50]]', controller.signal)).body[Symbol.asyncIterator]();
    await iterator.next(); // message_start, content_block_start, ping
    const next = iterator.next();
    await new Promise((r) => setTimeout(r, 20));
    expect(timeouts()).toBe(before + 1);
    const started = Date.now();
    controller.abort();
    await expect(next).rejects.toMatchObject({ failure: 'aborted' });
    expect(Date.now() - started).toBeLessThan(100);
    expect(timeouts()).toBe(before);
    await expect(iterator.next()).resolves.toMatchObject({ done: true });
  });

  it('an already aborted signal fails at once', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run('hi', controller.signal)).rejects.toBeInstanceOf(UpstreamTransportError);
  });
});
