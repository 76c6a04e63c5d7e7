import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, makeDataDir, runCli } from '../support/cli.js';

describe('bad configuration', () => {
  let data: Awaited<ReturnType<typeof makeDataDir>>;
  beforeAll(async () => {
    data = await makeDataDir();
  });
  afterAll(() => data.remove());

  it.each([
    ['PORT', 'not-a-port'],
    ['DATABASE_URL', 'mysql://nope'],
    ['SWITCHYARD_MASTER_KEY', 'too-short'],
    ['LOG_LEVEL', 'loud'],
  ])('%s=%s → one line naming the variable, exit code 2', async (variable, value) => {
    const result = await runCli(['start'], baseEnv(data.dir, { [variable]: value }));
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    if (variable === 'SWITCHYARD_MASTER_KEY') expect(result.stderr).not.toContain(value);
  });
});
