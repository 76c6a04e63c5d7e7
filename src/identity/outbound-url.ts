/**
 * SSRF defence for URLs that admins set and Switchyard later calls (account base URLs; alert
 * webhooks when they exist). A URL passes when it is http(s), carries no credentials, and every
 * address its host resolves to is public, unless the operator allowed more (OUTBOUND_*).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { OutboundConfig } from '../config/hardening.js';
import { InvalidRequestError } from '../errors.js';
import { classifyAddress, type AddressClass } from './ip-address.js';

/** Classes OUTBOUND_ALLOW_PRIVATE opens: where self-hosted proxies and test upstreams live. */
const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'cgnat']);
// Link-local (and so instance metadata), unspecified, multicast and reserved stay closed even
// then: no upstream lives there; only an explicit OUTBOUND_ALLOWED_HOSTS entry opens them.

const LOOKUP_TIMEOUT_MS = 5_000;

export type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

export interface OutboundUrlGuard {
  /** Resolves when `url` may be called; throws InvalidRequestError naming `field` otherwise. */
  check(url: string, field: string): Promise<void>;
  /** Whether a resolved address may be connected to (for connect-time checks against DNS rebinding). */
  addressAllowed(host: string, address: string): boolean;
}

/** Host entries match the URL's host name; IP and CIDR entries match the addresses it resolves to. */
function parseAllowlist(entries: readonly string[]) {
  const names = new Set<string>();
  const ranges = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const bare = address.replace(/^\[|\]$/g, '');
    const family = isIP(bare);
    if (family === 0) names.add(entry.toLowerCase());
    else {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) ranges.addAddress(bare, type);
      else ranges.addSubnet(bare, Number(bits), type);
    }
  }
  return { names, ranges };
}

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

export function createOutboundUrlGuard(
  config: OutboundConfig,
  lookup: Lookup = systemLookup,
): OutboundUrlGuard {
  const allow = parseAllowlist(config.allowedHosts);
  const refusal = (address: string): AddressClass | undefined => {
    const cls = classifyAddress(address) ?? 'reserved';
    if (cls === 'public') return undefined;
    if (allow.ranges.check(address, familyOf(address))) return undefined;
    if (config.allowPrivate && PRIVATE_CLASSES.has(cls)) return undefined;
    return cls;
  };
  const hostAllowed = (hostname: string) => allow.names.has(hostname.toLowerCase());

  return {
    addressAllowed: (host, address) => hostAllowed(host) || refusal(address) === undefined,
    async check(raw, field) {
      const url = URL.canParse(raw) ? new URL(raw) : undefined;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        throw new InvalidRequestError(`${field}: must be an http:// or https:// URL.`);
      if (url.username !== '' || url.password !== '')
        throw new InvalidRequestError(`${field}: must not contain a user name or password.`);
      // The WHATWG parser has already turned 0x7f000001, 2130706433, 0177.1 and friends into
      // dotted quads, as every client that later calls the URL will.
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (hostAllowed(host)) return;
      const addresses = isIP(host) !== 0 ? [host] : await resolve(lookup, host, field);
      for (const address of addresses) {
        const cls = refusal(address);
        if (cls === undefined) continue;
        throw new InvalidRequestError(
          `${field}: ${url.hostname} ${address === host ? 'is' : `resolves to ${address},`} a ` +
            `${cls.replace('_', '-')} address, which outbound requests may not reach. ` +
            'To allow it, list the host in OUTBOUND_ALLOWED_HOSTS' +
            (PRIVATE_CLASSES.has(cls) ? ' or set OUTBOUND_ALLOW_PRIVATE=true.' : '.'),
        );
      }
    },
  };
}

async function resolve(lookup: Lookup, host: string, field: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), LOOKUP_TIMEOUT_MS);
  });
  try {
    const addresses = await Promise.race([lookup(host), timeout]);
    if (addresses.length === 0) throw new Error('no addresses');
    return addresses;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InvalidRequestError(`${field}: the host ${host} cannot be resolved (${reason}).`);
  } finally {
    clearTimeout(timer);
  }
}
