import type { ServerResponse } from 'node:http';
import type { ResponseSink } from '../gateway/call.js';

/** The pipeline's view of a Node response. */
export class HttpResponseSink implements ResponseSink {
  headersSent = false;
  closed = false;
  private finished = false;
  private listeners: Array<() => void> | undefined;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => {
      if (this.finished) return;
      this.closed = true;
      if (this.listeners) for (const listener of this.listeners) listener();
    });
  }

  start(status: number, headers: Record<string, string>): void {
    this.res.writeHead(status, headers);
    this.headersSent = true;
  }

  write(chunk: Buffer | string): Promise<void> | undefined {
    if (this.closed || this.finished) return undefined;
    if (this.res.write(chunk)) return undefined;
    const res = this.res;
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  end(chunk?: Buffer | string): void {
    if (this.closed || this.finished) return;
    this.finished = true;
    if (chunk === undefined) this.res.end();
    else this.res.end(chunk);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else (this.listeners ??= []).push(listener);
  }
}
