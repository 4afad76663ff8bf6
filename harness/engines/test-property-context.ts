// Test support for the engine tests: an in-memory EngineContext that runs the oracle, keeps what
// an engine recorded and offered, and stops on a condition (a finding, a number of executions).
import type { BackendFactory } from '../../mmus/backend.js';
import type { GeneratorOptions } from '../generate/options.js';
import { runOracle, type Divergence, type OracleResult } from '../oracle/oracle.js';
import type { Scenario } from '../scenario/scenario.js';
import type { EngineContext, ExecuteOptions, Provenance } from './engine.js';

export interface RecordedRun {
  readonly scenario: Scenario;
  readonly provenance: Provenance;
  readonly divergence: Divergence | null;
}

export interface OfferedCase {
  readonly signature: string;
  readonly scenario: Scenario;
  readonly provenance: Provenance;
}

export interface FakeContext extends EngineContext {
  /** Executions with record !== false, in order. */
  readonly recorded: RecordedRun[];
  /** Executions with record: false (shrinking). */
  unrecorded: number;
  readonly offered: OfferedCase[];
  readonly statuses: { corpus?: number; coverage?: number }[];
  /** Makes shouldStop() true from now on. */
  stop(): void;
}

export interface FakeContextOptions {
  readonly backends: readonly BackendFactory[];
  readonly seed?: string;
  readonly genOptions?: Partial<GeneratorOptions>;
  /** Stop once this holds (checked by shouldStop()). */
  readonly stopWhen?: (ctx: FakeContext) => boolean;
  /** Stop after this many recorded executions. */
  readonly maxRecorded?: number;
  readonly stride?: number;
  readonly offset?: number;
}

export function fakeContext(opts: FakeContextOptions): FakeContext {
  let stopped = false;
  const ctx: FakeContext = {
    seed: opts.seed ?? 'engine-test',
    campaignSeed: opts.seed ?? 'engine-test',
    stride: opts.stride ?? 1,
    offset: opts.offset ?? 0,
    startIndex: 0,
    backends: opts.backends,
    genOptions: opts.genOptions ?? {},
    recorded: [],
    unrecorded: 0,
    offered: [],
    statuses: [],
    execute(scenario: Scenario, provenance: Provenance, eo?: ExecuteOptions): OracleResult {
      const result = runOracle(scenario, opts.backends);
      if (eo?.record === false) ctx.unrecorded++;
      else ctx.recorded.push({ scenario, provenance, divergence: result.divergence });
      return result;
    },
    offerMinimized(signature: string, scenario: Scenario, provenance: Provenance): void {
      ctx.offered.push({ signature, scenario, provenance });
    },
    shouldStop(): boolean {
      if (!stopped && opts.maxRecorded !== undefined && ctx.recorded.length >= opts.maxRecorded) stopped = true;
      if (!stopped && opts.stopWhen?.(ctx) === true) stopped = true;
      return stopped;
    },
    status(s): void {
      ctx.statuses.push({ ...s });
    },
    clock: () => performance.now(),
    stop(): void {
      stopped = true;
    },
  };
  return ctx;
}
