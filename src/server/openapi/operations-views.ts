/**
 * Answer schemas of the workers, queue and settings routes, typed against the services' views (see
 * views.ts for why), for the OpenAPI document and the test that checks real answers against it.
 */
import { z } from 'zod';
import { keyLimitsSchema } from '../../identity/key-limits.js';
import type { QueueEntryView, QueueView } from '../../services/request-queue.js';
import type { SettingMeta, SettingsView } from '../../services/settings-types.js';
import type { WorkersView, WorkerView } from '../../services/workers.js';
import { named } from './route-doc.js';

const timestamp = z.iso.datetime({ offset: true });

const worker: z.ZodType<WorkerView> = z.object({
  id: z.string(),
  host: z.string(),
  embedded: z.boolean(),
  status: z.enum(['live', 'lost']),
  state: z.enum(['running', 'draining', 'drained']),
  accounts: z.array(z.object({ id: z.string(), name: z.string().nullable() })),
  capacity: z.number().int(),
  inFlight: z.number().int().nullable(),
  version: z.string(),
  startedAt: timestamp,
  lastSeenAt: timestamp,
});

const workers: z.ZodType<WorkersView> = z.object({
  mode: z.enum(['embedded', 'distributed']),
  workers: z.array(worker),
});

const queueEntry: z.ZodType<QueueEntryView> = z.object({
  requestId: z.string(),
  jobId: z.string().nullable(),
  state: z.enum(['waiting', 'active']),
  model: z.string(),
  stream: z.boolean(),
  operation: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  apiKeyName: z.string().nullable(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  accountId: z.string().nullable(),
  accountName: z.string().nullable(),
  worker: z.string().nullable(),
  gateway: z.string().nullable(),
  since: timestamp,
  ageMs: z.number(),
});

const queue: z.ZodType<QueueView> = z.object({
  mode: z.enum(['embedded', 'distributed']),
  depth: z.number().int(),
  waiting: z.number().int(),
  active: z.number().int(),
  complete: z.boolean(),
  entries: z.array(queueEntry),
});

const cancelled = z.object({
  requestId: z.string(),
  state: z.enum(['waiting', 'active']),
  jobs: z.array(z.string()),
});

const settingValues = z.object({
  registrationOpen: z.boolean(),
  defaultKeyLimits: keyLimitsSchema,
  anthropicApiOnly: z.boolean(),
});

const meta: z.ZodType<SettingMeta> = z.object({
  source: z.enum(['default', 'database']),
  updatedAt: timestamp.nullable(),
  updatedBy: z.string().nullable(),
});

const settings: z.ZodType<SettingsView> = z.object({
  values: settingValues,
  defaults: settingValues,
  meta: z.object({ registrationOpen: meta, defaultKeyLimits: meta, anthropicApiOnly: meta }),
  excludedAccounts: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
});

export const operationsViews = {
  workers: named('Workers', workers),
  worker: named('Worker', worker),
  queue: named('RequestQueue', queue),
  cancelled: named('CancelledRequest', cancelled),
  settings: named('Settings', settings),
};
