/**
 * Chat attachments over HTTP: the file itself is the upload's body (no multipart, no base64), and
 * the socket's `send` names the id it gets back. Stored files come back as data: URLs, the only
 * kind of image source besides this origin's own paths that the CSP allows.
 */
import type { AttachmentRef } from './chat-socket';
import { ApiError } from './client';

type Token = () => Promise<string>;

export const ATTACHABLE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];
/** As the server's protocol allows (MAX_ATTACHMENTS). */
export const MAX_ATTACHMENTS = 5;

async function failure(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { type?: string; message?: string } };
    return new ApiError(
      response.status,
      body.error?.type ?? 'api_error',
      body.error?.message ?? response.statusText,
    );
  } catch {
    return new ApiError(response.status, 'api_error', response.statusText || `HTTP ${response.status}`);
  }
}

export async function uploadAttachment(token: Token, file: File): Promise<AttachmentRef> {
  const response = await fetch(`/api/chat/attachments?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'x-switchyard-csrf': '1',
      authorization: `Bearer ${await token()}`,
      'content-type': file.type || 'application/octet-stream',
    },
    body: file,
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as AttachmentRef;
}

export function dataUrlOf(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsDataURL(blob);
  });
}

export async function fetchAttachment(token: Token, id: string): Promise<Blob> {
  const response = await fetch(`/api/chat/attachments/${encodeURIComponent(id)}`, {
    credentials: 'same-origin',
    headers: { 'x-switchyard-csrf': '1', authorization: `Bearer ${await token()}` },
  });
  if (!response.ok) throw await failure(response);
  return response.blob();
}

/** Stored images as data: URLs, a few kept so scrolling back does not fetch them again. */
const previews = new Map<string, Promise<string>>();
const KEPT_PREVIEWS = 50;

export function attachmentPreview(token: Token, id: string): Promise<string> {
  let found = previews.get(id);
  if (!found) {
    found = fetchAttachment(token, id).then(dataUrlOf);
    found.catch(() => previews.delete(id));
    previews.set(id, found);
    for (const oldest of previews.keys()) {
      if (previews.size <= KEPT_PREVIEWS) break;
      previews.delete(oldest);
    }
  }
  return found;
}
