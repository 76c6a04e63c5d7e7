import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAccount, MODEL, startCliRig, withoutReminder, type CliRig } from './rig.js';

type Param = Anthropic.MessageParam;

/** A 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
/** A minimal one-page PDF. */
const PDF = Buffer.from(
  '%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
).toString('base64');

describe('claude_cli conversations', () => {
  let rig: CliRig;

  beforeAll(async () => {
    rig = await startCliRig((url) => [cliAccount('cli-conv', url)]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('serves a three-turn conversation from one warm process (no new spawn after the first turn)', async () => {
    const system = 'conversation test: reuse';
    const ask = (messages: Param[]) =>
      rig.client.messages.create({ model: MODEL, max_tokens: 200, system, messages });
    const history: Param[] = [{ role: 'user', content: 'my name is Ada [[mock echo]]' }];
    const first = await ask(history);
    await rig.settled();
    const afterFirst = rig.stats();
    expect(afterFirst.processes.idle).toBe(1);

    history.push(
      { role: 'assistant', content: first.content },
      { role: 'user', content: 'and my age is 36 [[mock echo]]' },
    );
    // The second turn streams: the answer a streaming client assembles continues the conversation too.
    const second = await rig.client.messages
      .stream({ model: MODEL, max_tokens: 200, system, messages: history })
      .finalMessage();
    history.push(
      { role: 'assistant', content: second.content },
      { role: 'user', content: 'what do you know? [[mock echo]]' },
    );
    const third = await ask(history);
    await rig.settled();
    const afterThird = rig.stats();

    expect(third.content[0]).toMatchObject({ type: 'text', text: 'what do you know?' });
    expect(afterThird.spawns.cold + afterThird.spawns.resume).toBe(
      afterFirst.spawns.cold + afterFirst.spawns.resume,
    );
    expect(afterThird.reuses.conversation - afterFirst.reuses.conversation).toBe(2);
    // The process's own history went upstream: all five messages, in order.
    const upstream = await rig.lastRequest();
    expect(upstream.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(withoutReminder(upstream.messages[2]?.content ?? '')).toEqual([
      { type: 'text', text: 'and my age is 36 [[mock echo]]' },
    ]);
  });

  it('serves a stateless request with prior turns: the history reaches upstream exactly', async () => {
    const before = rig.stats();
    const messages: Param[] = [
      { role: 'user', content: 'my name is Bob' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hi Bob, nice to meet you.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first part' },
          { type: 'text', text: 'what is my name?' },
        ],
      },
      { role: 'assistant', content: 'You said Bob.' },
      { role: 'user', content: 'thanks [[mock echo]]' },
    ];
    const message = await rig.client.messages.create({ model: MODEL, max_tokens: 100, messages });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'thanks' });
    expect(rig.stats().spawns.resume).toBe(before.spawns.resume + 1);
    const upstream = await rig.lastRequest();
    const asBlocks = (content: Param['content']) =>
      typeof content === 'string' ? [{ type: 'text', text: content }] : content;
    expect(upstream.messages.map((m) => ({ role: m.role, content: withoutReminder(m.content) }))).toEqual(
      messages.map((m) => ({ role: m.role, content: asBlocks(m.content) })),
    );
    await rig.settled();
  });

  it('passes image and PDF content blocks through to upstream', async () => {
    const content: Anthropic.ContentBlockParam[] = [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
      { type: 'text', text: 'what are these?' },
    ];
    const message = await rig.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content }],
    });
    expect(message.stop_reason).toBe('end_turn');
    const blocks = withoutReminder((await rig.lastRequest()).messages[0]?.content ?? '');
    expect(blocks).toEqual(content);
    await rig.settled();
  });
});
