import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI version Switchyard is tested against (package.json pins the same one for the tests). */
export const PINNED_CLAUDE_VERSION = '2.1.197';

export interface ClaudeBinary {
  path: string;
  source: 'SWITCHYARD_CLAUDE_BIN' | 'node_modules' | 'PATH';
}

export type BinaryResolution = { ok: true; binary: ClaudeBinary } | { ok: false; message: string };

/** This package's root: three levels above this file, in src/ and in dist/ alike. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the `claude` binary: SWITCHYARD_CLAUDE_BIN when set (a path, or a name looked up in
 * PATH), else node_modules/.bin/claude of the working directory or of this package, else PATH.
 */
export async function resolveClaudeBinary(options: {
  configured: string | undefined;
  cwd: string;
  searchPath: string;
}): Promise<BinaryResolution> {
  const { configured, cwd, searchPath } = options;
  if (configured !== undefined) {
    const found = configured.includes('/')
      ? path.resolve(cwd, configured)
      : await searchInPath(configured, searchPath);
    if (found && (await isExecutableFile(found))) {
      return { ok: true, binary: { path: found, source: 'SWITCHYARD_CLAUDE_BIN' } };
    }
    return { ok: false, message: `SWITCHYARD_CLAUDE_BIN=${configured} is not an executable file.` };
  }
  for (const root of new Set([cwd, PACKAGE_ROOT])) {
    const candidate = path.join(root, 'node_modules', '.bin', 'claude');
    if (await isExecutableFile(candidate))
      return { ok: true, binary: { path: candidate, source: 'node_modules' } };
  }
  const inPath = await searchInPath('claude', searchPath);
  if (inPath) return { ok: true, binary: { path: inPath, source: 'PATH' } };
  return {
    ok: false,
    message:
      'The Claude Code CLI was not found: install @anthropic-ai/claude-code, or set SWITCHYARD_CLAUDE_BIN.',
  };
}

async function searchInPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** `claude --version` ("2.1.197 (Claude Code)") as "2.1.197"; run with an empty environment. */
export function claudeVersion(binary: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { env, timeout: 20_000 }, (error, stdout) => {
      if (error) return reject(new Error(`\`${binary} --version\` failed: ${error.message}`));
      const match = /(\d+\.\d+\.\d+)/.exec(stdout);
      if (!match?.[1]) return reject(new Error(`\`${binary} --version\` printed no version.`));
      resolve(match[1]);
    });
  });
}
