import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIPv6, type AddressClass } from '../../src/identity/ip-address.js';

const TABLE: [string, AddressClass][] = [
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['160.79.104.10', 'public'], // api.anthropic.com's range
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.1', 'public'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.255', 'cgnat'],
  ['100.128.0.1', 'public'],
  ['169.254.169.254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['169.254.0.1', 'link_local'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf::1', 'link_local'],
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['fd00:ec2::254', 'metadata'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'], // Teredo
  ['2606:4700:4700::1111', 'public'],
  // IPv4 inside IPv6: judged by the IPv4 address.
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'loopback'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['64:ff9b::8.8.8.8', 'public'],
  ['64:ff9b:1::1', 'private'],
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:0808:0808::1', 'public'],
];

const octet = fc.integer({ min: 0, max: 255 });
const v4 = fc.tuple(octet, octet, octet, octet);
const dotted = ([a, b, c, d]: [number, number, number, number]) => `${a}.${b}.${c}.${d}`;
const hex16 = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);

describe('address classification', () => {
  it.each(TABLE)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('is undefined for text that is not an IP address', () => {
    for (const text of ['localhost', 'example.com', '1.2.3', '1.2.3.4.5', '::g', '', '0x7f000001']) {
      expect(classifyAddress(text)).toBeUndefined();
    }
  });

  it('classifies an IPv4 address and its IPv4-mapped IPv6 forms alike', () => {
    fc.assert(
      fc.property(v4, (bytes) => {
        const [a, b, c, d] = bytes;
        const expected = classifyAddress(dotted(bytes));
        expect(classifyAddress(`::ffff:${dotted(bytes)}`)).toBe(expected);
        expect(classifyAddress(`::ffff:${hex16(a, b)}:${hex16(c, d)}`)).toBe(expected);
        expect(classifyAddress(`0:0:0:0:0:ffff:${hex16(a, b)}:${hex16(c, d)}`)).toBe(expected);
        expect(classifyAddress(`64:ff9b::${dotted(bytes)}`)).toBe(expected);
      }),
    );
  });

  it('classifies every IPv4 literal form the URL parser accepts as the address it names', () => {
    fc.assert(
      fc.property(v4, (bytes) => {
        const [a, b, c, d] = bytes;
        const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
        const expected = classifyAddress(dotted(bytes));
        for (const form of [String(n), `0x${n.toString(16)}`, `0${a.toString(8)}.${b}.${c}.${d}`]) {
          expect(classifyAddress(new URL(`http://${form}/`).hostname)).toBe(expected);
        }
      }),
    );
  });

  it('never calls an address inside a refused range public', () => {
    const inside = fc.oneof(
      v4.map(([, b, c, d]) => `10.${b}.${c}.${d}`),
      v4.map(([, b, c, d]) => `127.${b}.${c}.${d}`),
      v4.map(([, , c, d]) => `169.254.${c}.${d}`),
      v4.map(([, b, c, d]) => `172.${16 + (b % 16)}.${c}.${d}`),
      v4.map(([, b, c, d]) => `100.${64 + (b % 64)}.${c}.${d}`),
      fc.integer({ min: 0, max: 0xffff }).map((n) => `fe80::${n.toString(16)}`),
      fc.integer({ min: 0, max: 0xffff }).map((n) => `fd00::${n.toString(16)}`),
    );
    fc.assert(
      fc.property(inside, (address) => {
        expect(classifyAddress(address)).not.toBe('public');
      }),
    );
  });

  it('parses the compressed and full IPv6 forms to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const full = groups.map((g) => g.toString(16)).join(':');
        const normalized = new URL(`http://[${full}]/`).hostname;
        expect(parseIPv6(normalized)).toEqual(parseIPv6(full));
      }),
    );
  });
});
