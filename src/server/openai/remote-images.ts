import { Agent, request } from 'undici';
import { InvalidRequestError } from '../../errors.js';
import { guardedLookup } from '../../identity/guarded-lookup.js';
import type { OutboundUrlGuard } from '../../identity/outbound-url.js';
import type { ChatCompletionRequest } from '../../protocols/openai/chat-request-schema.js';

/** Anthropic's own limit for one image. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_IMAGES = 20;
const TIMEOUT_MS = 10_000;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export type ImageFetcher = (url: string, field: string) => Promise<string>;

/**
 * Fetches an image a client named by URL, as the operator allowed (OPENAI_REMOTE_IMAGES=fetch),
 * and answers it as a data URL. The URL passes the outbound guard when checked and again at
 * connect time (a name that rebinds to a private or metadata address is refused), redirects are
 * not followed (each hop would need the same checks), and size, type and time are bounded.
 */
export function createImageFetcher(guard: OutboundUrlGuard): ImageFetcher {
  const dispatcher = new Agent({
    connect: { lookup: guardedLookup(guard), timeout: TIMEOUT_MS },
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  return async (url, field) => {
    await guard.check(url, field);
    let response;
    try {
      response = await request(url, {
        dispatcher,
        method: 'GET',
        headers: { accept: 'image/*', 'user-agent': 'switchyard-image-fetch' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new InvalidRequestError(`${field}: the image could not be fetched.`);
    }
    const { statusCode, headers, body } = response;
    if (statusCode !== 200) {
      await body.dump();
      throw new InvalidRequestError(`${field}: fetching the image answered HTTP ${statusCode}.`);
    }
    const type =
      String(headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim()
        .toLowerCase() ?? '';
    const mediaType = type === 'image/jpg' ? 'image/jpeg' : type;
    if (!IMAGE_TYPES.has(mediaType)) {
      await body.dump();
      throw new InvalidRequestError(`${field}: the URL is not a JPEG, PNG, GIF or WebP image.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_IMAGE_BYTES) {
          body.destroy();
          throw new InvalidRequestError(`${field}: the image is larger than 5 MB.`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof InvalidRequestError) throw error;
      throw new InvalidRequestError(`${field}: the image could not be read.`);
    }
    return `data:${mediaType};base64,${Buffer.concat(chunks, size).toString('base64')}`;
  };
}

/** The request with every http(s) image URL replaced by the fetched image, as a data URL. */
export async function inlineRemoteImages(
  parsed: ChatCompletionRequest,
  fetchImage: ImageFetcher,
): Promise<ChatCompletionRequest> {
  const jobs: Array<Promise<void>> = [];
  const messages = parsed.messages.map((message, m) => {
    if (message.role !== 'user' || typeof message.content === 'string') return message;
    const content = message.content.map((part, p) => {
      if (part.type !== 'image_url' || !/^https?:\/\//i.test(part.image_url.url)) return part;
      if (jobs.length >= MAX_IMAGES) {
        throw new InvalidRequestError(`messages: at most ${MAX_IMAGES} remote images per request.`);
      }
      const copy = { ...part, image_url: { ...part.image_url } };
      const field = `messages.${m}.content.${p}.image_url.url`;
      jobs.push(
        fetchImage(part.image_url.url, field).then((dataUrl) => {
          copy.image_url.url = dataUrl;
        }),
      );
      return copy;
    });
    return { ...message, content };
  });
  if (jobs.length === 0) return parsed;
  await Promise.all(jobs);
  return { ...parsed, messages } as ChatCompletionRequest;
}
