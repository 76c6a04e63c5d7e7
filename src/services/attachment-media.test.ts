import { describe, expect, it } from 'vitest';
import { cleanFileName, mediaTypeOf, sizeText, sniffMediaType } from './attachment-media.js';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffMediaType', () => {
  it('tells each accepted type by its first bytes', () => {
    expect(sniffMediaType(bytes([0x89], 'PNG\r\n\x1a\n', 'rest'))).toBe('image/png');
    expect(sniffMediaType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffMediaType(bytes('GIF89a...'))).toBe('image/gif');
    expect(sniffMediaType(bytes('GIF87a...'))).toBe('image/gif');
    expect(sniffMediaType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe('image/webp');
    expect(sniffMediaType(bytes('%PDF-1.7\n'))).toBe('application/pdf');
  });

  it('refuses everything else, whatever it is called', () => {
    expect(sniffMediaType(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffMediaType(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toBeUndefined();
    expect(sniffMediaType(bytes([0x89], 'PN'))).toBeUndefined();
    expect(sniffMediaType(bytes('  %PDF-1.7'))).toBeUndefined();
    expect(sniffMediaType(new Uint8Array())).toBeUndefined();
  });
});

describe('file names and types', () => {
  it('says sizes as people read them', () => {
    expect(sizeText(2_048)).toBe('2 KiB');
    expect(sizeText(5 * 1_048_576)).toBe('5 MiB');
    expect(sizeText(6.5 * 1_048_576)).toBe('6.5 MiB');
  });

  it('drops parameters and case from a content type', () => {
    expect(mediaTypeOf('Image/PNG; charset=binary')).toBe('image/png');
    expect(mediaTypeOf(undefined)).toBe('');
  });

  it('keeps a base name without control characters, or names the file by its type', () => {
    expect(cleanFileName('C:\\Users\\me\\cat.png', 'image/png')).toBe('cat.png');
    expect(cleanFileName('../../etc/passwd\u0000.pdf', 'application/pdf')).toBe('passwd.pdf');
    expect(cleanFileName('   ', 'image/webp')).toBe('image.webp');
    expect(cleanFileName(undefined, 'application/pdf')).toBe('document.pdf');
    expect(cleanFileName('x'.repeat(300), 'image/png')).toHaveLength(200);
  });
});
