// The benchmark's measuring loop with a fake clock and a counting backend.
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../mmus/backend.js';
import { RESET_STATE } from '../harness/oracle/oracle.js';
import { smallScenario } from '../harness/campaign/test-support.js';
import { backendRunner, measure } from './measure.js';

function countingFactory(throwAt = -1): BackendFactory & { applied: number } {
  const f = {
    name: 'fake',
    description: 'counts ops',
    fidelity: 'kvm' as const,
    applied: 0,
    create: () => {
      let i = 0;
      return {
        apply: () => {
          if (i++ === throwAt) throw new Error('boom');
          f.applied++;
          return { outcome: 'ok' as const, events: [] };
        },
        state: () => RESET_STATE,
      };
    },
  };
  return f;
}

describe('measure', () => {
  it('warms up untimed, then runs at least one pass and until the time is up', () => {
    const f = countingFactory();
    let t = 0;
    const scenarios = [smallScenario('a'), smallScenario('b')];
    // 3 ops per scenario; the clock moves 10 ms per read; 45 ms minimum -> 5 timed scenarios.
    // Warm-up: reads at 10 (start), 20 (after pass 1: < 25), 30 (after pass 2: done) -> 2 passes.
    const r = measure(backendRunner(f), scenarios, { warmupPasses: 1, warmupMs: 15, minMs: 45, clock: () => (t += 10) });
    expect(r.ops).toBe(15);
    expect(r.ms).toBe(50);
    expect(r.opsPerSecond).toBe(300);
    expect(f.applied).toBe(2 * 6 + 15);
  });

  it('a backend that throws only ends its scenario', () => {
    let t = 0;
    const r = measure(backendRunner(countingFactory(1)), [smallScenario()], { warmupPasses: 0, minMs: 0, clock: () => (t += 1) });
    expect(r.ops).toBe(1);
  });
});
