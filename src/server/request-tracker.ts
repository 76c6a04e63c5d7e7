import type { ServerResponse } from 'node:http';

/** Requests received and not yet closed, across both fronts, for graceful shutdown. */
export class RequestTracker {
  inFlight = 0;
  /** Set once shutdown begins: new requests are refused with a 503. */
  closing = false;

  track(res: ServerResponse): void {
    this.inFlight += 1;
    res.once('close', () => {
      this.inFlight -= 1;
    });
  }
}
