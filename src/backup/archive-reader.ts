import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { ArchiveKeyError, decryptingStream, ENCRYPTED_MAGIC } from './encryption.js';
import { manifestChecksum, manifestSchema, type Manifest } from './manifest.js';

/** The archive is not one Switchyard can restore; the message says why, never what it holds. */
export class ArchiveError extends Error {}

async function* linesOf(stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

async function startsWithMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(ENCRYPTED_MAGIC.length);
    await handle.read(head, 0, head.length, 0);
    return head.equals(ENCRYPTED_MAGIC);
  } finally {
    await handle.close();
  }
}

/** Wraps stream failures (bad gzip, bad tag) into messages a person can act on. */
async function* guarded(lines: AsyncGenerator<string>): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (error) {
    if (error instanceof ArchiveKeyError || error instanceof ArchiveError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') throw error;
    throw new ArchiveError(`The archive is damaged or not a Switchyard backup (${code ?? 'unreadable'}).`);
  }
}

export interface OpenedArchive {
  manifest: Manifest;
  encrypted: boolean;
  /** The lines after the manifest: `#table <name>` markers and canonical rows. */
  lines: AsyncGenerator<string>;
}

/** Opens an archive (decrypting if it is encrypted) and reads and checks its manifest. */
export async function openArchive(file: string, passphrase: string | undefined): Promise<OpenedArchive> {
  const encrypted = await startsWithMagic(file);
  const source = createReadStream(file);
  const noop = () => {};
  // Any stage failing destroys the last one with its error, which ends the iteration below.
  const plain = encrypted
    ? pipeline(source, decryptingStream(passphrase), createGunzip(), noop)
    : pipeline(source, createGunzip(), noop);
  const lines = guarded(linesOf(plain));
  const first = await lines.next();
  let parsed: unknown;
  try {
    parsed = first.done ? undefined : JSON.parse(first.value);
  } catch {
    parsed = undefined;
  }
  const manifest = manifestSchema.safeParse(parsed);
  if (!manifest.success) {
    plain.destroy();
    throw new ArchiveError('The archive has no valid Switchyard backup manifest.');
  }
  if (manifestChecksum(manifest.data) !== manifest.data.checksum) {
    plain.destroy();
    throw new ArchiveError('The archive manifest was changed: its checksum does not match.');
  }
  return { manifest: manifest.data, encrypted, lines };
}
