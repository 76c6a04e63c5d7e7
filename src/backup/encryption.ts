import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type DecipherGCM,
} from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Encrypted archives: `SWYDBAK1` | kdf (1 = scrypt) | salt (16) | iv (12) | check (16) | ciphertext | tag (16).
 * The key is scrypt(passphrase, salt); AES-256-GCM covers the whole archive with the header as
 * associated data, so any changed byte fails the tag. `check` (an HMAC of a constant under the
 * key) tells a wrong passphrase at once instead of after reading the whole file.
 */
export const ENCRYPTED_MAGIC = Buffer.from('SWYDBAK1');
const KDF_SCRYPT = 1;
const HEADER_LENGTH = ENCRYPTED_MAGIC.length + 1 + 16 + 12 + 16;
const TAG_LENGTH = 16;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export class ArchiveKeyError extends Error {}

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const checkOf = (key: Buffer) =>
  createHmac('sha256', key).update('switchyard-backup-check').digest().subarray(0, 16);

export async function encryptingStream(passphrase: string): Promise<Transform> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt);
  const header = Buffer.concat([ENCRYPTED_MAGIC, Buffer.from([KDF_SCRYPT]), salt, iv, checkOf(key)]);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!headerSent) {
        headerSent = true;
        this.push(header);
      }
      done(null, cipher.update(chunk));
    },
    flush(done: TransformCallback) {
      if (!headerSent) this.push(header);
      this.push(cipher.final());
      done(null, cipher.getAuthTag());
    },
  });
}

/**
 * Decrypts as it reads, holding back the last 16 bytes (the tag): a changed archive fails at the
 * end, before a restore commits, since the restore commits only after the stream has ended.
 */
export function decryptingStream(passphrase: string | undefined): Transform {
  let pending = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      pending = Buffer.concat([pending, chunk]);
      const start = async () => {
        if (pending.length < HEADER_LENGTH) return;
        const header = pending.subarray(0, HEADER_LENGTH);
        if (!header.subarray(0, ENCRYPTED_MAGIC.length).equals(ENCRYPTED_MAGIC) || header[8] !== KDF_SCRYPT) {
          throw new ArchiveKeyError('This is not an encrypted Switchyard backup.');
        }
        if (passphrase === undefined) {
          throw new ArchiveKeyError('This backup is encrypted: set BACKUP_PASSPHRASE to its passphrase.');
        }
        const key = await deriveKey(passphrase, header.subarray(9, 25));
        if (!timingSafeEqual(checkOf(key), header.subarray(37, 53))) {
          throw new ArchiveKeyError('Wrong passphrase for this backup (BACKUP_PASSPHRASE).');
        }
        decipher = createDecipheriv('aes-256-gcm', key, header.subarray(25, 37));
        decipher.setAAD(header);
        pending = pending.subarray(HEADER_LENGTH);
      };
      (decipher ? Promise.resolve() : start()).then(() => {
        if (!decipher || pending.length <= TAG_LENGTH) return done();
        const body = pending.subarray(0, pending.length - TAG_LENGTH);
        pending = pending.subarray(pending.length - TAG_LENGTH);
        done(null, decipher.update(body));
      }, done);
    },
    flush(done: TransformCallback) {
      if (!decipher || pending.length !== TAG_LENGTH) {
        return done(new ArchiveKeyError('The encrypted backup is truncated.'));
      }
      decipher.setAuthTag(pending);
      try {
        done(null, decipher.final());
      } catch {
        done(
          new ArchiveKeyError(
            'The encrypted backup was changed or damaged: its authentication tag does not match.',
          ),
        );
      }
    },
  });
}
