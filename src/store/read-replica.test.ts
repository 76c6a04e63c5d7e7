import { describe, expect, it } from 'vitest';
import type { StoreDatabase } from './database.js';
import { ReplicaRouter } from './read-replica.js';

interface Reports {
  total(): Promise<string>;
  write(): Promise<string>;
}

describe('replica router', () => {
  it('sends the named reads to the replica, everything else to the primary', async () => {
    const router = new ReplicaRouter({} as StoreDatabase);
    const primary: Reports = { total: async () => 'primary', write: async () => 'primary' };
    const replica: Reports = { total: async () => 'replica', write: async () => 'replica' };
    const routed = router.route(primary, replica, ['total']);
    expect([await routed.total(), await routed.write()]).toEqual(['replica', 'primary']);
    expect([router.reads, router.fallbacks]).toEqual([1, 0]);
  });

  it('falls back to the primary when the replica fails, and leaves it alone for 5 s', async () => {
    let now = 0;
    let replicaCalls = 0;
    let replicaUp = false;
    const router = new ReplicaRouter({} as StoreDatabase, () => now);
    const primary: Reports = { total: async () => 'primary', write: async () => 'primary' };
    const replica: Reports = {
      total: async () => {
        replicaCalls++;
        if (!replicaUp) throw new Error('connection refused');
        return 'replica';
      },
      write: async () => 'replica',
    };
    const routed = router.route(primary, replica, ['total']);
    expect(await routed.total()).toBe('primary');
    replicaUp = true;
    now = 4_999;
    expect(await routed.total()).toBe('primary');
    expect(replicaCalls).toBe(1);
    now = 5_000;
    expect(await routed.total()).toBe('replica');
    expect([router.reads, router.fallbacks]).toEqual([1, 2]);
  });
});
