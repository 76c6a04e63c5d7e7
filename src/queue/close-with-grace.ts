import type { JobConsumer } from './job-queue.js';

/**
 * How a worker stops on SIGTERM/SIGINT: stop taking jobs and let running ones finish (live
 * streams end normally); what is still running after the grace period is abandoned, and the
 * queue delivers it again. Resolves to whether everything finished in time.
 */
export async function closeWithGrace(consumer: JobConsumer, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const graceful = consumer.close().then(() => 'closed' as const);
  const result = await Promise.race([graceful, timeout]);
  clearTimeout(timer);
  if (result === 'closed') return true;
  await consumer.close({ force: true });
  return false;
}
