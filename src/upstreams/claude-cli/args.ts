import type { CredentialType } from './environment.js';

export interface ClaudeArgsInput {
  model: string;
  /** The prompt itself, or a file holding it (for prompts too long for one argument). */
  systemPrompt: { text: string } | { file: string };
  credentialType: CredentialType;
  /** A transcript written for this process to continue (`--resume`). */
  resumeSessionId?: string | undefined;
}

/**
 * The command line of a chat worker: stream-json in and out, one model turn per message, tools
 * off (`--tools=` with the equals sign sends `tools: []`; an upstream tool_use can run nothing),
 * no transcripts written, no settings, hooks, MCP servers or CLAUDE.md read. `--bare` takes API
 * keys only; OAuth logins get `--setting-sources=` instead (see docs/claude-cli.md).
 */
export function claudeArgs(input: ClaudeArgsInput): string[] {
  const args = [
    '-p',
    '--input-format',
    'stream-json',
    '--output-format',
    'stream-json',
    '--verbose',
    '--include-partial-messages',
    '--tools=',
    '--strict-mcp-config',
    '--max-turns',
    '1',
    '--no-session-persistence',
    // The `=` form: a value starting with `-` must not be read as an option.
    `--model=${input.model}`,
    'text' in input.systemPrompt
      ? `--system-prompt=${input.systemPrompt.text}`
      : `--system-prompt-file=${input.systemPrompt.file}`,
  ];
  args.push(input.credentialType === 'api_key' ? '--bare' : '--setting-sources=');
  if (input.resumeSessionId !== undefined) args.push(`--resume=${input.resumeSessionId}`);
  return args;
}
