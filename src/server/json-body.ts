import secureJson from 'secure-json-parse';
import { InvalidRequestError } from '../errors.js';

/**
 * Parses a request body held as raw bytes (the Messages route forwards those bytes untouched).
 * `__proto__` and `constructor.prototype` keys are refused rather than silently dropped.
 */
export function parseJsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw new InvalidRequestError('body: a JSON body is required.');
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
