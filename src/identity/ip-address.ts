/**
 * What kind of network an IP address belongs to, for refusing outbound URLs that point inside.
 * Pure: no DNS. Addresses are classified on their bytes, so every textual disguise of one address
 * (IPv4-mapped or NAT64 IPv6, 6to4, decimal/octal/hex IPv4 once a URL parser has normalized it)
 * lands in the same class.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  /** RFC 1918, IPv6 unique-local (fc00::/7), deprecated site-local, local-use NAT64. */
  | 'private'
  /** 100.64.0.0/10, carrier-grade NAT (also where some clouds put their metadata service). */
  | 'cgnat'
  | 'link_local'
  /** Cloud instance metadata services: 169.254.169.254, fd00:ec2::254, 100.100.100.200. */
  | 'metadata'
  /** 0.0.0.0/8 and ::, which reach the local host on Linux. */
  | 'unspecified'
  | 'multicast'
  /** Documentation, benchmarking, IETF protocol and future-use ranges, broadcast, Teredo, discard. */
  | 'reserved';

type Range = readonly [prefix: readonly number[], bits: number, cls: AddressClass];

// Most specific first: the first match wins.
const V4_RANGES: readonly Range[] = [
  [[169, 254, 169, 254], 32, 'metadata'],
  [[100, 100, 100, 200], 32, 'metadata'],
  [[0], 8, 'unspecified'],
  [[10], 8, 'private'],
  [[100, 64], 10, 'cgnat'],
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link_local'],
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'],
  [[192, 0, 2], 24, 'reserved'],
  [[192, 88, 99], 24, 'reserved'],
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved'],
  [[198, 51, 100], 24, 'reserved'],
  [[203, 0, 113], 24, 'reserved'],
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'],
];

const V6_RANGES: readonly Range[] = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, 'metadata'],
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'private'],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved'],
  [[0x20, 0x01, 0x00, 0x00], 32, 'reserved'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'reserved'],
  [[0xfc], 7, 'private'],
  [[0xfe, 0x80], 10, 'link_local'],
  [[0xfe, 0xc0], 10, 'private'],
  [[0xff], 8, 'multicast'],
];

function inRange(bytes: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const index = bit / 8;
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyV4(bytes: Uint8Array): AddressClass {
  if (bytes.every((b) => b === 255)) return 'reserved';
  for (const [prefix, bits, cls] of V4_RANGES) if (inRange(bytes, prefix, bits)) return cls;
  return 'public';
}

function classifyV6(bytes: Uint8Array): AddressClass {
  const zeroUpTo = (end: number) => bytes.subarray(0, end).every((b) => b === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  // Forms that carry an IPv4 address inside: judged by that address, since that is where they lead.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyV4(bytes.subarray(12)); // ::ffff:a.b.c.d
  if (zeroUpTo(12)) return classifyV4(bytes.subarray(12)); // ::a.b.c.d (deprecated IPv4-compatible)
  if (inRange(bytes, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96))
    return classifyV4(bytes.subarray(12));
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyV4(bytes.subarray(2, 6)); // 6to4
  for (const [prefix, bits, cls] of V6_RANGES) if (inRange(bytes, prefix, bits)) return cls;
  return 'public';
}

/** The bytes of a dotted-quad IPv4 address (the only form Node's resolver and URL parser produce). */
export function parseIPv4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address in any standard text form (`::`, embedded dotted quad, zone id). */
export function parseIPv6(text: string): Uint8Array | undefined {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(bare)) return undefined;
  let groups: string[] = [];
  const [head = '', tail] = bare.split('::');
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const expand = (parts: string[]) =>
    parts.flatMap((part) => {
      const v4 = parseIPv4(part);
      if (!v4) return [part];
      return [
        (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16),
        (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16),
      ];
    });
  const left = expand(split(head));
  if (tail === undefined) groups = left;
  else {
    const right = expand(split(tail));
    groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The class of a textual IP address; undefined when the text is not an IP address. */
export function classifyAddress(address: string): AddressClass | undefined {
  const v4 = parseIPv4(address);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(address);
  return v6 ? classifyV6(v6) : undefined;
}
