import { describe, expect, it } from 'vitest';
import { InMemoryFailureCounter, LoginThrottle } from './login-throttle.js';

function throttleAt(start = 1_000_000) {
  let now = start;
  const throttle = new LoginThrottle(new InMemoryFailureCounter(() => now), {
    maxFailuresPerAccount: 3,
    maxFailuresPerIp: 5,
    windowMs: 60_000,
  });
  return { throttle, advance: (ms: number) => (now += ms) };
}

describe('LoginThrottle', () => {
  it('blocks an account after N failures until its window ends', async () => {
    const { throttle, advance } = throttleAt();
    for (let i = 0; i < 3; i++) {
      expect(await throttle.blockedForSeconds('ada', `10.0.0.${i}`)).toBe(0);
      await throttle.recordFailure('ada', `10.0.0.${i}`);
    }
    expect(await throttle.blockedForSeconds('ada', '10.0.0.9')).toBe(60);
    advance(30_500);
    expect(await throttle.blockedForSeconds('ada', '10.0.0.9')).toBe(30);
    advance(30_000);
    expect(await throttle.blockedForSeconds('ada', '10.0.0.9')).toBe(0);
    expect(await throttle.blockedForSeconds('bob', '10.0.0.0')).toBe(0);
  });

  it('blocks an IP after M failures across usernames', async () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 5; i++) await throttle.recordFailure(`user-${i}`, '192.0.2.1');
    expect(await throttle.blockedForSeconds('someone-new', '192.0.2.1')).toBe(60);
    expect(await throttle.blockedForSeconds('someone-new', '192.0.2.2')).toBe(0);
  });

  it('clears the account on success, but not the IP', async () => {
    const { throttle } = throttleAt();
    for (let i = 0; i < 2; i++) await throttle.recordFailure('ada', '192.0.2.1');
    await throttle.recordSuccess('ada');
    await throttle.recordFailure('ada', '192.0.2.1');
    await throttle.recordFailure('ada', '192.0.2.1');
    expect(await throttle.blockedForSeconds('ada', '192.0.2.9')).toBe(0);
    await throttle.recordFailure('ada', '192.0.2.1');
    expect(await throttle.blockedForSeconds('ada', '192.0.2.9')).toBeGreaterThan(0);
    expect(await throttle.blockedForSeconds('zed', '192.0.2.1')).toBeGreaterThan(0);
  });
});
