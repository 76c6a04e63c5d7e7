/**
 * Cancels on real Redis: a worker that has heard every cancel since a job was submitted answers
 * "cancelled?" from memory; one whose subscription broke, or for a job older than its subscription,
 * reads the job's cancel key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisJobControl } from '../../src/cluster/job-control.js';
import { QueueUnavailableError } from '../../src/queue/queue-unavailable-error.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import {
  commandConnection,
  deleteKeys,
  freshPrefix,
  TEST_REDIS_URL,
  waitFor,
} from '../queue/redis-test-support.js';

const FUTURE_MS = 60_000;

describe('RedisJobControl cancels', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const keys = new RedisKeys(freshPrefix());
    const gatewayClient = await commandConnection();
    const workerClient = await commandConnection();
    const gateway = new RedisJobControl(gatewayClient, keys, TEST_REDIS_URL);
    const worker = new RedisJobControl(workerClient, keys, TEST_REDIS_URL);
    const heard: string[] = [];
    await worker.onCancel((jobId) => heard.push(jobId));
    cleanups.push(async () => {
      await worker.close();
      await gateway.close();
      await deleteKeys(gatewayClient, keys.prefix);
      gatewayClient.disconnect();
      workerClient.disconnect();
    });
    return { keys, gateway, worker, gatewayClient, workerClient, heard };
  }

  it('answers from what it heard, and reads the key only for jobs older than its subscription', async () => {
    const { gateway, worker, workerClient, heard } = await setup();
    await gateway.cancel('job-a', 60_000);
    await waitFor(() => (heard.includes('job-a') ? true : undefined));
    // Without a connection, only answers that need no read can come back.
    workerClient.disconnect();
    const later = Date.now() + FUTURE_MS;
    expect(await worker.isCancelled('job-a', later)).toBe(true);
    expect(await worker.isCancelled('job-b', later)).toBe(false);
    await expect(worker.isCancelled('job-b', Date.now() - FUTURE_MS)).rejects.toBeInstanceOf(
      QueueUnavailableError,
    );
    await expect(worker.isCancelled('job-b')).rejects.toBeInstanceOf(QueueUnavailableError);
  });

  it(
    'reads the key after its subscription broke, and hears cancels again once it is back',
    { timeout: 30_000 },
    async () => {
      const { keys, gateway, worker, gatewayClient, heard } = await setup();
      // Past the clock margin (5 s), a job submitted now would be answered from memory, were it not
      // for the break below.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      const clients = (await gatewayClient.client('LIST')) as string;
      const line = clients.split('\n').find((entry) => entry.includes(`name=${keys.prefix}-cancels`));
      const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      await gatewayClient.client('KILL', 'ID', id!);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A cancel whose message was lost while the subscriber was away: only its key says so.
      await gatewayClient.set(keys.cancel('job-c'), '1', 'PX', 60_000);
      expect(await worker.isCancelled('job-c', Date.now())).toBe(true);
      expect(await worker.isCancelled('job-d', Date.now())).toBe(false);
      // Back and resubscribed: heard again.
      await waitFor(async () => {
        await gateway.cancel('job-e', 60_000);
        return heard.includes('job-e') ? true : undefined;
      }, 10_000);
    },
  );
});
