// The minimizer, text in and text out: hand-built scenarios that diverge on a mutant shrink to the
// few ops the planted bug needs, with the same signature, deterministically and within budget.
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../../mmus/backend.js';
import { getBackend } from '../../mmus/registry.js';
import { generateScenario } from '../generate/random.js';
import { runOracle } from '../oracle/oracle.js';
import { scenarioToJson } from '../scenario/encode.js';
import { parseScenario } from '../scenario/parse.js';
import { renderScenario } from '../scenario/print.js';
import type { Scenario } from '../scenario/scenario.js';
import { MinimizeError, minimizeScenario, type MinimizeResult } from './minimize.js';
import { AGREEING, DIRTY_ON_NONLEAF, WP0_USER_WRITE } from './test-scenarios.js';
import { scenarioKey } from './tester.js';

const backends = (mutant?: string): BackendFactory[] => ['legacy', 'refactored', 'reference'].map((n) => getBackend(n, mutant));
const DIRTY = backends('dirty-on-nonleaf');
const WP0 = backends('wp0-write-term-applies-to-user');

/** The ops of a rendered scenario, without its header. */
function opsText(s: Scenario): string {
  return renderScenario(s).split('\n').filter((l) => /^\s+\d+ {2}/.test(l)).map((l) => l.trim()).join('\n');
}

function expectSameDivergence(r: MinimizeResult, original: Scenario, bs: readonly BackendFactory[]): void {
  const before = runOracle(original, bs).divergence!;
  const after = runOracle(r.scenario, bs).divergence;
  expect(after?.signature).toBe(before.signature);
  expect(r.divergence.signature).toBe(before.signature);
  // The minimized scenario ends with its diverging op and is a valid format-1 document.
  expect(after?.index).toBe(r.scenario.ops.length - 1);
  expect(parseScenario(scenarioToJson(r.scenario), 'minimized')).toEqual(r.scenario);
}

describe('minimizeScenario', () => {
  it('shrinks a dirty-bit bug to its recipe (text in, text out)', () => {
    const r = minimizeScenario(DIRTY_ON_NONLEAF, { backends: DIRTY });
    expectSameDivergence(r, DIRTY_ON_NONLEAF, DIRTY);
    expect(r.divergence.signature).toBe('ad/access/events[*].gpa/4-level/legacy~refactored');
    expect(renderScenario(r.scenario)).toBe(
      [
        'scenario "dirty-on-nonleaf"',
        'format mmufuzz.scenario/1',
        'cpu: maxphyaddr=36 features=(none)',
        'host: tdp=ept ept_ad=true mbec=false',
        'memslot 0: [0x0, 0x2000)',
        'ops: 7',
        '  0  write 0x0 <- 0x1001 (8)  ; P frame=0x1000',
        '  1  write 0x1000 <- 0x1 (8)  ; P',
        '  2  set cr4 = 0x20 (PAE)',
        '  3  set efer = 0x100 (LME)',
        '  4  set cr0 = 0x80000001 (PE PG)',
        '  5  access read gva=0x0 cpl=0',
        '  6  access write gva=0x0 cpl=0',
      ].join('\n'),
    );
    expect(r.beforeOps).toBe(19);
    expect(r.afterOps).toBe(7);
    expect(r.oneMinimal).toBe(true);
    expect(r.complete).toBe(true);
  });

  it('shrinks a PTE to the bits the bug needs (P and US), the config to nothing extra', () => {
    expect(opsText(WP0_USER_WRITE)).toContain('write 0x13008 <- 0x8000000000201f65 (8)');
    const r = minimizeScenario(WP0_USER_WRITE, { backends: WP0 });
    expectSameDivergence(r, WP0_USER_WRITE, WP0);
    expect(opsText(r.scenario)).toBe(
      [
        '0  write 0x0 <- 0x5 (8)  ; P US',
        '1  set cr4 = 0x20 (PAE)',
        '2  set efer = 0x100 (LME)',
        '3  set cr0 = 0x80000001 (PE PG)',
        '4  access write gva=0x0 cpl=3',
      ].join('\n'),
    );
    expect(r.scenario.config.cpu.features.size).toBe(0);
    expect(r.scenario.config.memslots).toEqual([{ slot: 0, gpa: 0, size: 0x1000, flags: [] }]);
    expect(r.oneMinimal).toBe(true);
  });

  it('is deterministic', () => {
    const a = minimizeScenario(WP0_USER_WRITE, { backends: WP0 });
    const b = minimizeScenario(WP0_USER_WRITE, { backends: WP0 });
    expect(scenarioKey(b.scenario)).toBe(scenarioKey(a.scenario));
    expect([b.oracleCalls, b.cacheHits]).toEqual([a.oracleCalls, a.cacheHits]);
  });

  it('answers repeated candidates from its memo instead of the oracle', () => {
    const r = minimizeScenario(DIRTY_ON_NONLEAF, { backends: DIRTY });
    // Without the memo every one of these would have been an oracle run too (a third more here).
    expect(r.cacheHits).toBeGreaterThan(r.oracleCalls / 4);
  });

  it('stops at the time limit of an injected clock, with a smaller scenario that still diverges', () => {
    let now = 0;
    const clock = () => (now += 1);
    const r = minimizeScenario(DIRTY_ON_NONLEAF, { backends: DIRTY, clock, timeLimitMs: 30 });
    expect(r.complete).toBe(false);
    expect(r.oneMinimal).toBe(false);
    // One clock read per oracle call (plus the start and the end): at most ~30 calls fit.
    expect(r.oracleCalls).toBeLessThanOrEqual(31);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(30);
    expect(r.afterOps).toBeLessThan(r.beforeOps);
    expectSameDivergence(r, DIRTY_ON_NONLEAF, DIRTY);
  });

  it('stops after maxOracleCalls', () => {
    const r = minimizeScenario(DIRTY_ON_NONLEAF, { backends: DIRTY, maxOracleCalls: 5 });
    expect(r.oracleCalls).toBe(5);
    expect(r.complete).toBe(false);
    expectSameDivergence(r, DIRTY_ON_NONLEAF, DIRTY);
  });

  it('refuses a scenario that does not diverge', () => {
    expect(() => minimizeScenario(AGREEING, { backends: DIRTY })).toThrow(MinimizeError);
    try {
      minimizeScenario(AGREEING, { backends: DIRTY });
    } catch (e) {
      expect((e as MinimizeError).reason).toBe('no-divergence');
      expect((e as Error).message).toBe('the scenario does not diverge on legacy, refactored, reference: there is nothing to minimize');
    }
  });

  it('refuses a scenario that diverges with another signature than the one asked for', () => {
    const ask = 'outcome/access/outcome/4-level/legacy~refactored';
    expect(() => minimizeScenario(DIRTY_ON_NONLEAF, { backends: DIRTY, signature: ask })).toThrow(
      /diverges with signature ad\/access\/events\[\*\]\.gpa\/4-level\/legacy~refactored, not outcome/,
    );
  });

  // The first diverging scenario of the seeded generator (as mutants-caught.test.ts finds it),
  // among TDP scenarios: these are TDP-era bugs, and shadow scenarios (shadowShare) would bring
  // their own shadow-MMU divergences first.
  it.each(['smep-enable-no-flush', 'accessed-on-faulting-walk', 'pdptr-no-reload-same-cr3'])(
    'shrinks the first generated scenario that catches %s to at most 6 ops',
    (mutant) => {
      const bs = backends(mutant);
      let s: Scenario | undefined;
      for (let i = 0; s === undefined && i < 100; i++) {
        const g = generateScenario('mutants-caught', i, { shadowShare: 0 });
        if (runOracle(g, bs).divergence !== null) s = g;
      }
      const r = minimizeScenario(s!, { backends: bs });
      expectSameDivergence(r, s!, bs);
      expect(r.afterOps).toBeLessThanOrEqual(6);
      expect(r.afterOps).toBeLessThan(r.beforeOps / 5);
      expect(r.oneMinimal).toBe(true);
    },
  );
});
