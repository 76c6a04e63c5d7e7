import { describe, expect, it } from 'vitest';
import { childNodeArgs, needsInitdb } from './initialize-embedded.js';

describe('childNodeArgs', () => {
  it('keeps loaders and heap flags, drops debuggers and profilers with their values', () => {
    expect(
      childNodeArgs([
        '--import',
        'tsx',
        '--inspect-brk=9229',
        '--cpu-prof',
        '--cpu-prof-dir',
        '/tmp/p',
        '--heap-prof-interval=4096',
        '--max-semi-space-size=8',
        '--enable-source-maps',
      ]),
    ).toEqual(['--import', 'tsx', '--max-semi-space-size=8', '--enable-source-maps']);
  });
});

describe('needsInitdb', () => {
  it('is true only for an embedded data dir that initdb has not created', () => {
    expect(needsInitdb({ kind: 'pglite', dir: '/nonexistent/switchyard-db' })).toBe(true);
    expect(needsInitdb({ kind: 'pglite', dir: 'memory://' })).toBe(false);
    expect(needsInitdb({ kind: 'postgres', url: 'postgres://x@h/db' })).toBe(false);
  });
});
