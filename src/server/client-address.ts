import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/**
 * The client's address: the socket's peer, or, when that peer is a trusted proxy, the address it
 * forwarded (X-Forwarded-For, walked back past trusted hops only). A client cannot choose its
 * address by sending the header itself unless it connects from a trusted proxy.
 */
export function clientAddressOf(
  trustedProxies: readonly string[],
): (req: IncomingMessage) => string | undefined {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress;
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => (req.socket.remoteAddress === undefined ? undefined : proxyAddr(req, trust));
}
