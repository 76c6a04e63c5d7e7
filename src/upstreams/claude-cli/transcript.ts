import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PINNED_CLAUDE_VERSION } from './binary.js';
import type { AccountPaths } from './environment.js';
import type { PlainMessage } from './request-plan.js';

/**
 * Prior turns of a stateless request, written as a Claude Code session transcript so a new
 * process can `--resume` it: the CLI then sends exactly these turns upstream before the new user
 * message. Transcripts live under `$CLAUDE_CONFIG_DIR/projects/<cwd, sanitised>/<session>.jsonl`;
 * each is removed once its process has read it, and a periodic sweep removes any left behind.
 */

/** The CLI's own rule for a project directory name (long paths are cut and get a hash suffix). */
export function projectDirName(cwd: string): string {
  const name = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  if (name.length <= 200) return name;
  let hash = 0;
  for (let i = 0; i < cwd.length; i++) hash = ((hash << 5) - hash + cwd.charCodeAt(i)) | 0;
  return `${name.slice(0, 200)}-${Math.abs(hash).toString(36)}`;
}

export function projectDir(paths: AccountPaths): string {
  return path.join(paths.configDir, 'projects', projectDirName(paths.workDir));
}

export interface WrittenTranscript {
  sessionId: string;
  file: string;
}

export async function writeTranscript(
  paths: AccountPaths,
  messages: readonly PlainMessage[],
  model: string,
): Promise<WrittenTranscript> {
  const sessionId = randomUUID();
  const dir = projectDir(paths);
  const file = path.join(dir, `${sessionId}.jsonl`);
  const timestamp = new Date().toISOString();
  let parentUuid: string | null = null;
  const lines: string[] = [];
  for (const [index, m] of messages.entries()) {
    const uuid = randomUUID();
    const message =
      m.role === 'user'
        ? { role: 'user', content: m.content }
        : {
            id: `msg_switchyard_${index}`,
            type: 'message',
            role: 'assistant',
            model,
            content: typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content,
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          };
    lines.push(
      JSON.stringify({
        parentUuid,
        isSidechain: false,
        type: m.role,
        message,
        uuid,
        timestamp,
        sessionId,
        cwd: paths.workDir,
        userType: 'external',
        version: PINNED_CLAUDE_VERSION,
      }),
    );
    parentUuid = uuid;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
  return { sessionId, file };
}

/**
 * Removes transcripts and system prompt files older than `maxAgeMs` under every account of
 * `<dataDir>/claude-cli` (left behind by a crash; normally each goes with its process). Returns
 * how many files were removed.
 */
export async function sweepTranscripts(
  claudeCliRoot: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  let removed = 0;
  for (const account of await list(claudeCliRoot)) {
    const root = path.join(claudeCliRoot, account);
    const projects = path.join(root, 'config', 'projects');
    const dirs = [path.join(root, 'prompts'), ...(await list(projects)).map((p) => path.join(projects, p))];
    for (const dir of dirs) removed += await removeOld(dir, maxAgeMs, now);
  }
  return removed;
}

async function removeOld(dir: string, maxAgeMs: number, now: number): Promise<number> {
  let removed = 0;
  for (const name of await list(dir)) {
    if (!name.endsWith('.jsonl') && !name.endsWith('.txt')) continue;
    const file = path.join(dir, name);
    try {
      if (now - (await stat(file)).mtimeMs < maxAgeMs) continue;
      await rm(file, { force: true });
      removed++;
    } catch {
      // Gone already.
    }
  }
  return removed;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
