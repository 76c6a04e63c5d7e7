import { z } from 'zod';

/**
 * The Messages request as far as the gateway needs to understand it. Unknown fields pass through
 * untouched (new API features must not need a Switchyard release); the raw body is forwarded as-is.
 */
const contentBlock = z.looseObject({ type: z.string().min(1) });

// Roles beyond user/assistant appear as the API grows (Claude Code already sends `system`
// messages), so any role name passes and the upstream decides.
export const messageParamSchema = z.looseObject({
  role: z.string().min(1).max(64),
  content: z.union([z.string(), z.array(contentBlock)]),
});

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  max_tokens: z.number().int().positive(),
  messages: z.array(messageParamSchema).min(1),
  system: z.union([z.string(), z.array(contentBlock)]).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().max(512).nullish() }).optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const countTokensRequestSchema = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(messageParamSchema).min(1),
  system: z.union([z.string(), z.array(contentBlock)]).optional(),
});

export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

/**
 * Fields some peer gateways honour to redirect a request to another host. Switchyard never
 * does: where a request goes is server-side account configuration only.
 */
export const UPSTREAM_OVERRIDE_FIELDS = [
  'api_base',
  'base_url',
  'baseURL',
  'api_url',
  'endpoint',
  'upstream_url',
  'url',
] as const;

const usageNumber = z.number().int().min(0).nullish();

export const usageSchema = z.looseObject({
  input_tokens: usageNumber,
  output_tokens: usageNumber,
  cache_creation_input_tokens: usageNumber,
  cache_read_input_tokens: usageNumber,
});

export type WireUsage = z.infer<typeof usageSchema>;

export const upstreamErrorBodySchema = z.looseObject({
  type: z.literal('error'),
  error: z.looseObject({ type: z.string(), message: z.string().optional() }),
});

export const messageStartEventSchema = z.looseObject({
  type: z.literal('message_start'),
  message: z.looseObject({ model: z.string().optional(), usage: usageSchema }),
});

export const messageDeltaEventSchema = z.looseObject({
  type: z.literal('message_delta'),
  usage: usageSchema.optional(),
});
