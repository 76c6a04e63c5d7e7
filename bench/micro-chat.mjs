// `node bench/micro-chat.mjs [rounds]`: in-process microbenchmarks of the OpenAI Chat Completions
// route's own work (after `npm run build`), A/B alternating in one process, medians reported:
//   request side: chat request bytes → Anthropic body bytes (zod + requestToAnthropic + stringify
//     against the fast path), for the bench's request and a few realistic shapes;
//   stream side: the mock's whole `--words 20` SSE answer through usage meter + translator.
// The machine is shared and noisy: compare variants within one run, not across runs.
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fetch } from 'undici';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(pathToFileURL(join(ROOT, 'dist', path)).href);
const ROUNDS = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 7;

const { chatCompletionRequestSchema } = await dist('protocols/openai/chat-request-schema.js');
const { requestToAnthropic } = await dist('protocols/openai/request-to-anthropic.js');
const { parseInput } = await dist('services/parse-input.js');
const { parseJsonBody } = await dist('server/json-body.js');
const { StreamUsageMeter } = await dist('protocols/anthropic/usage.js');
const { ChatStreamTranslator } = await dist('protocols/openai/stream-translator.js');
const { startMockUpstream } = await dist('upstreams/mock/server.js');
const fast = await dist('protocols/openai/chat-request-check.js').catch(() => undefined);

const MAPPING = { remoteImages: 'refuse' };
const PNG = `data:image/png;base64,${Buffer.alloc(3000, 7).toString('base64')}`;
const requests = {
  bench: {
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    stream: true,
    stream_options: { include_usage: true },
    messages: [
      { role: 'user', content: 'Compare optimistic and pessimistic locking in two short paragraphs.' },
    ],
  },
  system_multiturn: {
    model: 'claude-sonnet-4-6',
    temperature: 0.7,
    stream: true,
    messages: [
      { role: 'system', content: 'You are a terse assistant. Answer in one paragraph.' },
      { role: 'user', content: 'What is a mutex?' },
      { role: 'assistant', content: 'A lock that lets one thread at a time into a critical section.' },
      { role: 'user', content: 'And a semaphore?' },
      { role: 'assistant', content: 'A counter of permits; a mutex is a semaphore of one.' },
      { role: 'user', content: 'When would I pick one over the other?' },
    ],
  },
  tools: {
    model: 'claude-sonnet-4-6',
    max_completion_tokens: 1024,
    tool_choice: 'auto',
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
            required: ['city'],
          },
        },
      },
    ],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21,"unit":"c"}' },
    ],
  },
  image: {
    model: 'claude-sonnet-4-6',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: PNG, detail: 'auto' } },
        ],
      },
    ],
  },
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** µs per call of fn, over enough iterations for ~150 ms. */
function time(fn) {
  let n = 0;
  const calibrate = performance.now();
  while (performance.now() - calibrate < 20) {
    fn();
    n++;
  }
  const iterations = Math.max(50, n * 7);
  const from = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - from) * 1000) / iterations;
}

function compare(label, variants) {
  const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(variants)) samples[name].push(time(fn));
  }
  const cells = Object.entries(samples).map(([name, values]) => `${name} ${median(values).toFixed(2)} µs`);
  console.log(`${label.padEnd(28)} ${cells.join('   ')}`);
}

// --- request side
const zodPath = (bytes) => {
  const parsed = parseInput(chatCompletionRequestSchema, parseJsonBody(bytes));
  return Buffer.from(JSON.stringify(requestToAnthropic(parsed, MAPPING)));
};
for (const [name, request] of Object.entries(requests)) {
  const bytes = Buffer.from(JSON.stringify(request));
  const variants = { zod: () => zodPath(bytes) };
  if (fast) {
    const fastPath = () => {
      const json = parseJsonBody(bytes);
      if (!fast.isPlainChatRequest(json)) throw new Error(`not on the fast path: ${name}`);
      return Buffer.from(JSON.stringify(requestToAnthropic(json, MAPPING)));
    };
    if (!fastPath().equals(zodPath(bytes))) throw new Error(`fast path differs on ${name}`);
    variants.fast = fastPath;
  }
  compare(`request ${name} (${bytes.length} B)`, variants);
}

// --- stream side
const mock = await startMockUpstream({ behavior: { words: 20 } });
const answer = Buffer.from(
  await (
    await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-x',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ ...requests.bench, stream_options: undefined }),
    })
  ).arrayBuffer(),
);
await mock.close();
const context = {
  requestId: 'req_0123456789abcdef',
  model: 'claude-sonnet-4-6',
  includeUsage: true,
  created: 1,
};
const variants = {
  meter: () => {
    const meter = new StreamUsageMeter();
    meter.push(answer);
    meter.end();
  },
  'meter+translator': () => {
    const meter = new StreamUsageMeter();
    const translator = new ChatStreamTranslator(context);
    meter.push(answer);
    const out = translator.push(answer) + translator.end();
    meter.end();
    return Buffer.from(out);
  },
};
if (ChatStreamTranslator.prototype.pushMetered) {
  variants.fused = () => {
    const meter = new StreamUsageMeter();
    const translator = new ChatStreamTranslator(context);
    const out = translator.pushMetered(answer, meter) + translator.endMetered(meter) + translator.end();
    return Buffer.from(out);
  };
}
// MICRO_BASELINE=<another checkout's dist>: its meter + translator too, e.g. the code before a change.
if (process.env.MICRO_BASELINE) {
  const base = (path) => import(pathToFileURL(join(resolve(process.env.MICRO_BASELINE), path)).href);
  const { StreamUsageMeter: BaseMeter } = await base('protocols/anthropic/usage.js');
  const { ChatStreamTranslator: BaseTranslator } = await base('protocols/openai/stream-translator.js');
  variants.baseline = () => {
    const meter = new BaseMeter();
    const translator = new BaseTranslator(context);
    meter.push(answer);
    const out = translator.push(answer) + translator.end();
    meter.end();
    return Buffer.from(out);
  };
}
compare(`stream (${answer.length} B in)`, variants);
