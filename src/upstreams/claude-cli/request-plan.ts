import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TurnParameters } from './environment.js';

/**
 * A Messages request read for the CLI: what it can serve faithfully, what configures the process
 * (model, system prompt, sampling: fixed per process), the prior turns and the new user message.
 * Histories are compared by a chained hash of their messages, so a request that continues a live
 * process's conversation can be recognised without keeping the messages themselves.
 */
const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)]);
const message = z.looseObject({ role: z.string(), content });

const requestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(message).min(1),
  system: z
    .union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))])
    .optional(),
  temperature: z.number().optional(),
  top_k: z.number().int().optional(),
  top_p: z.number().optional(),
  stop_sequences: z.array(z.string()).optional(),
  thinking: z.looseObject({ type: z.string(), budget_tokens: z.number().int().optional() }).optional(),
  tools: z.array(z.unknown()).optional(),
  tool_choice: z.unknown().optional(),
});

export type ContentBlock = z.infer<typeof block>;
export type MessageContent = z.infer<typeof content>;
export interface PlainMessage {
  role: 'user' | 'assistant';
  content: MessageContent;
}

export interface TurnPlan {
  model: string;
  systemPrompt: string;
  parameters: TurnParameters;
  /** Same key, same process configuration (model, system prompt, sampling). */
  configKey: string;
  /** The turns before the new user message, as the client sent them. */
  prior: PlainMessage[];
  /** Chained hash of `prior`; '' when there is none. */
  priorKey: string;
  /** The new user message as the client sent it. */
  next: PlainMessage;
  /** Chained hash of prior + next: the base for the history after the answer. */
  nextKey: string;
}

export type PlanResult = { ok: true; plan: TurnPlan } | { ok: false; reason: string };

const USER_BLOCKS = new Set(['text', 'image', 'document']);
const ASSISTANT_BLOCKS = new Set(['text', 'thinking', 'redacted_thinking']);
/** Request fields a CLI process cannot honour. */
const UNSERVABLE_FIELDS = ['tools', 'tool_choice', 'mcp_servers', 'container'] as const;

const plans = new WeakMap<Buffer, PlanResult>();

/** The plan for a request body; computed once per body (the scheduler asks for every account). */
export function planOf(body: Buffer): PlanResult {
  let plan = plans.get(body);
  if (!plan) {
    plan = makePlan(body);
    plans.set(body, plan);
  }
  return plan;
}

function refuse(reason: string): PlanResult {
  return { ok: false, reason: `claude_cli accounts cannot serve this request: ${reason}` };
}

function makePlan(body: Buffer): PlanResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse('the body is not JSON.');
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) return refuse('it is not a valid Messages request.');
  const request = parsed.data;
  for (const field of UNSERVABLE_FIELDS) {
    const value = request[field];
    if (value === undefined || (field === 'tools' && Array.isArray(value) && value.length === 0)) continue;
    return refuse(
      `\`${field}\` is set, and the Claude Code CLI runs with tools off (it would not call client-defined tools).`,
    );
  }
  let thinkingBudget = 0;
  if (request.thinking && request.thinking.type !== 'disabled') {
    if (request.thinking.type !== 'enabled' || request.thinking.budget_tokens === undefined)
      return refuse(`thinking of type '${request.thinking.type}' is not supported.`);
    thinkingBudget = request.thinking.budget_tokens;
  }
  let systemPrompt = '';
  if (typeof request.system === 'string') systemPrompt = request.system;
  else if (request.system) {
    if (request.system.some((b) => b.type !== 'text' || b.text === undefined))
      return refuse('system prompt blocks other than text are not supported.');
    systemPrompt = request.system.map((b) => b.text ?? '').join('\n\n');
  }
  const messages: PlainMessage[] = [];
  for (const [index, m] of request.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant')
      return refuse(`messages.${index}: the role '${m.role}' is not supported.`);
    const allowed = m.role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
    if (typeof m.content !== 'string') {
      const other = m.content.find((b) => !allowed.has(b.type));
      if (other)
        return refuse(
          `messages.${index}: ${m.role} content blocks of type '${other.type}' are not supported.`,
        );
    }
    messages.push({ role: m.role, content: m.content });
  }
  const next = messages.pop() as PlainMessage;
  if (next.role !== 'user')
    return refuse('the last message must be from the user (assistant prefill is not supported).');
  const parameters: TurnParameters = {
    maxTokens: request.max_tokens,
    temperature: request.temperature,
    topK: request.top_k,
    topP: request.top_p,
    stopSequences: request.stop_sequences,
    thinkingBudget,
  };
  const priorKey = historyKey(messages);
  return {
    ok: true,
    plan: {
      model: request.model,
      systemPrompt,
      parameters,
      configKey: sha256(JSON.stringify([request.model, systemPrompt, parameters])),
      prior: messages,
      priorKey,
      next,
      nextKey: extendHistory(priorKey, next),
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** The chained hash of a history; '' for an empty one. */
export function historyKey(messages: readonly PlainMessage[]): string {
  let key = '';
  for (const m of messages) key = extendHistory(key, m);
  return key;
}

export function extendHistory(key: string, message: PlainMessage): string {
  return sha256(`${key}\n${JSON.stringify(normalizeMessage(message))}`);
}

/**
 * A message as compared between requests: string content as one text block, without cache
 * markers or empty citations, which clients add or drop when they send an answer back.
 */
function normalizeMessage(message: PlainMessage): unknown {
  const blocks =
    typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  return [
    message.role,
    blocks.map((b) => {
      const { cache_control: _cache, citations, ...rest } = b as Record<string, unknown>;
      if (Array.isArray(citations) && citations.length > 0) rest['citations'] = citations;
      return rest;
    }),
  ];
}

/**
 * The new user message as written to the CLI. A text block starting with `/` would run a local
 * slash command (e.g. `/cost`) instead of reaching the model; the CLI only treats it as one when a
 * block starts with it, so the leading slashes go in a block of their own. The model still reads
 * the same text.
 */
export function escapeUserContent(content: MessageContent): ContentBlock[] | string {
  if (typeof content === 'string') {
    return startsCommand(content) ? splitSlashes({ type: 'text', text: content }) : content;
  }
  if (!content.some((b) => b.type === 'text' && typeof b['text'] === 'string' && startsCommand(b['text'])))
    return content;
  return content.flatMap((b) =>
    b.type === 'text' && typeof b['text'] === 'string' && startsCommand(b['text']) ? splitSlashes(b) : [b],
  );
}

/** Starts with `/` and has more than slashes (a lone `/` is sent as text by the CLI). */
function startsCommand(text: string): boolean {
  return text.startsWith('/') && /[^/]/.test(text);
}

function splitSlashes(b: ContentBlock): ContentBlock[] {
  const text = b['text'] as string;
  const slashes = /^\/+/.exec(text)?.[0] ?? '';
  return [
    { type: 'text', text: slashes },
    { ...b, text: text.slice(slashes.length) },
  ];
}
