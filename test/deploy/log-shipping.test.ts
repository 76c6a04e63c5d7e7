/**
 * The log shipping setups (deploy/loki/, deploy/elasticsearch/) are not run here (no Docker), so
 * they are checked against what they depend on: every JSON key they read is one a real gateway
 * writes (its access line and a pino line, taken from a running gateway), timestamps parse in the
 * format they declare, the request id is never a Loki label, and every file their compose
 * overlays mount exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

let gateway: TestGateway;
/** A gateway's JSON lines: the access line of a request, and everything pino wrote. */
let lines: Array<Record<string, unknown>>;
let accessLine: Record<string, unknown>;

beforeAll(async () => {
  gateway = await startTestGateway();
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get('request-id');
  await response.text();
  lines = await (async () => {
    for (let i = 0; i < 100; i++) {
      const parsed = gateway.logs
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      if (parsed.some((l) => l['requestId'] === requestId)) return parsed;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no access line');
  })();
  accessLine = lines.find((l) => l['requestId'] === requestId)!;
});

afterAll(async () => {
  await gateway?.close();
});

/** Keys every line has, and the keys of the request's access line. */
function keysOf(): { everyLine: Set<string>; access: Set<string> } {
  const everyLine = new Set(Object.keys(lines[0]!).filter((key) => lines.every((l) => key in l)));
  return { everyLine, access: new Set(Object.keys(accessLine)) };
}

describe('the lines the shippers read', () => {
  it('are JSON with level, time, service and msg, and requests carry requestId', () => {
    expect(lines.length).toBeGreaterThan(1);
    const { everyLine } = keysOf();
    for (const key of ['level', 'time', 'service', 'msg']) expect(everyLine).toContain(key);
    expect(accessLine).toMatchObject({ msg: 'request', level: 'info', service: 'switchyard' });
    expect(accessLine['requestId']).toMatch(/^req_[0-9a-f]{32}$/);
    for (const line of lines) expect(line['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('deploy/loki', () => {
  const alloy = read('deploy/loki/config.alloy');
  /** The body of one `stage.x { … }` block, and the `name = "value"` pairs inside it. */
  const stage = (name: string) => {
    const start = alloy.indexOf(`stage.${name} {`);
    expect(start, `stage.${name}`).toBeGreaterThanOrEqual(0);
    let depth = 0;
    let end = start;
    for (let i = alloy.indexOf('{', start); i < alloy.length; i++) {
      if (alloy[i] === '{') depth++;
      if (alloy[i] === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    const body = alloy.slice(start, end);
    return {
      body,
      pairs: [...body.matchAll(/^\s*(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1]!, m[2]!] as const),
    };
  };

  it('extracts only keys the gateway writes', () => {
    const extracted = stage('json').pairs.filter(([name]) => name !== 'source');
    expect(extracted.length).toBeGreaterThan(0);
    const { everyLine, access } = keysOf();
    for (const [, key] of extracted) expect(everyLine.has(key) || access.has(key), key).toBe(true);
    expect(Object.fromEntries(extracted)).toMatchObject({
      level: 'level',
      time: 'time',
      request_id: 'requestId',
    });
  });

  it('reads the time in the format the lines have, and never makes the request id a label', () => {
    const timestamp = Object.fromEntries(stage('timestamp').pairs);
    expect(timestamp).toEqual({ source: 'time', format: 'RFC3339Nano' });
    // RFC 3339 with fractional seconds, as Go's RFC3339Nano layout parses it.
    expect(accessLine['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    const labels = stage('labels').pairs.map(([name]) => name);
    expect(labels).toEqual(['level']);
    expect(stage('structured_metadata').pairs.map(([name]) => name)).toEqual(['request_id']);
    // Only Switchyard's compose services, labelled by service name.
    expect(alloy).toContain('__meta_docker_container_label_com_docker_compose_service');
  });

  it('runs beside the stack with files that exist, on pinned images', () => {
    checkOverlay('deploy/loki/compose.yml', ['loki', 'alloy']);
    const datasource = parse(read('deploy/grafana/provisioning/datasources/loki.yml')) as {
      datasources: Array<{
        type: string;
        url: string;
        jsonData: { derivedFields: Array<{ matcherRegex: string }> };
      }>;
    };
    expect(datasource.datasources[0]).toMatchObject({ type: 'loki', url: 'http://loki:3100' });
    // The link from a line to every line of its request matches a real line.
    const regex = new RegExp(datasource.datasources[0]!.jsonData.derivedFields[0]!.matcherRegex);
    expect(regex.exec(JSON.stringify(accessLine))?.[1]).toBe(accessLine['requestId']);
  });
});

describe('deploy/elasticsearch', () => {
  interface Processor {
    decode_json_fields?: { fields: string[]; target: string };
    timestamp?: { field: string; layouts: string[]; test: string[] };
    copy_fields?: { fields: Array<{ from: string; to: string }> };
  }
  const filebeat = parse(read('deploy/elasticsearch/filebeat.yml')) as { processors: Processor[] };

  it('decodes each line under switchyard. and reads only keys the gateway writes', () => {
    const decode = filebeat.processors.find((p) => p.decode_json_fields)?.decode_json_fields;
    expect(decode).toEqual(expect.objectContaining({ fields: ['message'], target: 'switchyard' }));
    const referenced = [...read('deploy/elasticsearch/filebeat.yml').matchAll(/\bswitchyard\.(\w+)/g)].map(
      (m) => m[1]!,
    );
    expect(referenced).toContain('requestId');
    const { everyLine, access } = keysOf();
    for (const key of referenced) expect(everyLine.has(key) || access.has(key), key).toBe(true);
  });

  it('parses the time with a layout that fits the lines', () => {
    const timestamp = filebeat.processors.find((p) => p.timestamp)?.timestamp;
    expect(timestamp?.field).toBe('switchyard.time');
    expect(timestamp?.layouts).toEqual(['2006-01-02T15:04:05.999Z07:00']);
    // Filebeat checks `test` at load time; it must look like what the gateway writes.
    for (const sample of [...(timestamp?.test ?? []), accessLine['time'] as string])
      expect(sample).toMatch(goLayoutPattern(timestamp!.layouts[0]!));
  });

  it('runs beside the stack with files that exist, on pinned images', () => {
    checkOverlay('deploy/elasticsearch/compose.yml', ['elasticsearch', 'kibana', 'filebeat']);
  });
});

/** The overlay's services, its ./ mounts existing, and no image left on a moving tag. */
function checkOverlay(file: string, expected: string[]): void {
  const overlay = parse(read(file)) as {
    services: Record<string, { image: string; volumes?: string[] }>;
  };
  expect(Object.keys(overlay.services).sort()).toEqual([...expected].sort());
  for (const [name, service] of Object.entries(overlay.services)) {
    expect(service.image, name).toMatch(/:v?\d+\.\d+\.\d+$/);
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('./'))
        expect(existsSync(path.join(ROOT, source)), `${name}: ${source}`).toBe(true);
    }
  }
}

/** A regex for the Go time layouts used here (reference time 2006-01-02T15:04:05.999Z07:00). */
function goLayoutPattern(layout: string): RegExp {
  const pattern = layout
    .replace('2006', '\\d{4}')
    .replace('01', '\\d\\d')
    .replace('02', '\\d\\d')
    .replace('15', '\\d\\d')
    .replace('04', '\\d\\d')
    .replace('05', '\\d\\d')
    .replace('.999', '(\\.\\d{1,9})?')
    .replace('Z07:00', '(Z|[+-]\\d\\d:\\d\\d)');
  return new RegExp(`^${pattern}$`);
}
