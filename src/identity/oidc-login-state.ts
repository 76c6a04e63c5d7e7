/**
 * What a single sign-on attempt must remember between the redirect to the provider and the
 * callback: state, nonce and PKCE verifier. Sealed (AES-256-GCM under a key derived from the
 * master key) into a short-lived cookie, so any gateway of a deployment can finish what another
 * started, and nothing is stored for attempts that are never finished.
 */
import { hkdfSync } from 'node:crypto';
import { z } from 'zod';
import { SecretBox } from './secret-box.js';

export interface OidcLoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Epoch milliseconds after which the attempt is refused. */
  expiresAt: number;
}

const stateSchema = z.strictObject({
  state: z.string().min(16).max(256),
  nonce: z.string().min(16).max(256),
  codeVerifier: z.string().min(43).max(128),
  expiresAt: z.number().int().positive(),
});

/** Binds the ciphertext to its purpose: a sealed value from elsewhere does not open here. */
const ASSOCIATED_DATA = 'oidc-login-state';

export class OidcLoginStateBox {
  private readonly box: SecretBox;

  constructor(masterKey: Buffer) {
    this.box = new SecretBox(
      Buffer.from(
        hkdfSync('sha256', masterKey, Buffer.from('switchyard'), Buffer.from('oidc-login-state-v1'), 32),
      ),
    );
  }

  seal(value: OidcLoginState): string {
    return this.box.seal(JSON.stringify(value), ASSOCIATED_DATA);
  }

  /** The state, or undefined when the cookie is missing, tampered with, malformed or expired. */
  open(sealed: string | undefined, now = Date.now()): OidcLoginState | undefined {
    if (sealed === undefined || sealed.length > 2048) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.box.open(sealed, ASSOCIATED_DATA));
    } catch {
      return undefined;
    }
    const result = stateSchema.safeParse(parsed);
    if (!result.success || result.data.expiresAt <= now) return undefined;
    return result.data;
  }
}
