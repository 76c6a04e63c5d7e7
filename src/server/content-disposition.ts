/**
 * `Content-Disposition: attachment` for a file name of arbitrary characters (a conversation
 * title in Chinese, quotes, slashes): an ASCII fallback for old clients and the exact name in
 * RFC 5987 form (`filename*`), which every current browser prefers.
 */
const UNSAFE = /[\u0000-\u001f\u007f"\\/:*?<>|]+/g; // eslint-disable-line no-control-regex -- what a file name may not hold

export function safeFileName(name: string, maxLength = 120): string {
  const cleaned = name.replace(UNSAFE, '-').replace(/\s+/g, ' ').trim();
  const dot = cleaned.lastIndexOf('.');
  const [stem, extension] = dot >= 0 ? [cleaned.slice(0, dot), cleaned.slice(dot)] : [cleaned, ''];
  const cut = [...stem].slice(0, maxLength).join('').trim();
  return `${cut || 'download'}${extension}`;
}

const rfc5987 = (value: string) =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function contentDisposition(name: string): string {
  const exact = safeFileName(name);
  const ascii = exact.replace(/[^\x20-\x7e]+/g, '_').replace(/%/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(exact)}`;
}
