// Throughput measurement for the benchmark: ops per second of one configuration (a backend
// alone, or the oracle over several) over pre-generated scenarios.
import type { BackendFactory } from '../mmus/backend.js';
import type { Scenario } from '../harness/scenario/scenario.js';
import { runOracle } from '../harness/oracle/oracle.js';

/** Runs one scenario and returns the number of ops executed. */
export type ScenarioRunner = (scenario: Scenario) => number;

/** A backend alone: create, apply every op. A throw ends that scenario (its ops so far count). */
export function backendRunner(factory: BackendFactory): ScenarioRunner {
  return (scenario) => {
    let done = 0;
    try {
      const backend = factory.create(scenario.config);
      for (const op of scenario.ops) {
        backend.apply(op);
        done++;
      }
    } catch {
      // A crash is the oracle's business; the benchmark only counts what ran.
    }
    return done;
  };
}

/** The differential oracle over all the factories; counts ops up to the first divergence. */
export function oracleRunner(factories: readonly BackendFactory[]): ScenarioRunner {
  return (scenario) => {
    const r = runOracle(scenario, factories);
    return r.divergence === null ? scenario.ops.length : Math.max(0, r.divergence.index + 1);
  };
}

export interface MeasureOptions {
  /** Untimed passes over the scenario set first, so the JIT has compiled the hot paths. */
  readonly warmupPasses: number;
  /** ...and keep warming up (whole passes) until this long has passed; default 0. */
  readonly warmupMs?: number;
  /** Keep going until at least this long has passed (and at least one full pass is done). */
  readonly minMs: number;
  /** Milliseconds, monotonic. */
  readonly clock: () => number;
}

export interface Throughput {
  readonly ops: number;
  readonly ms: number;
  readonly opsPerSecond: number;
}

export function measure(run: ScenarioRunner, scenarios: readonly Scenario[], opts: MeasureOptions): Throughput {
  if (scenarios.length === 0) throw new Error('measure: no scenarios');
  const warmStart = opts.clock();
  for (let p = 0; p < opts.warmupPasses || opts.clock() - warmStart < (opts.warmupMs ?? 0); p++) {
    for (const s of scenarios) run(s);
  }
  let ops = 0;
  const start = opts.clock();
  let now = start;
  let i = 0;
  while (i < scenarios.length || now - start < opts.minMs) {
    ops += run(scenarios[i % scenarios.length]);
    i++;
    now = opts.clock();
  }
  const ms = now - start;
  return { ops, ms, opsPerSecond: ms > 0 ? Math.round((ops * 1000) / ms) : 0 };
}
