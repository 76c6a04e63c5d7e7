/**
 * What the web chat accepts as attachments, told by the file's first bytes rather than by the name
 * or the type a browser guessed from it. The Messages API takes these as `image` and `document`
 * content blocks; anything else would be refused upstream, so it is refused at upload.
 */
export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export const DOCUMENT_MEDIA_TYPES = ['application/pdf'] as const;
export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];
export type AttachmentMediaType = ImageMediaType | (typeof DOCUMENT_MEDIA_TYPES)[number];
export const ATTACHMENT_MEDIA_TYPES: readonly AttachmentMediaType[] = [
  ...IMAGE_MEDIA_TYPES,
  ...DOCUMENT_MEDIA_TYPES,
];

export const isAttachmentMediaType = (value: string): value is AttachmentMediaType =>
  (ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(value);
export const isImageMediaType = (value: string): value is ImageMediaType =>
  (IMAGE_MEDIA_TYPES as readonly string[]).includes(value);

/** How people call each type in error messages. */
export const MEDIA_TYPE_NAMES: Record<AttachmentMediaType, string> = {
  'image/png': 'PNG image',
  'image/jpeg': 'JPEG image',
  'image/gif': 'GIF image',
  'image/webp': 'WebP image',
  'application/pdf': 'PDF document',
};

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((byte, i) => bytes[at + i] === byte);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const PDF = ascii('%PDF-');

/** The type the content really has, among the accepted ones; undefined for anything else. */
export function sniffMediaType(bytes: Uint8Array): AttachmentMediaType | undefined {
  if (startsWith(bytes, PNG)) return 'image/png';
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return 'image/gif';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'image/webp';
  // PDF readers accept the header within the first KiB; the API's own check is stricter, so are we.
  if (startsWith(bytes, PDF)) return 'application/pdf';
  return undefined;
}

/** A size as people read it: `512 KiB`, `5 MiB`, `6.2 MiB`. */
export function sizeText(bytes: number): string {
  const [unit, scale] = bytes < 1_048_576 ? ['KiB', 1_024] : ['MiB', 1_048_576];
  return `${Math.round((bytes / scale) * 10) / 10} ${unit}`;
}

/** `image/PNG; charset=x` → `image/png`. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** A file name fit to show and to send: no path, no control characters, at most 200 characters. */
export function cleanFileName(raw: string | undefined, mediaType: AttachmentMediaType): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 200);
  if (cleaned !== '') return cleaned;
  return mediaType === 'application/pdf' ? 'document.pdf' : `image.${mediaType.slice('image/'.length)}`;
}
