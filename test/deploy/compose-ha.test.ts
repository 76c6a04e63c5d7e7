/**
 * deploy/compose.ha.yml, checked without a Docker engine (as test/deploy/compose.test.ts does for
 * docker-compose.yml): merged over the base file the way `docker compose -f … -f …` merges, it
 * adds a replica and three sentinels watching the base Redis with a quorum of two, and every
 * Switchyard process finds Redis through them under the master name they monitor.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
}

const base = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> })
  .services;
const override = (
  parse(read('deploy/compose.ha.yml'), { merge: true }) as { services: Record<string, Service> }
).services;
/** Compose's merge: an override's command replaces the base's, environment maps merge key by key. */
const merged: Record<string, Service> = { ...base };
for (const [name, service] of Object.entries(override)) {
  const under = base[name] ?? {};
  merged[name] = {
    ...under,
    ...service,
    environment: { ...under.environment, ...service.environment },
  };
}

describe('deploy/compose.ha.yml', () => {
  const sentinels = Object.keys(merged).filter((name) => name.startsWith('redis-sentinel-'));
  const config = (service: Service) => service.command!.join(' ');

  it('adds a durable replica of the base Redis and three sentinels with a quorum of two', () => {
    expect(sentinels).toHaveLength(3);
    expect(config(merged['redis-replica']!)).toMatch(/--replicaof redis 6379/);
    expect(config(merged['redis-replica']!)).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
    expect(config(merged['redis']!)).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
    for (const name of sentinels) {
      expect(config(merged[name]!)).toMatch(/sentinel monitor switchyard redis 6379 2\n/);
      expect(config(merged[name]!)).toMatch(/exec redis-sentinel /);
    }
  });

  it('points every Switchyard process at the sentinels, under the monitored name', () => {
    const switchyard = Object.entries(merged).filter(([, service]) => service.build === '.');
    expect(switchyard.map(([name]) => name).sort()).toEqual(
      ['gateway-1', 'gateway-2', 'migrate', 'worker-1', 'worker-2'].sort(),
    );
    for (const [, service] of switchyard) {
      const env = service.environment!;
      expect(
        env['REDIS_SENTINELS']!.split(',')
          .map((item) => item.split(':')[0])
          .sort(),
      ).toEqual(sentinels.sort());
      const redis = loadConfig(
        Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('REDIS_'))),
      ).redis!;
      expect(redis.url).toBeUndefined();
      expect(redis.sentinel).toMatchObject({ masterName: 'switchyard' });
      expect(redis.sentinel!.sentinels.every((s) => s.port === 26379)).toBe(true);
    }
  });
});
