import { describe, expect, it } from 'vitest';
import { originAllowed, webSocketOriginAllowed } from '../../src/server/hardening/origin.js';

const LISTED = new Set(['https://app.example.com']);

describe('WebSocket Origin check', () => {
  it.each([
    [{ host: 'gw.example.com', origin: 'https://gw.example.com' }, true],
    [{ host: 'gw.example.com:8443', origin: 'https://gw.example.com:8443' }, true],
    [{ host: 'GW.example.com', origin: 'https://gw.example.com' }, true],
    [{ host: 'gw.example.com', origin: 'https://app.example.com' }, true],
    [{ host: 'gw.example.com', origin: 'https://evil.example' }, false],
    [{ host: 'gw.example.com', origin: 'https://gw.example.com.evil.example' }, false],
    [{ host: 'gw.example.com', origin: 'https://gw.example.com:444' }, false],
    [{ host: 'gw.example.com', origin: 'https://app.example.com.evil.example' }, false],
    [{ host: 'gw.example.com', origin: 'null' }, false],
    [{ host: 'gw.example.com', origin: 'file://gw.example.com' }, false],
    [{ host: 'gw.example.com' }, false],
    [{ origin: 'https://gw.example.com' }, false],
  ])('%o → %s', (headers, expected) => {
    expect(webSocketOriginAllowed(headers, LISTED)).toBe(expected);
  });

  it('trusts nothing with an empty allowlist and no Host', () => {
    expect(originAllowed('https://app.example.com', undefined, new Set())).toBe(false);
    expect(originAllowed('not a url', 'gw.example.com', new Set())).toBe(false);
  });
});
