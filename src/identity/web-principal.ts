/**
 * Who the web app's chat is, to the request path: the signed-in user, through a per-user internal
 * "web" principal. It has no key limits and no key model list of its own, so exactly the user's
 * limits and allowed models apply, shared with every API key the user owns. Its key id is a stable
 * UUID derived from the user id and owned by no row of api_keys: usage rows written for the web app
 * carry it, so reports can tell chat use from a key's use and still add both up per user.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../gateway/call.js';
import type { UserRecord } from '../store/types.js';

const NAMESPACE = 'switchyard:web-chat:';

/** A UUID (version 8, RFC 9562: application-defined) that depends on the user id alone. */
export function webPrincipalKeyId(userId: string): string {
  const bytes = createHash('sha256')
    .update(NAMESPACE + userId)
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function webPrincipalOf(user: Pick<UserRecord, 'id' | 'limits' | 'allowedModels'>): Principal {
  return {
    apiKeyId: webPrincipalKeyId(user.id),
    userId: user.id,
    access: {
      keyLimits: {},
      userLimits: user.limits,
      keyModels: null,
      userModels: user.allowedModels,
      modelFallback: false,
    },
  };
}
