import { spawn } from 'node:child_process';
import { readTerminalEnvironment } from '../config/index.js';
import { accountPaths, prepareAccountPaths, resolveClaudeBinary } from '../upstreams/claude-cli/index.js';
import { CliError, loadConfigOrExit } from './context.js';
import { withAdmin } from './local-admin.js';

/**
 * `accounts login <account>`: runs the official `claude auth login` in the account's own config
 * dir with this terminal (stdio inherited). The person completes the browser sign-in and any 2FA
 * themselves; Switchyard never scripts a login. The CLI stores the login in that config dir, where
 * the account's processes find it.
 */
export async function claudeLoginCommand(ref: string, options: { console?: boolean }): Promise<void> {
  const config = loadConfigOrExit();
  const account = (await withAdmin((admin) => admin.listAccounts())).find(
    (a) => a.id === ref || a.name === ref,
  );
  if (!account) throw new CliError(`No account named or with id '${ref}'.`);
  if (account.kind !== 'claude_cli') {
    throw new CliError(
      `Account ${account.name} is of kind ${account.kind}; only claude_cli accounts sign in.`,
      2,
    );
  }
  if (account.hasCredential) {
    throw new CliError(
      `Account ${account.name} uses a stored API key or OAuth token; a login is for claude_cli accounts added without one.`,
      2,
    );
  }
  const found = await resolveClaudeBinary({
    configured: config.claudeCli.binary,
    cwd: process.cwd(),
    searchPath: config.claudeCli.searchPath,
  });
  if (!found.ok) throw new CliError(found.message);
  const paths = await prepareAccountPaths(accountPaths(config.dataDir, account.id));
  process.stdout.write(
    `Signing in account ${account.name} with ${found.binary.path} (config dir ${paths.configDir}).\n`,
  );
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(found.binary.path, ['auth', 'login', ...(options.console ? ['--console'] : [])], {
      cwd: paths.workDir,
      stdio: 'inherit',
      // From scratch, as for the account's workers: the terminal's variables, nothing of the gateway's.
      env: {
        ...readTerminalEnvironment(),
        PATH: config.claudeCli.searchPath,
        HOME: paths.root,
        CLAUDE_CONFIG_DIR: paths.configDir,
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
      },
    });
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(signal ? 1 : (exitCode ?? 1)));
  });
  if (code !== 0)
    throw new CliError(
      `\`claude auth login\` ended with code ${code}; account ${account.name} is not signed in.`,
    );
  process.stdout.write(`Done. Check the account with: switchyard accounts test ${account.name}\n`);
}
