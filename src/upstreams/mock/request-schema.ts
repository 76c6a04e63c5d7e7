import { z } from 'zod';
import {
  countTokensRequestSchema,
  messageParamSchema,
  messagesRequestSchema,
} from '../../protocols/anthropic/messages-schema.js';

/**
 * The shared request schemas, widened to what the real API accepts from Claude Code: with the
 * `mid-conversation-system-2026-04-07` beta (Claude Code 2.1.x sends it), `messages` may hold
 * `role: "system"` entries. The shared schema only allows user/assistant, so Claude Code would get
 * a 400 from a mock that used it as is.
 */
const mockMessageParamSchema = messageParamSchema.extend({ role: z.enum(['user', 'assistant', 'system']) });
const messages = z.array(mockMessageParamSchema).min(1);

export const mockMessagesRequestSchema = messagesRequestSchema.extend({ messages });
export const mockCountTokensRequestSchema = countTokensRequestSchema.extend({ messages });

export type MockMessagesRequest = z.infer<typeof mockMessagesRequestSchema>;
export type MockMessageParam = z.infer<typeof mockMessageParamSchema>;
