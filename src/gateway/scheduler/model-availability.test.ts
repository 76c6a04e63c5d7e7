import { describe, expect, it } from 'vitest';
import {
  MemoryAccountRepository,
  accountRecord,
  poolOver,
} from '../../../test/support/scheduler-fixtures.js';
import { modelAccountCounts } from './model-availability.js';

const SONNET = 'claude-sonnet-4-6';
const OPUS = 'claude-opus-4-1';
const HAIKU = 'claude-haiku-4-5';

describe('modelAccountCounts', () => {
  it('counts the accounts serving each model by state, leaving out models nobody usable serves', async () => {
    const later = new Date(Date.now() + 60_000);
    const pool = await poolOver(
      new MemoryAccountRepository([
        accountRecord({ name: 'sonnet', models: [SONNET] }),
        accountRecord({ name: 'opus-cooling', models: [OPUS], state: 'cooling_down', cooldownUntil: later }),
        accountRecord({ name: 'opus-reauth', models: [OPUS], state: 'needs_reauth' }),
        accountRecord({ name: 'haiku-off', models: [HAIKU], state: 'disabled' }),
      ]),
    );
    const counts = modelAccountCounts([SONNET, OPUS, HAIKU, 'nobody-serves-this'], pool.accounts());
    const of = (model: string) =>
      Object.fromEntries(counts.filter((c) => c.model === model).map((c) => [c.state, c.accounts]));
    expect(of(SONNET)).toEqual({ active: 1, cooling_down: 0, needs_reauth: 0, disabled: 0 });
    expect(of(OPUS)).toEqual({ active: 0, cooling_down: 1, needs_reauth: 1, disabled: 0 });
    // Switched off on purpose, or never served: no series, so no "unavailable" alert.
    expect(of(HAIKU)).toEqual({});
    expect(of('nobody-serves-this')).toEqual({});
  });
});
