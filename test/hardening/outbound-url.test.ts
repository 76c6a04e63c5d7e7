import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/errors.js';
import { createOutboundUrlGuard, type Lookup } from '../../src/identity/outbound-url.js';

/** A resolver that knows a few names, so no test depends on real DNS. */
const DNS: Record<string, string[]> = {
  'api.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'rebind.example.com': ['93.184.215.14', '10.0.0.7'],
  'metadata.example.com': ['169.254.169.254'],
  'proxy.internal': ['10.1.2.3'],
  localhost: ['127.0.0.1', '::1'],
};
const lookup: Lookup = async (host) => {
  const found = DNS[host];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found;
};

const strict = createOutboundUrlGuard({ allowPrivate: false, allowedHosts: [] }, lookup);

async function refusal(guard: typeof strict, url: string): Promise<string | undefined> {
  try {
    await guard.check(url, 'baseUrl');
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as Error).message;
  }
}

describe('outbound URL guard', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[::ffff:169.254.169.254]/',
    'http://0xa9fea9fe/',
    'http://2852039166/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://127.0.0.1:8080/',
    'http://[::1]/',
    'http://[::]/',
    'http://0.0.0.0/',
    'http://10.0.0.1/',
    'http://192.168.0.10/',
    'http://100.100.100.200/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://224.0.0.1/',
    'http://localhost:3000/',
    'http://metadata.example.com/',
    'http://rebind.example.com/',
  ])('refuses %s', async (url) => {
    expect(await refusal(strict, url)).toMatch(/^baseUrl: .* address, which outbound requests may not reach/);
  });

  it('accepts public hosts and addresses', async () => {
    expect(await refusal(strict, 'https://api.example.com/v1')).toBeUndefined();
    expect(await refusal(strict, 'https://8.8.8.8/')).toBeUndefined();
    expect(await refusal(strict, 'https://[2606:4700:4700::1111]/')).toBeUndefined();
  });

  it('names the address a host resolved to, and the way to allow it', async () => {
    expect(await refusal(strict, 'http://rebind.example.com/')).toBe(
      'baseUrl: rebind.example.com resolves to 10.0.0.7, a private address, which outbound requests may ' +
        'not reach. To allow it, list the host in OUTBOUND_ALLOWED_HOSTS or set OUTBOUND_ALLOW_PRIVATE=true.',
    );
    expect(await refusal(strict, 'http://169.254.169.254/')).toMatch(
      /is a metadata address.*OUTBOUND_ALLOWED_HOSTS\.$/,
    );
  });

  it('refuses other schemes, credentials in the URL, and hosts that do not resolve', async () => {
    expect(await refusal(strict, 'file:///etc/passwd')).toMatch(/must be an http:\/\/ or https:\/\/ URL/);
    expect(await refusal(strict, 'gopher://api.example.com/')).toMatch(/must be an http/);
    expect(await refusal(strict, 'not a url')).toMatch(/must be an http/);
    expect(await refusal(strict, 'https://user:pw@api.example.com/')).toMatch(/user name or password/);
    expect(await refusal(strict, 'https://nowhere.example.com/')).toMatch(/cannot be resolved \(ENOTFOUND\)/);
  });

  it('OUTBOUND_ALLOW_PRIVATE opens loopback, private and CGNAT, but never metadata or link-local', async () => {
    const guard = createOutboundUrlGuard({ allowPrivate: true, allowedHosts: [] }, lookup);
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://localhost/',
      'http://10.0.0.1/',
      'http://100.64.0.1/',
    ]) {
      expect(await refusal(guard, url)).toBeUndefined();
    }
    for (const url of [
      'http://169.254.169.254/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://169.254.1.1/',
      'http://0.0.0.0/',
      'http://[fd00:ec2::254]/',
      'http://metadata.example.com/',
    ]) {
      expect(await refusal(guard, url)).toBeDefined();
    }
  });

  it('OUTBOUND_ALLOWED_HOSTS opens exactly the names, addresses and ranges listed', async () => {
    const guard = createOutboundUrlGuard(
      { allowPrivate: false, allowedHosts: ['proxy.internal', '192.168.7.0/24', '::1'] },
      lookup,
    );
    expect(await refusal(guard, 'http://PROXY.internal:8080/')).toBeUndefined();
    expect(await refusal(guard, 'http://192.168.7.200/')).toBeUndefined();
    expect(await refusal(guard, 'http://[::1]:9000/')).toBeUndefined();
    expect(await refusal(guard, 'http://192.168.8.1/')).toBeDefined();
    expect(await refusal(guard, 'http://127.0.0.1/')).toBeDefined();
    expect(await refusal(guard, 'http://169.254.169.254/')).toBeDefined();
  });

  it('answers connect-time questions the same way', () => {
    expect(strict.addressAllowed('api.example.com', '93.184.215.14')).toBe(true);
    expect(strict.addressAllowed('rebind.example.com', '10.0.0.7')).toBe(false);
    expect(strict.addressAllowed('rebind.example.com', '::ffff:169.254.169.254')).toBe(false);
    const named = createOutboundUrlGuard({ allowPrivate: false, allowedHosts: ['proxy.internal'] }, lookup);
    expect(named.addressAllowed('proxy.internal', '10.1.2.3')).toBe(true);
  });
});
