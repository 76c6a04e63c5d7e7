import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('gives req_ and 32 hex digits, never the same twice across many refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const id = newRequestId();
      expect(id).toMatch(/^req_[0-9a-f]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5_000);
  });
});
