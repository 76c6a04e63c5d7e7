// Sequential streaming requests on one keep-alive connection: time to the first body byte.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { summarize } from './stats.mjs';

function once(agent, url, headers, body) {
  return new Promise((resolve) => {
    let firstByteMs;
    let text = '';
    const started = performance.now();
    const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        firstByteMs ??= performance.now() - started;
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, firstByteMs, text }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
    req.end(body);
  });
}

/**
 * Runs `count` streaming requests one after another, after `warmup` unrecorded ones. Each answer
 * is checked: status 200, `expectedDeltas` text deltas, and a final `message_stop`.
 */
export async function probeTtfb({ url, headers, body, count, warmup = 50, expectedDeltas }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const firstBytes = [];
  const failures = { non2xx: 0, errors: 0, malformed: 0 };
  try {
    for (let i = 0; i < warmup + count; i++) {
      const answer = await once(agent, url, headers, body);
      if (i < warmup) continue;
      if (answer.error) failures.errors++;
      else if (answer.status < 200 || answer.status >= 300) failures.non2xx++;
      else {
        const deltas = answer.text.split('event: content_block_delta').length - 1;
        if (deltas !== expectedDeltas || !answer.text.includes('event: message_stop')) failures.malformed++;
        firstBytes.push(answer.firstByteMs);
      }
    }
  } finally {
    agent.destroy();
  }
  return { ...summarize(firstBytes), ...failures };
}
