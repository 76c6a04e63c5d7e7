/** Puts rows in every table through the repositories, as the application writes them. */
import { randomBytes, randomUUID } from 'node:crypto';
import { generateApiKeySecret } from '../../src/identity/api-key-secret.js';
import type { SecretBox } from '../../src/identity/secret-box.js';
import { UsageRetentionService } from '../../src/services/usage-retention.js';
import type { Store, UsageRecord } from '../../src/store/index.js';

export interface Filled {
  apiKeySecret: string;
  accountId: string;
  credential: string;
}

export async function fillStore(store: Store, box: SecretBox, usageRows = 50): Promise<Filled> {
  const admin = await store.users.insert({
    id: randomUUID(),
    username: 'admin',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
    role: 'admin',
    mustChangePassword: false,
    limits: { requestsPerMinute: 60 },
    allowedModels: ['claude-sonnet-4-5'],
  });
  const key = generateApiKeySecret();
  const apiKey = await store.apiKeys.insert({
    id: randomUUID(),
    name: 'laptop',
    keyHash: key.hash,
    keyPrefix: key.prefix,
    userId: admin.id,
    expiresAt: null,
    limits: { usdPerDay: 1.5 },
  });
  const accountId = randomUUID();
  const credential = `sk-ant-canary-${randomBytes(8).toString('hex')}`;
  await store.accounts.insert({
    id: accountId,
    name: 'main',
    kind: 'anthropic_api',
    baseUrl: 'http://127.0.0.1:9',
    encryptedCredential: box.seal(credential, accountId),
    maxConcurrency: 4,
    priority: 0,
    weight: 1,
    models: null,
    settings: { note: 'ünïcode ✓', nested: { a: [1, 2.5, null] } },
    cooldownUntil: new Date('2030-01-02T03:04:05.678Z'),
  });
  const start = Date.parse('2026-01-01T00:00:00Z');
  const rows: UsageRecord[] = Array.from({ length: usageRows }, (_, i) => ({
    requestId: `req_${i.toString().padStart(8, '0')}`,
    apiKeyId: apiKey.id,
    userId: admin.id,
    accountId,
    model: 'claude-sonnet-4-5',
    requestedModel: i % 3 === 0 ? 'sonnet' : null,
    stream: i % 2 === 0,
    inputTokens: 100 + i,
    outputTokens: 20 + (i % 7),
    cacheCreationInputTokens: i % 5,
    cacheReadInputTokens: i % 11,
    status: i % 13 === 0 ? 529 : 200,
    errorType: i % 13 === 0 ? 'overloaded_error' : null,
    latencyMs: 300 + i,
    ttftMs: i % 4 === 0 ? null : 120,
    costUsd: Number((0.000123 * (i + 1)).toFixed(6)),
    createdAt: new Date(start + i * 1_000),
  }));
  for (let i = 0; i < rows.length; i += 1_000) await store.usage.insertMany(rows.slice(i, i + 1_000));
  // Roll-ups (usage_hourly, usage_daily) and their watermarks; the ledger rows are kept.
  await new UsageRetentionService(store.usageRollups, { rawDays: 0, hourlyDays: 0 }).run(
    new Date('2026-01-01T02:00:00Z'),
  );
  await store.models.upsert({
    id: 'claude-custom-1',
    displayName: 'Custom "quoted" model',
    contextWindow: 200_000,
    maxOutput: 8_192,
    inputPrice: 3,
    outputPrice: 15,
    cacheWritePrice: 3.75,
    cacheReadPrice: 0.3,
    fallbacks: ['claude-sonnet-4-5'],
    releasedAt: new Date('2025-09-29T00:00:00Z'),
    removed: false,
  });
  await store.models.upsertAlias('custom', 'claude-custom-1');
  await store.audit.append({
    actorType: 'cli',
    actorId: null,
    action: 'account.create',
    targetType: 'account',
    targetId: accountId,
    ip: '127.0.0.1',
    details: { name: 'main' },
  });
  await store.refreshTokens.insert({
    id: randomUUID(),
    familyId: randomUUID(),
    userId: admin.id,
    tokenHash: randomBytes(32).toString('hex'),
    expiresAt: new Date('2030-01-01T00:00:00Z'),
  });
  await store.oidcIdentities.insertWithUser(
    { id: randomUUID(), username: 'sso-user', passwordHash: '!', role: 'member', mustChangePassword: false },
    { issuer: 'https://idp.example.com', subject: 'abc-123' },
  );
  const conversation = await store.conversations.insert({
    id: randomUUID(),
    userId: admin.id,
    title: 'Backups',
    pinned: true,
  });
  await store.conversations.appendMessage({
    id: randomUUID(),
    conversationId: conversation.id,
    role: 'user',
    content: { text: 'How do I restore? \\ "quotes" \u2028 line separator' },
    createdAt: new Date('2026-01-01T00:00:00.5Z'),
  });
  const attachment = await store.chatAttachments.insert({
    id: randomUUID(),
    userId: admin.id,
    conversationId: null,
    name: 'tiny "one".png',
    mediaType: 'image/png',
    size: 8,
    data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64'),
  });
  await store.chatAttachments.claim([attachment.id], admin.id, conversation.id);
  await store.settings.upsert('registrationOpen', true, admin.id);
  return { apiKeySecret: key.secret, accountId, credential };
}
