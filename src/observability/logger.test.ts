import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts credentials and keys wherever the known paths hold them', () => {
    const { logger, text } = capture();
    logger.info(
      { headers: { authorization: 'Bearer sk-sy-secret1', 'x-api-key': 'sk-sy-secret2' }, apiKey: 'k3' },
      'x',
    );
    logger.info({ credential: 'sk-ant-secret4', password: 'hunter2' }, 'y');
    expect(text()).not.toMatch(/secret1|secret2|k3|secret4|hunter2/);
    expect(text()).toContain('[redacted]');
  });

  it('logs a database error without the query parameters Drizzle puts in its message', () => {
    const { logger, text } = capture();
    const cause = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
    });
    const error = new Error(
      'Failed query: insert into users values ($1)\nparams: $argon2id$v=19$secret-hash',
      { cause },
    );
    error.name = 'DrizzleQueryError';
    logger.error({ err: error }, 'write failed');
    expect(text()).not.toContain('secret-hash');
    expect(text()).toContain('23505');
  });
});
