import { isUtf8 } from 'node:buffer';
import secureJson from 'secure-json-parse';
import { InvalidRequestError } from '../errors.js';

/**
 * Parses a request body held as raw bytes (the Messages route forwards those bytes untouched).
 * `__proto__` and `constructor.prototype` keys are refused rather than silently dropped.
 */
export function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw new InvalidRequestError('body: a JSON body is required.');
  // JSON is UTF-8 (RFC 8259). Decoding would quietly turn bad bytes into U+FFFD, so the Messages
  // route would validate one text and forward different bytes; isUtf8 is native and cheap.
  if (!isUtf8(body)) throw new InvalidRequestError('body: the body is not valid UTF-8.');
  try {
    return secureJson.parse(body.toString('utf8'), undefined, {
      protoAction: 'error',
      constructorAction: 'error',
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'invalid JSON';
    throw new InvalidRequestError(`body: the body is not valid JSON (${reason.slice(0, 200)}).`);
  }
}
