import type { FastifyReply } from 'fastify';
import type { ResponseSink } from '../gateway/call.js';

/** The pipeline's view of a Fastify reply. Starting the response takes it over from Fastify. */
export class ReplySink implements ResponseSink {
  headersSent = false;
  closed = false;
  private finished = false;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly reply: FastifyReply) {
    reply.raw.once('close', () => {
      if (this.finished) return;
      this.closed = true;
      for (const listener of this.listeners) listener();
    });
  }

  start(status: number, headers: Record<string, string>): void {
    this.reply.hijack();
    this.reply.raw.writeHead(status, headers);
    this.headersSent = true;
  }

  write(chunk: Buffer | string): Promise<void> | undefined {
    if (this.closed || this.finished) return undefined;
    if (this.reply.raw.write(chunk)) return undefined;
    const raw = this.reply.raw;
    return new Promise((resolve) => {
      const done = () => {
        raw.off('drain', done);
        raw.off('close', done);
        resolve();
      };
      raw.on('drain', done);
      raw.on('close', done);
    });
  }

  end(chunk?: Buffer | string): void {
    if (this.closed || this.finished) return;
    this.finished = true;
    if (chunk === undefined) this.reply.raw.end();
    else this.reply.raw.end(chunk);
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.listeners.push(listener);
  }
}
