/**
 * The checks the real API makes on `image` and `document` blocks with base64 sources, so a client
 * (the web chat's attachments) that builds them wrongly fails against the mock as it would upstream.
 */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface Source {
  type?: unknown;
  media_type?: unknown;
  data?: unknown;
}

function sourceProblem(source: Source | undefined, kind: 'image' | 'document'): string | undefined {
  if (typeof source !== 'object' || source === null) return 'source: Field required';
  if (source.type !== 'base64') return undefined; // url, text and file sources are not checked here
  const allowed = kind === 'image' ? IMAGE_TYPES : new Set(['application/pdf']);
  if (typeof source.media_type !== 'string' || !allowed.has(source.media_type)) {
    return `source.media_type: Input should be ${[...allowed].map((t) => `'${t}'`).join(', ')}`;
  }
  if (
    typeof source.data !== 'string' ||
    source.data === '' ||
    source.data.length % 4 !== 0 ||
    !BASE64.test(source.data)
  ) {
    return 'source.data: must be non-empty base64';
  }
  return undefined;
}

/** The first bad image or document block of the messages, as the API words it; undefined if none. */
export function mediaBlockProblem(messages: ReadonlyArray<{ content: unknown }>): string | undefined {
  for (const [m, message] of messages.entries()) {
    if (!Array.isArray(message.content)) continue;
    for (const [b, raw] of (message.content as unknown[]).entries()) {
      const block = raw as { type?: unknown; source?: Source };
      if (block?.type !== 'image' && block?.type !== 'document') continue;
      const problem = sourceProblem(block.source, block.type);
      if (problem) return `messages.${m}.content.${b}.${block.type}.${problem}`;
    }
  }
  return undefined;
}
