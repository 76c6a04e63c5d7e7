/**
 * No Docker engine runs here, so the deployment files are checked for what can be checked without
 * one: the compose file parses and describes the documented topology, every command it runs is a
 * real `switchyard` command, every variable it reads is documented in .env.example, Prometheus
 * scrapes every gateway and loads the alert rules, Grafana finds the dashboards, and the Dockerfile
 * pins the same Claude Code version as the tests (the rules and dashboards themselves:
 * monitoring.test.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const run = promisify(execFile);

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const byCommand = (name: string) =>
  Object.entries(services).filter(([, service]) => service.command?.[0] === name);

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Redis, 2 gateways, 2 workers, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'gateway-1',
        'gateway-2',
        'grafana',
        'migrate',
        'postgres',
        'prometheus',
        'redis',
        'worker-1',
        'worker-2',
      ].sort(),
    );
    expect(byCommand('gateway').map(([name]) => name)).toEqual(['gateway-1', 'gateway-2']);
    expect(byCommand('worker').map(([name]) => name)).toEqual(['worker-1', 'worker-2']);
  });

  it('keeps Redis durable (AOF) and never evicting', () => {
    const command = services['redis']?.command ?? [];
    expect(command.join(' ')).toMatch(/--appendonly yes/);
    expect(command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
  });

  it('gives every Switchyard process the same database, Redis and master key', () => {
    const switchyard = Object.values(services).filter((service) => service.build === '.');
    expect(switchyard).toHaveLength(5); // migrate, 2 gateways, 2 workers
    const shared = (service: Service) => {
      const env = service.environment ?? {};
      return [env['DATABASE_URL'], env['REDIS_URL'], env['SWITCHYARD_MASTER_KEY']];
    };
    const first = shared(switchyard[0]!);
    expect(first.every((value) => typeof value === 'string' && value.length > 0)).toBe(true);
    for (const service of switchyard) expect(shared(service)).toEqual(first);
    // Each process keeps its own data dir (a worker's holds its claude_cli accounts' config dirs).
    const dataVolumes = switchyard.flatMap((service) => service.volumes ?? []);
    expect(new Set(dataVolumes).size).toBe(dataVolumes.length);
  });

  it('documents every variable it reads in .env.example', () => {
    const used = new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const documented = new Set([...read('.env.example').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('has Prometheus scrape every gateway and every worker', () => {
    const prometheus = parse(read('deploy/prometheus.yml')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    const workers = byCommand('worker').map(([name, service]) => {
      const port = service.environment?.['WORKER_METRICS_PORT'];
      expect(port).toMatch(/^\d+$/);
      return `${name}:${port}`;
    });
    expect(targets.sort()).toEqual(
      [...byCommand('gateway').map(([name]) => `${name}:3000`), ...workers].sort(),
    );
  });

  it('mounts the alert rules where Prometheus loads them, and the dashboards where Grafana looks', () => {
    const mounts = (service: string) =>
      new Map(
        (services[service]?.volumes ?? []).map((volume) => {
          const [source = '', target = ''] = volume.split(':');
          return [target, source];
        }),
      );
    const prometheus = parse(read('deploy/prometheus.yml')) as { rule_files: string[] };
    const prometheusMounts = mounts('prometheus');
    expect(prometheus.rule_files.length).toBeGreaterThan(0);
    for (const file of prometheus.rule_files) {
      const source = prometheusMounts.get(file);
      expect(source, file).toBe('./deploy/prometheus/alerts.yml');
      expect(existsSync(path.join(ROOT, source!))).toBe(true);
    }
    const grafanaMounts = mounts('grafana');
    expect(grafanaMounts.get('/etc/grafana/provisioning')).toBe('./deploy/grafana/provisioning');
    const provider = parse(read('deploy/grafana/provisioning/dashboards/switchyard.yml')) as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    for (const { type, options } of provider.providers) {
      expect(type).toBe('file');
      expect(grafanaMounts.get(options.path)).toBe('./deploy/grafana/dashboards');
    }
  });

  it('runs only commands the switchyard CLI has', async () => {
    const main = path.join(ROOT, 'dist', 'main.js');
    for (const command of new Set(
      Object.values(services).flatMap((s) => (s.build === '.' ? [s.command?.[0]] : [])),
    )) {
      const { stdout } = await run(process.execPath, [main, command!, '--help']);
      expect(stdout).toContain(`Usage: switchyard ${command}`);
    }
    const { stdout } = await run(process.execPath, [main, 'worker', '--help']);
    expect(stdout).toContain('--accounts');
    expect(stdout).toContain('--id');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in one stage and runs as a non-root user in another, with the migrations', () => {
    expect(dockerfile).toMatch(/^FROM node:20\S* AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:20\S* AS runtime$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/main.js"]');
    expect(dockerfile).toContain('/app/src/store/migrations');
    expect(existsSync(path.join(ROOT, 'src', 'store', 'migrations'))).toBe(true);
  });

  it('pins the Claude Code version the tests run', () => {
    const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
    const pinned = pkg.devDependencies['@anthropic-ai/claude-code']?.replace(/^[\^~]/, '');
    expect(dockerfile).toContain(`ARG CLAUDE_CODE_VERSION=${pinned}`);
  });
});
