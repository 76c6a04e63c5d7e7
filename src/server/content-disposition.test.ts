import { describe, expect, it } from 'vitest';
import { contentDisposition, safeFileName } from './content-disposition.js';

describe('contentDisposition', () => {
  it('sends an ASCII fallback and the exact name in RFC 5987 form', () => {
    expect(contentDisposition('部署计划 2026-03-01.json')).toBe(
      `attachment; filename="_ 2026-03-01.json"; filename*=UTF-8''%E9%83%A8%E7%BD%B2%E8%AE%A1%E5%88%92%202026-03-01.json`,
    );
    expect(contentDisposition("it's (100%).md")).toBe(
      `attachment; filename="it's (100_).md"; filename*=UTF-8''it%27s%20%28100%25%29.md`,
    );
  });

  it('keeps no quote, slash, control character or header break in the name', () => {
    const header = contentDisposition('a"b\\c/d\r\nSet-Cookie: x=1\u0000.json');
    // eslint-disable-next-line no-control-regex -- a NUL is exactly what must not get through
    expect(header).not.toMatch(/[\r\n\u0000\\]/);
    expect(header.split('"').length).toBe(3);
    expect(safeFileName('../../etc/passwd')).toBe('..-..-etc-passwd');
    expect(safeFileName('   .json')).toBe('download.json');
    expect(safeFileName(`${'长'.repeat(300)}.md`)).toBe(`${'长'.repeat(120)}.md`);
  });
});
