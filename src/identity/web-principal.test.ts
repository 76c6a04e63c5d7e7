import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webPrincipalKeyId, webPrincipalOf } from './web-principal.js';

describe('the web chat principal', () => {
  it('has a stable UUID key id per user, different between users', () => {
    const a = randomUUID();
    const b = randomUUID();
    expect(webPrincipalKeyId(a)).toBe(webPrincipalKeyId(a));
    expect(webPrincipalKeyId(a)).not.toBe(webPrincipalKeyId(b));
    expect(webPrincipalKeyId(a)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("carries the user's limits and models, and none of its own", () => {
    const user = { id: randomUUID(), limits: { requestsPerMinute: 3 }, allowedModels: ['claude-haiku-4-5'] };
    const principal = webPrincipalOf(user);
    expect(principal.userId).toBe(user.id);
    expect(principal.access.userLimits).toEqual({ requestsPerMinute: 3 });
    expect(principal.access.userModels).toEqual(['claude-haiku-4-5']);
    expect(principal.access.keyLimits).toEqual({});
    expect(principal.access.keyModels).toBeNull();
  });
});
