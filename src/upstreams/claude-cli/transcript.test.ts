import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepTranscripts } from './transcript.js';

describe('sweepTranscripts', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('removes transcripts and prompt files left behind past their age, and nothing else', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sy-sweep-'));
    const now = Date.now();
    const hourAgo = new Date(now - 3_600_000);
    const project = path.join(root, 'acct-1', 'config', 'projects', '-work');
    const prompts = path.join(root, 'acct-1', 'prompts');
    await mkdir(project, { recursive: true });
    await mkdir(prompts, { recursive: true });
    const files = {
      oldTranscript: path.join(project, 'old.jsonl'),
      newTranscript: path.join(project, 'new.jsonl'),
      oldPrompt: path.join(prompts, 'old.txt'),
      oldOther: path.join(project, 'settings.json'),
      login: path.join(root, 'acct-1', 'config', '.credentials.json'),
    };
    for (const file of Object.values(files)) await writeFile(file, 'x');
    for (const file of [files.oldTranscript, files.oldPrompt, files.oldOther, files.login])
      await utimes(file, hourAgo, hourAgo);

    const removed = await sweepTranscripts(root, 600_000, now);

    expect(removed).toBe(2);
    expect((await readdir(project)).sort()).toEqual(['new.jsonl', 'settings.json']);
    expect(await readdir(prompts)).toEqual([]);
    expect(await readdir(path.join(root, 'acct-1', 'config'))).toContain('.credentials.json');
  });

  it('is a no-op when no account directory exists yet', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sy-sweep-'));
    expect(await sweepTranscripts(path.join(root, 'claude-cli'), 1_000)).toBe(0);
  });
});
