// Shards and workers partition the iteration space: no overlap, full cover; seeds per worker.
import { describe, expect, it } from 'vitest';
import { deriveSeed, iterationOf, parseShard, workerSlots, type CampaignPlan } from './plan.js';

/** Every iteration a shard's workers run under a scenario budget. */
function iterations(plan: Pick<CampaignPlan, 'seed' | 'shard' | 'workers' | 'budget'>): number[] {
  return workerSlots(plan).flatMap((slot) => Array.from({ length: slot.quota! }, (_, k) => iterationOf(slot, k)));
}

describe('parseShard', () => {
  it('reads i/N and refuses anything else', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(parseShard(' 0/1 ')).toEqual({ index: 0, count: 1 });
    for (const bad of ['8/8', '1/0', '-1/4', '1', 'a/b', '1/2/3', '']) expect(() => parseShard(bad), bad).toThrow(RangeError);
  });
});

describe('workerSlots', () => {
  it('N shards never overlap and together cover every iteration, whatever each shard\'s worker count', () => {
    const N = 5;
    const perShard = 37;
    const workersOf = [1, 2, 3, 4, 7];
    const all: number[] = [];
    for (let i = 0; i < N; i++) {
      const mine = iterations({ seed: 's', shard: { index: i, count: N }, workers: workersOf[i]!, budget: { scenarios: perShard } });
      expect(mine).toHaveLength(perShard);
      expect(mine.every((g) => g % N === i)).toBe(true);
      all.push(...mine);
    }
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: N * perShard }, (_, g) => g));
  });

  it('a scenario budget runs the same iterations with 1 or 8 workers', () => {
    const budget = { scenarios: 50 };
    const shard = { index: 1, count: 3 };
    const one = iterations({ seed: 's', shard, workers: 1, budget }).sort((a, b) => a - b);
    const eight = iterations({ seed: 's', shard, workers: 8, budget }).sort((a, b) => a - b);
    expect(eight).toEqual(one);
  });

  it('a time budget leaves the quota open', () => {
    expect(workerSlots({ seed: 's', shard: { index: 0, count: 1 }, workers: 2, budget: { seconds: 5 } }).map((s) => s.quota)).toEqual([null, null]);
  });

  it('gives each (shard, worker, restart) its own reproducible seed', () => {
    const seeds = new Set<string>();
    for (let i = 0; i < 4; i++) for (let w = 0; w < 4; w++) for (let r = 0; r < 3; r++) seeds.add(deriveSeed('night', { index: i, count: 4 }, w, r));
    expect(seeds.size).toBe(48);
    expect(deriveSeed('night', { index: 1, count: 4 }, 2)).toBe(deriveSeed('night', { index: 1, count: 4 }, 2, 0));
    expect(deriveSeed('night', { index: 1, count: 4 }, 2)).not.toBe(deriveSeed('day', { index: 1, count: 4 }, 2));
    const slots = workerSlots({ seed: 'night', shard: { index: 1, count: 4 }, workers: 2, budget: { seconds: 1 } });
    expect(slots.map((s) => s.seed)).toEqual([deriveSeed('night', { index: 1, count: 4 }, 0), deriveSeed('night', { index: 1, count: 4 }, 1)]);
  });

  it('refuses a worker count below 1', () => {
    expect(() => workerSlots({ seed: 's', shard: { index: 0, count: 1 }, workers: 0, budget: { seconds: 1 } })).toThrow(RangeError);
  });
});
