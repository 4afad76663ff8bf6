// One detection campaign of the benchmark: an engine runs on one core against a mutant, through a
// minimal EngineContext that stops at the first divergence the mutant causes; the wall-clock time
// to it is measured here, then the finding is minimized (time-bounded).
import type { BackendFactory } from '../mmus/backend.js';
import { getBackend, BACKEND_NAMES } from '../mmus/registry.js';
import type { Engine, EngineContext } from '../harness/engines/engine.js';
import { minimizeScenario } from '../harness/minimize/minimize.js';
import { runOracle, type OracleResult } from '../harness/oracle/oracle.js';
import type { Scenario } from '../harness/scenario/scenario.js';
import type { DetectRun } from './bench-detect-stats.js';

export interface DetectOptions {
  readonly engine: Engine;
  readonly mutant: string;
  readonly seed: string;
  /** Give up after this many seconds without a detection. */
  readonly limitSeconds: number;
  /** Time bound of the minimization of the first finding. */
  readonly minimizeMs: number;
  /** Monotonic milliseconds (performance.now). */
  readonly clock: () => number;
}

const CLEAN: readonly BackendFactory[] = BACKEND_NAMES.map((n) => getBackend(n));

export function mutantBackends(mutant: string): BackendFactory[] {
  return BACKEND_NAMES.map((n) => getBackend(n, mutant));
}

/**
 * Whether a divergence on the mutant backends is the mutant's doing: the clean backends do not
 * show the same divergence (same signature at the same op) on the same scenario.
 */
export function isMutantDivergence(scenario: Scenario, mutantResult: OracleResult, clean: readonly BackendFactory[] = CLEAN): boolean {
  const d = mutantResult.divergence;
  if (d === null) return false;
  const c = runOracle(scenario, clean).divergence;
  return c === null || c.signature !== d.signature || c.index !== d.index;
}

/** The first divergence the mutant caused: when, the scenario, its signature, ops up to it. */
interface Found {
  readonly ms: number;
  readonly scenario: Scenario;
  readonly signature: string;
  readonly ops: number;
}

export async function detectOnce(opts: DetectOptions): Promise<DetectRun> {
  const backends = mutantBackends(opts.mutant);
  const start = opts.clock();
  const limitMs = opts.limitSeconds * 1000;
  let found: Found | null = null;

  const ctx: EngineContext = {
    seed: opts.seed,
    campaignSeed: opts.seed,
    stride: 1,
    offset: 0,
    startIndex: 0,
    backends,
    genOptions: {},
    execute(scenario, _provenance, execOpts) {
      const result = runOracle(scenario, backends);
      if (found === null && execOpts?.record !== false && isMutantDivergence(scenario, result)) {
        found = { ms: opts.clock() - start, scenario, signature: result.divergence!.signature, ops: result.divergence!.index + 1 };
      }
      return result;
    },
    offerMinimized() {
      // The benchmark minimizes the first finding itself, with the library minimizer.
    },
    shouldStop: () => found !== null || opts.clock() - start >= limitMs,
    status() {},
    clock: opts.clock,
  };
  await opts.engine.run(ctx);

  const hit = found as Found | null;
  if (hit === null || hit.ms > limitMs) {
    return { seed: opts.seed, detected: false, seconds: null, minimizedOps: null, originalOps: null, signature: null };
  }
  let minimizedOps: number | null = null;
  try {
    minimizedOps = minimizeScenario(hit.scenario, { backends, signature: hit.signature, timeLimitMs: opts.minimizeMs, clock: opts.clock }).afterOps;
  } catch {
    // A scenario the minimizer refuses keeps its original size out of the median.
  }
  return { seed: opts.seed, detected: true, seconds: hit.ms / 1000, minimizedOps, originalOps: hit.ops, signature: hit.signature };
}
