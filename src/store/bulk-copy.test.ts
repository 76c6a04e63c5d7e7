import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyField, refusedData, sqlStateOf, storableText } from './bulk-copy.js';

/** COPY's text format read back: what PostgreSQL does with one field. */
function readField(field: string): string | null {
  if (field === '\\N') return null;
  return field.replace(/\\(.)/g, (_, char: string) => ({ t: '\t', n: '\n', r: '\r' })[char] ?? char);
}

describe('copyField', () => {
  it('writes null, booleans, numbers and dates as PostgreSQL reads them', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(true)).toBe('t');
    expect(copyField(false)).toBe('f');
    expect(copyField(0.000636)).toBe('0.000636');
    expect(copyField(42)).toBe('42');
    expect(copyField(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678Z');
  });

  it('escapes text so that it reads back as itself, never as null or as another field or line', () => {
    expect(copyField('\\N')).toBe('\\\\N');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        const field = copyField(text);
        expect(field).not.toMatch(/[\t\n\r]/);
        expect(readField(field)).toBe(storableText(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps well-formed text and replaces NUL and unpaired surrogates only', () => {
    expect(storableText('claude-sonnet-4-6 😀 é')).toBe('claude-sonnet-4-6 😀 é');
    expect(storableText('a\0b')).toBe('a\uFFFDb');
    expect(storableText('\ud800x\udc00')).toBe('\uFFFDx\uFFFD');
    expect(storableText('\udc00\ud800')).toBe('\uFFFD\uFFFD');
    expect(storableText('\ud83d\ude00')).toBe('😀');
  });
});

describe('sqlStateOf', () => {
  it('reads a database refusal, not other errors', () => {
    expect(sqlStateOf(Object.assign(new Error('dup'), { code: '23505', severity: 'ERROR' }))).toBe('23505');
    expect(sqlStateOf(Object.assign(new Error('pipe'), { code: 'EPIPE' }))).toBeUndefined();
    expect(sqlStateOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(sqlStateOf(new Error('lost'))).toBeUndefined();
    expect(sqlStateOf(undefined)).toBeUndefined();
  });
});

describe('refusedData', () => {
  const serverError = (code: string) => Object.assign(new Error(code), { code, severity: 'ERROR' });

  it('is true for data and constraint refusals only', () => {
    expect(refusedData(serverError('23505'))).toBe(true); // unique violation
    expect(refusedData(serverError('22P02'))).toBe(true); // invalid text representation
    expect(refusedData(serverError('57P01'))).toBe(false); // server shutting down
    expect(refusedData(serverError('08006'))).toBe(false); // connection failure
    expect(refusedData(serverError('53300'))).toBe(false); // too many connections
    expect(refusedData(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});
