/**
 * Whether a browser's Origin header names this server or an allowlisted origin. Shared by the
 * CSRF check on cookie-authenticated routes and by the WebSocket route's handshake.
 */
import type { IncomingHttpHeaders } from 'node:http';

export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  // Browsers send "null" from sandboxed frames, data: URLs and some redirects: never trusted.
  if (origin === undefined || origin === 'null') return false;
  if (allowed.has(origin)) return true;
  if (host === undefined || !URL.canParse(origin)) return false;
  const url = new URL(origin);
  // The Host header is the client's to set, but a browser always sets it to the host it calls,
  // which is all a cross-site check needs: a forged Host comes only from a non-browser client.
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.host === host.toLowerCase();
}

/**
 * For the WebSocket route (the web app's live view): browsers do not apply CORS to WebSockets
 * and send cookies with them, so the handshake must check Origin itself or any site could open
 * one with the user's session. A handshake without Origin (no browser) is refused as well.
 */
export function webSocketOriginAllowed(headers: IncomingHttpHeaders, allowed: ReadonlySet<string>): boolean {
  const origin = headers.origin;
  return originAllowed(typeof origin === 'string' ? origin : undefined, headers.host, allowed);
}
