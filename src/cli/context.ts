import { ConfigError, loadConfig, type Config } from '../config/index.js';

/** A failure the person at the terminal can act on: printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchyard: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** Runs a command body, turning known failures into one line on stderr and an exit code. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`switchyard: ${message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  }
}
