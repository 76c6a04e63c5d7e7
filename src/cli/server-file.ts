import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * A running server leaves its address and a local admin token in the data dir, so the command
 * line can talk to it (PGlite admits one process, so the CLI cannot open the store meanwhile).
 */
const serverFileSchema = z.object({
  pid: z.number().int(),
  url: z.string().url(),
  token: z.string().min(16),
});
export type ServerFile = z.infer<typeof serverFileSchema>;

const fileOf = (dataDir: string) => path.join(dataDir, 'server.json');

export async function writeServerFile(dataDir: string, info: ServerFile): Promise<void> {
  const file = fileOf(dataDir);
  await writeFile(file, JSON.stringify(info), { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function readServerFile(dataDir: string): Promise<ServerFile | undefined> {
  try {
    const parsed = serverFileSchema.safeParse(JSON.parse(await readFile(fileOf(dataDir), 'utf8')));
    if (!parsed.success) return undefined;
    process.kill(parsed.data.pid, 0);
    return parsed.data;
  } catch {
    return undefined;
  }
}

export async function removeServerFile(dataDir: string): Promise<void> {
  await rm(fileOf(dataDir), { force: true });
}
