/** Why an upstream exchange failed below the HTTP status level. */
export type TransportFailure = 'connect' | 'first_byte_timeout' | 'idle_timeout' | 'reset' | 'aborted';

/** A network-level upstream failure. Internal: the gateway turns it into a client-facing error. */
export class UpstreamTransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'UpstreamTransportError';
  }
}
