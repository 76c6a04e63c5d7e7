import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { internalDatabaseOf } from '../../../src/store/internal.js';
import type { NewAuditEntry } from '../../../src/store/index.js';
import { useStore, type OpenStore } from './harness.js';

const entry = (overrides: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  actorType: 'user',
  actorId: 'u-1',
  action: 'account.create',
  targetType: 'account',
  targetId: 'a-1',
  ip: '192.0.2.7',
  details: {},
  ...overrides,
});

export function auditContract(open: OpenStore): void {
  describe('audit', () => {
    const store = useStore(open);

    it('appends with a fresh id and the current time', async () => {
      const input = entry({ details: { name: 'primary', nested: { ok: true, list: [1, 'two'] } } });
      const appended = await store().audit.append(input);
      expect(appended).toEqual({ ...input, id: expect.any(String), at: expect.any(Date) });
      expect(Math.abs(appended.at.getTime() - Date.now())).toBeLessThan(60_000);
      const [listed] = await store().audit.list({ action: 'account.create' });
      expect(listed).toEqual(appended);
    });

    it('keeps a given time and nulls', async () => {
      const at = new Date('2025-09-10T11:12:13.141Z');
      const input = entry({
        at,
        actorType: 'cli',
        actorId: null,
        targetType: null,
        targetId: null,
        ip: null,
      });
      const appended = await store().audit.append(input);
      expect(appended).toEqual({ ...input, id: expect.any(String) });
      expect(appended.at.toISOString()).toBe(at.toISOString());
    });

    it('lists newest first, filtered by action, with a limit', async () => {
      const times = [1, 2, 3].map((day) => new Date(`2024-05-0${day}T00:00:00.000Z`));
      for (const at of times) await store().audit.append(entry({ action: 'key.revoke', at }));
      const listed = await store().audit.list({ action: 'key.revoke' });
      expect(listed.map((e) => e.at.toISOString())).toEqual(times.map((t) => t.toISOString()).reverse());
      expect(await store().audit.list({ action: 'key.revoke', limit: 2 })).toHaveLength(2);
      expect(await store().audit.list({ action: "' OR 1=1--" })).toEqual([]);
      expect((await store().audit.list()).length).toBeGreaterThanOrEqual(5);
    });

    it('filters by actor, target and time range, and pages by (at, id)', async () => {
      const actorId = randomUUID();
      const at = (minute: number) => new Date(`2023-03-03T10:${String(minute).padStart(2, '0')}:00.000Z`);
      for (let minute = 0; minute < 5; minute++) {
        await store().audit.append(
          entry({ actorId, targetId: minute % 2 ? 'odd' : 'even', action: 'filter.test', at: at(minute) }),
        );
      }
      // Two at the same instant: the id breaks the tie.
      await store().audit.append(entry({ actorId, targetId: 'even', action: 'filter.test', at: at(4) }));
      const mine = await store().audit.list({ actorId });
      expect(mine).toHaveLength(6);
      expect(
        (await store().audit.list({ actorId, targetId: 'odd' })).map((e) => e.at.getUTCMinutes()),
      ).toEqual([3, 1]);
      expect(
        (await store().audit.list({ actorId, from: at(1), to: at(3) })).map((e) => e.at.getUTCMinutes()),
      ).toEqual([2, 1]);
      const pages: string[] = [];
      let before: { at: Date; id: string } | undefined;
      for (;;) {
        const page = await store().audit.list({ actorId, limit: 2, before });
        if (page.length === 0) break;
        pages.push(...page.map((e) => e.id));
        const last = page.at(-1);
        before = last && { at: last.at, id: last.id };
      }
      expect(pages).toEqual(mine.map((e) => e.id));
      expect(await store().audit.list({ actorId: "' OR 1=1--" })).toEqual([]);
      expect(await store().audit.list({ actorId, before: { at: at(9), id: "' OR 1=1--" } })).toHaveLength(6);
    });

    it('refuses UPDATE, DELETE and TRUNCATE even through raw SQL', async () => {
      await store().audit.append(entry());
      const db = internalDatabaseOf(store());
      // Drizzle wraps the database error; the trigger's own message is on the cause.
      const refusal = (query: Promise<unknown>) =>
        query.then(
          () => 'accepted',
          (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message),
        );
      expect(await refusal(db.execute(sql`update audit_log set action = 'tampered'`))).toMatch(
        /append-only: UPDATE/,
      );
      expect(await refusal(db.execute(sql`delete from audit_log`))).toMatch(/append-only: DELETE/);
      expect(await refusal(db.execute(sql`truncate audit_log`))).toMatch(/append-only: TRUNCATE/);
      const all = await store().audit.list({ limit: 1_000 });
      expect(all.length).toBeGreaterThanOrEqual(6);
      expect(all.some((e) => e.action === 'tampered')).toBe(false);
    });
  });
}
