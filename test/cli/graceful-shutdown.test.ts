import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import path from 'node:path';
import { baseEnv, makeDataDir, runCli, startServer } from '../support/cli.js';

/** SIGTERM with live streams: none is cut, the ledger is flushed, the process exits 0. */
describe('graceful shutdown', () => {
  it('lets live streams finish, refuses new work, flushes usage and exits 0', async () => {
    const data = await makeDataDir();
    const server = await startServer(data.dir, { SHUTDOWN_GRACE_MS: '15000' });
    try {
      const key = (await runCli(['keys', 'create', '--name', 'k'], baseEnv(data.dir))).stdout.trim();
      const body = JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'slow please [[mock tps=40 words=40]]' }],
      });
      const streams = Array.from({ length: 5 }, () =>
        fetch(`${server.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body,
        }),
      );
      const responses = await Promise.all(streams);
      expect(responses.every((r) => r.status === 200)).toBe(true);
      const exited = server.stop('SIGTERM');
      const texts = await Promise.all(responses.map((r) => r.text()));
      for (const text of texts) {
        expect(text).toContain('event: message_stop');
        expect(text.match(/event: content_block_delta/g)).toHaveLength(40);
      }
      // A new request is refused: either the listener is gone, or a kept-alive connection gets
      // an Anthropic-shaped 503 that the SDKs retry elsewhere.
      const late = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
        () => undefined,
      );
      if (late) {
        expect(late.status).toBe(503);
        expect(JSON.parse(late.body)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      }
      expect(await exited).toBe(0);

      const store = await openStore({ kind: 'pglite', dir: path.join(data.dir, 'db') });
      try {
        const rows = await store.usage.list();
        expect(rows.filter((r) => r.status === 200 && r.outputTokens === 40)).toHaveLength(5);
      } finally {
        await store.close();
      }
    } finally {
      await server.stop('SIGKILL');
      await data.remove();
    }
  });
});
