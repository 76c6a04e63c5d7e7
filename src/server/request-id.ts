import { randomUUID } from 'node:crypto';

/** `req_` and 32 hex digits, like Anthropic's request ids in shape. */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}
