import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { UpstreamTransportError } from '../errors.js';
import { ResponseChannel } from './response-channel.js';

function fakeController() {
  const state = { paused: false, aborted: false, reason: null as Error | null };
  const controller: Dispatcher.DispatchController = {
    get aborted() {
      return state.aborted;
    },
    get paused() {
      return state.paused;
    },
    get reason() {
      return state.reason;
    },
    abort(reason) {
      state.aborted = true;
      state.reason = reason;
    },
    pause() {
      state.paused = true;
    },
    resume() {
      state.paused = false;
    },
  };
  return { controller, state };
}

const mapError = (error: unknown) => new UpstreamTransportError('reset', String(error));

describe('ResponseChannel', () => {
  it('hands over the head, then every chunk in order, then the end, and settles once', async () => {
    let settled = 0;
    const channel = new ResponseChannel(mapError, () => settled++);
    const { controller } = fakeController();
    channel.onRequestStart(controller);
    channel.onResponseStart(controller, 100, {});
    channel.onResponseStart(controller, 200, { 'content-type': 'text/event-stream' });
    expect((await channel.head).statusCode).toBe(200);
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of channel) received.push(chunk.toString());
    })();
    channel.onResponseData(controller, Buffer.from('a'));
    channel.onResponseData(controller, Buffer.from('b'));
    channel.onResponseEnd();
    await reading;
    expect(received).toEqual(['a', 'b']);
    expect(settled).toBe(1);
  });

  it('pauses the socket when the reader falls behind and resumes when it catches up', async () => {
    const channel = new ResponseChannel(mapError);
    const { controller, state } = fakeController();
    channel.onRequestStart(controller);
    channel.onResponseStart(controller, 200, {});
    for (let i = 0; i < 20; i++) channel.onResponseData(controller, Buffer.from(String(i)));
    expect(state.paused).toBe(true);
    const iterator = channel[Symbol.asyncIterator]();
    for (let i = 0; i < 16; i++) await iterator.next();
    expect(state.paused).toBe(false);
  });

  it('fails the head before headers, and the body after them, with a transport error', async () => {
    const early = new ResponseChannel(mapError);
    early.onResponseError(fakeController().controller, new Error('refused'));
    await expect(early.head).rejects.toBeInstanceOf(UpstreamTransportError);

    const late = new ResponseChannel(mapError);
    const { controller } = fakeController();
    late.onResponseStart(controller, 200, {});
    const iterator = late[Symbol.asyncIterator]();
    const pending = iterator.next();
    late.onResponseError(controller, new Error('reset'));
    await expect(pending).rejects.toBeInstanceOf(UpstreamTransportError);
  });

  it('aborts the exchange when the reader gives up early', async () => {
    const channel = new ResponseChannel(mapError);
    const { controller, state } = fakeController();
    channel.onRequestStart(controller);
    channel.onResponseStart(controller, 200, {});
    await channel[Symbol.asyncIterator]().return?.();
    expect(state.aborted).toBe(true);
  });
});
