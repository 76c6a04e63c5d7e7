import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { OutboundUrlGuard } from './outbound-url.js';

type ResolveAll = (
  host: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for outbound sockets that refuses addresses the outbound guard does not allow. The
 * base URL was checked when an admin set it; this checks again at every connect, so a name that
 * later resolves somewhere else (DNS rebinding: public at check time, 169.254.169.254 at connect
 * time) is refused. IP literals never reach a lookup; they were checked when set and cannot change.
 */
export function guardedLookup(guard: OutboundUrlGuard, resolve: ResolveAll = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !guard.addressAllowed(hostname, entry.address));
      if (refused !== undefined || addresses.length === 0) {
        const reason = Object.assign(
          new Error(`Outbound connection to ${hostname} refused: it resolves to a disallowed address.`),
          { code: 'EADDRNOTAVAIL' },
        );
        return callback(reason, '', 0);
      }
      // net asks for every address when it races families (autoSelectFamily), else for one.
      if ((options as { all?: boolean }).all === true) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else {
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}
