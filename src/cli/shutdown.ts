import type { Logger } from '../observability/logger.js';

/**
 * On the first SIGTERM or SIGINT: log `announcement`, run `stop`, then flush the log and exit
 * (exit code 1 if stopping failed). Later signals are ignored while it runs.
 */
export function stopOnSignals(
  logger: Logger,
  announcement: { message: string; graceMs: number },
  stop: () => Promise<void>,
): void {
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal, graceMs: announcement.graceMs }, announcement.message);
    void (async () => {
      try {
        await stop();
        logger.info('stopped');
      } catch (error) {
        logger.error({ err: error }, 'error while shutting down');
        process.exitCode = 1;
      } finally {
        logger.flush();
        setImmediate(() => process.exit());
      }
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
