// The campaign loop with a fake clock, generator, oracle and findings store.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenario/scenario.js';
import { runCampaign, type CampaignDeps, type CampaignProgress } from './campaign.js';
import type { FindingInput, FindingRef, FindingsSink } from './findings.js';
import { fakeResult, smallScenario } from './test-support.js';

/** A clock that moves `step` ms every time it is read. */
function fakeClock(step: number): () => number {
  let t = 1_000_000;
  return () => (t += step);
}

class MemoryFindings implements FindingsSink {
  readonly added: FindingInput[] = [];
  readonly hits = new Map<string, number>();
  flushes = 0;
  add(f: FindingInput): FindingRef {
    this.added.push(f);
    this.hits.set(f.signature, 1);
    return { dir: `findings/${f.signature}`, isNew: true, hits: 1 };
  }
  hit(signature: string): void {
    this.hits.set(signature, this.hits.get(signature)! + 1);
  }
  flush(): void {
    this.flushes++;
  }
}

/** Scenario i diverges with signature A when i % 3 == 0 and B when i % 5 == 1. */
function deps(overrides: Partial<CampaignDeps> = {}): CampaignDeps & { generated: [string, number][]; findings: MemoryFindings } {
  const generated: [string, number][] = [];
  const byScenario = new Map<Scenario, number>();
  return {
    generated,
    findings: new MemoryFindings(),
    generate(seed, index) {
      generated.push([seed, index]);
      const s = smallScenario(`s${index}`);
      byScenario.set(s, index);
      return { scenario: s, mutators: ['m1'], mode: 'pae' };
    },
    oracle(s) {
      const i = byScenario.get(s)!;
      if (i % 3 === 0) return fakeResult(s, { at: 1, signature: 'A' });
      if (i % 5 === 1) return fakeResult(s, { at: 0, signature: 'B' });
      return fakeResult(s);
    },
    clock: fakeClock(1),
    ...overrides,
  } as CampaignDeps & { generated: [string, number][]; findings: MemoryFindings };
}

describe('runCampaign', () => {
  it('runs exactly the scenario budget, scenario i from (seed, i)', async () => {
    const d = deps();
    const s = await runCampaign({ seed: 'x', budget: { scenarios: 7 } }, d);
    expect(s.scenarios).toBe(7);
    expect(d.generated).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => ['x', i]));
    expect(s.seed).toBe('x');
    expect(s.interrupted).toBe(false);
  });

  it('stops when the injected clock says the time budget is spent', async () => {
    const d = deps({ clock: fakeClock(10) });
    const s = await runCampaign({ seed: 'x', budget: { seconds: 1 } }, d);
    // One clock read at the start and one after each scenario, 10 ms apart: 100 scenarios fit.
    expect(s.scenarios).toBe(100);
    expect(s.elapsedMs).toBe(1000);
  });

  it('a zero budget runs nothing', async () => {
    const d = deps();
    expect((await runCampaign({ seed: 'x', budget: { scenarios: 0 } }, d)).scenarios).toBe(0);
    expect((await runCampaign({ seed: 'x', budget: { seconds: 0 } }, d)).scenarios).toBe(0);
    expect(d.generated).toEqual([]);
  });

  it('stores the first scenario of each signature and counts repeats', async () => {
    const d = deps();
    const s = await runCampaign({ seed: 'x', budget: { scenarios: 16 } }, d);
    // A: 0 3 6 9 12 15; B: 1 11 (6 is A first).
    expect(d.findings.added.map((f) => [f.signature, f.index, f.seed])).toEqual([
      ['A', 0, 'x'],
      ['B', 1, 'x'],
    ]);
    expect(d.findings.added[0].scenario.name).toBe('s0');
    expect(d.findings.added[0]).toMatchObject({ mutators: ['m1'], mode: 'pae' });
    expect(Object.fromEntries(d.findings.hits)).toEqual({ A: 6, B: 2 });
    expect(s.signatures.map((g) => [g.signature, g.hits, g.firstIndex, g.dir])).toEqual([
      ['A', 6, 0, 'findings/A'],
      ['B', 2, 1, 'findings/B'],
    ]);
    expect(s.divergent).toBe(8);
    expect(d.findings.flushes).toBeGreaterThan(0);
  });

  it('counts the ops that ran (up to the divergence) and the outcome mix', async () => {
    const d = deps();
    const s = await runCampaign({ seed: 'x', budget: { scenarios: 3 } }, d);
    // Scenario 0 stops after op 1 (2 ops), 1 after op 0 (1 op), 2 runs all 3.
    expect(s.operations).toBe(6);
    // Only access/gva_to_gpa and set ops are in the mix: scenario 2's access.
    expect(s.mix.translationCount).toBe(1);
    expect(s.mix.get('ok')).toBe(1);
  });

  it('reports progress at the interval and reports each new signature once', async () => {
    const progress: CampaignProgress[] = [];
    const found: string[] = [];
    const d = deps({
      clock: fakeClock(100),
      reporter: { onProgress: (p) => progress.push(p), onFinding: (f) => found.push(f.signature) },
    });
    await runCampaign({ seed: 'x', budget: { scenarios: 10 }, progressIntervalMs: 250 }, d);
    expect(found).toEqual(['A', 'B']);
    // Ticks every third scenario (300 ms >= 250 ms), plus the final report.
    expect(progress.map((p) => p.scenarios)).toEqual([3, 6, 9, 10]);
    expect(progress.at(-1)!.signatures).toBe(2);
  });

  it('stops early when checkpoint says so', async () => {
    let calls = 0;
    const d = deps({ clock: fakeClock(100), checkpoint: async () => ++calls === 2 });
    const s = await runCampaign({ seed: 'x', budget: { scenarios: 1000 }, progressIntervalMs: 250 }, d);
    expect(s.interrupted).toBe(true);
    expect(s.scenarios).toBe(6);
  });

  it('rejects a nonsense budget', async () => {
    await expect(runCampaign({ seed: 'x', budget: { seconds: Number.NaN } }, deps())).rejects.toThrow(RangeError);
  });
});
