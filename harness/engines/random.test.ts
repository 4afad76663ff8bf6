// The random engine walks this worker's iterations and records how each scenario was made.
import { describe, expect, it } from 'vitest';
import { generateScenario } from '../generate/random.js';
import type { Scenario } from '../scenario/scenario.js';
import type { EngineContext, Provenance } from './engine.js';
import { randomEngine } from './random.js';
import { getEngine, isEngineName } from './registry.js';

/** A context that records executions and stops after `cases`. */
function recordingContext(over: Partial<EngineContext>, cases: number): EngineContext & { runs: [Scenario, Provenance][] } {
  const runs: [Scenario, Provenance][] = [];
  return {
    seed: 'worker-seed',
    campaignSeed: 'camp',
    stride: 1,
    offset: 0,
    startIndex: 0,
    backends: [],
    genOptions: { minOps: 30, maxOps: 40 },
    execute(scenario, provenance) {
      runs.push([scenario, provenance]);
      return { observations: {}, divergence: null };
    },
    offerMinimized() {},
    shouldStop: () => runs.length >= cases,
    status() {},
    clock: () => 0,
    ...over,
    runs,
  };
}

describe('randomEngine', () => {
  it('runs iteration k * stride + offset from startIndex on, each rebuilt from (campaign seed, index)', async () => {
    const ctx = recordingContext({ stride: 3, offset: 1, startIndex: 2 }, 4);
    await randomEngine.run(ctx);
    expect(ctx.runs.map(([, p]) => p.index)).toEqual([7, 10, 13, 16]);
    for (const [s, p] of ctx.runs) {
      expect(s).toEqual(generateScenario('camp', p.index!, { minOps: 30, maxOps: 40 }));
      expect(p).toMatchObject({ engine: 'random', seed: 'camp' });
      expect(p.mutators!.length).toBeGreaterThan(0);
      expect(typeof p.mode).toBe('string');
    }
  });

  it('stops at once when told to', async () => {
    const ctx = recordingContext({}, 0);
    await randomEngine.run(ctx);
    expect(ctx.runs).toEqual([]);
  });
});

describe('getEngine', () => {
  it('maps each engine name to its engine', () => {
    expect(getEngine('random')).toBe(randomEngine);
    for (const name of ['property', 'coverage'] as const) expect(getEngine(name).name).toBe(name);
    expect(isEngineName('coverage')).toBe(true);
    expect(isEngineName('afl')).toBe(false);
  });
});
