/**
 * A response body fed by events: chunks pushed by the producer, read once as an async iterable.
 * The producer never waits (a CLI process cannot be paused mid-turn); a slow reader only makes the
 * queue longer, bounded by the size of one answer.
 */
export class ChunkQueue implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  push(chunk: Buffer): void {
    if (this.done) return;
    this.chunks.push(chunk);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  fail(error: Error): void {
    if (this.done) return;
    this.error = error;
    this.done = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      if (this.chunks.length > 0) {
        // Whatever has arrived goes out as one chunk: fewer writes to the client.
        const out = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
        this.chunks.length = 0;
        yield out;
        continue;
      }
      if (this.error) throw this.error;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** A body of one chunk. */
export async function* singleChunk(chunk: Buffer): AsyncIterable<Buffer> {
  yield chunk;
}
