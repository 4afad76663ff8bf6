// The predicate: same signature, memoised, budgeted, invalid candidates refused without a run.
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { Budget } from './budget.js';
import { withOps } from './candidate.js';
import { DIRTY_ON_NONLEAF } from './test-scenarios.js';
import { simpler, Tester } from './tester.js';

const BACKENDS = ['legacy', 'refactored', 'reference'].map((n) => getBackend(n, 'dirty-on-nonleaf'));
const SIGNATURE = 'ad/access/events[*].gpa/4-level/legacy~refactored';

function tester(maxOracleCalls?: number) {
  const budget = new Budget({ clock: () => 0, maxOracleCalls });
  return new Tester(SIGNATURE, BACKENDS, budget);
}

describe('Tester', () => {
  it('accepts a candidate with the signature, cut after its diverging op', () => {
    const t = tester();
    const got = t.try(DIRTY_ON_NONLEAF);
    expect(got?.divergence.signature).toBe(SIGNATURE);
    expect(got?.scenario.ops.length).toBe(got!.divergence.index + 1);
    expect(got!.scenario.ops.length).toBeLessThan(DIRTY_ON_NONLEAF.ops.length);
  });

  it('runs the oracle once per distinct candidate', () => {
    const t = tester();
    t.try(DIRTY_ON_NONLEAF);
    t.try({ ...DIRTY_ON_NONLEAF });
    expect(t.budget.oracleCalls).toBe(1);
    expect(t.cacheHits).toBe(1);
  });

  it('refuses a candidate without the signature', () => {
    const t = tester();
    expect(t.try(withOps(DIRTY_ON_NONLEAF, DIRTY_ON_NONLEAF.ops.slice(0, 5)))).toBeUndefined();
    expect(t.budget.oracleCalls).toBe(1);
  });

  it('refuses an invalid candidate without running the oracle', () => {
    const t = tester();
    const bad = { ...DIRTY_ON_NONLEAF, config: { ...DIRTY_ON_NONLEAF.config, cpu: { ...DIRTY_ON_NONLEAF.config.cpu, maxphyaddr: 20 } } };
    expect(t.try(bad)).toBeUndefined();
    expect(t.budget.oracleCalls).toBe(0);
    expect(t.invalid).toBe(1);
  });

  it('accepts only steps down the simplicity order, so passes cannot undo each other', () => {
    const t = tester();
    const small = t.try(DIRTY_ON_NONLEAF)!;
    // Interesting but bigger (one more, unused store): refused by try, taken by a detour.
    const bigger = withOps(small.scenario, [{ op: 'write', gpa: 0x30000, value: { lo: 1, hi: 0 }, size: 8 }, ...small.scenario.ops]);
    expect(t.try(bigger)).toBeUndefined();
    expect(t.tryDetour(bigger)?.divergence.signature).toBe(SIGNATURE);
    expect(simpler(t.current, small)).toBe(false);
    // The detour led nowhere simpler: back to where it started.
    expect(t.commitOrRestore(small)).toBe(small);
    expect(t.current).toBe(small);
  });

  it('refuses everything once the budget is spent', () => {
    const t = tester(1);
    t.try(withOps(DIRTY_ON_NONLEAF, DIRTY_ON_NONLEAF.ops.slice(0, 5)));
    expect(t.try(DIRTY_ON_NONLEAF)).toBeUndefined();
    expect(t.spent).toBe(true);
    expect(t.budget.oracleCalls).toBe(1);
  });
});
