import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
const POOL_IDS = 256;
const pool = Buffer.alloc(ID_BYTES * POOL_IDS);
let next = POOL_IDS;

/**
 * `req_` and 32 random hex digits, like Anthropic's request ids in shape. Random bytes are drawn
 * 4 KiB at a time: one call to the CSPRNG per 256 requests instead of one per request.
 */
export function newRequestId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const start = next * ID_BYTES;
  next += 1;
  return `req_${pool.toString('hex', start, start + ID_BYTES)}`;
}
