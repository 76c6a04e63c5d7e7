/**
 * Rebuilds a whole Messages response from the raw stream events the CLI relays, the way the API
 * itself would have answered a non-streaming request (and the answer a client sends back as the
 * assistant turn of its next request).
 */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

export class MessageBuilder {
  private message: Json | undefined;
  private readonly blocks: Json[] = [];
  private readonly partialJson = new Map<number, string>();

  get started(): boolean {
    return this.message !== undefined;
  }

  apply(event: Json): void {
    const index = typeof event['index'] === 'number' ? event['index'] : -1;
    switch (event['type']) {
      case 'message_start':
        if (isObject(event['message'])) this.message = { ...event['message'] };
        return;
      case 'content_block_start':
        if (index >= 0 && isObject(event['content_block']))
          this.blocks[index] = { ...event['content_block'] };
        return;
      case 'content_block_delta':
        if (index >= 0 && isObject(event['delta'])) this.applyDelta(index, event['delta']);
        return;
      case 'content_block_stop': {
        const json = this.partialJson.get(index);
        const block = this.blocks[index];
        if (json !== undefined && block) {
          try {
            block['input'] = JSON.parse(json === '' ? '{}' : json);
          } catch {
            block['input'] = {};
          }
          this.partialJson.delete(index);
        }
        return;
      }
      case 'message_delta': {
        if (!this.message) return;
        if (isObject(event['delta'])) Object.assign(this.message, event['delta']);
        if (isObject(event['usage'])) {
          const before = isObject(this.message['usage']) ? this.message['usage'] : {};
          this.message['usage'] = { ...before, ...event['usage'] };
        }
        return;
      }
    }
  }

  private applyDelta(index: number, delta: Json): void {
    const block = this.blocks[index];
    if (!block) return;
    const append = (field: string, value: unknown) => {
      if (typeof value === 'string') block[field] = String(block[field] ?? '') + value;
    };
    switch (delta['type']) {
      case 'text_delta':
        return append('text', delta['text']);
      case 'thinking_delta':
        return append('thinking', delta['thinking']);
      case 'signature_delta':
        block['signature'] = delta['signature'];
        return;
      case 'input_json_delta':
        this.partialJson.set(
          index,
          (this.partialJson.get(index) ?? '') + String(delta['partial_json'] ?? ''),
        );
        return;
      case 'citations_delta': {
        const citations = Array.isArray(block['citations']) ? block['citations'] : [];
        citations.push(delta['citation']);
        block['citations'] = citations;
        return;
      }
    }
  }

  content(): Json[] {
    return this.blocks.filter((b): b is Json => b !== undefined);
  }

  /** The whole message: message_start's fields, the content built up, message_delta's stop and usage. */
  build(): Json {
    return { ...(this.message ?? {}), content: this.content() };
  }
}
