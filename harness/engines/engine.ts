// The engine contract: an engine decides which scenarios to run; the campaign runtime that hands
// it an EngineContext owns everything else (oracle, time limits, statistics, findings, workers).
import type { BackendFactory } from '../../mmus/backend.js';
import type { GeneratorOptions } from '../generate/options.js';
import type { OracleResult } from '../oracle/oracle.js';
import type { Scenario } from '../scenario/scenario.js';

export type EngineName = 'random' | 'property' | 'coverage';
export const ENGINE_NAMES: readonly EngineName[] = ['random', 'property', 'coverage'];

/** How a scenario came to be: enough to rebuild it, stored with every finding. */
export interface Provenance {
  readonly engine: EngineName;
  /** The campaign seed. */
  readonly seed: string;
  /** random: the iteration index (the scenario is generateScenario(seed, index)). */
  readonly index?: number;
  /** random: the generator's mutators, in order of first use; its target paging mode. */
  readonly mutators?: readonly string[];
  readonly mode?: string;
  /** property: fast-check's seed and path of the failing run (replays with --replay-path). */
  readonly fcSeed?: number;
  readonly fcPath?: string;
  /** coverage: the fuzzer input as hex (the scenario is decodeScenario(input)). */
  readonly input?: string;
}

export interface ExecuteOptions {
  /**
   * False for executions that must not count as campaign results (fast-check's shrinking
   * steps): they run the oracle and return its result, nothing is recorded. Default true.
   */
  readonly record?: boolean;
}

export interface EngineContext {
  /** The seed of this worker (already derived from the campaign seed, shard and worker). */
  readonly seed: string;
  /** The campaign seed, for provenance. */
  readonly campaignSeed: string;
  /**
   * Iterations this worker owns, for engines that number their cases: index i belongs to this
   * worker iff i % stride === offset. Covers shards (--shard) and workers together.
   */
  readonly stride: number;
  readonly offset: number;
  /** Resume: the first index (of this worker's sequence) not yet done. */
  readonly startIndex: number;
  readonly backends: readonly BackendFactory[];
  readonly genOptions: Partial<GeneratorOptions>;
  /** Engine-specific options from the command line (coverage: corpus, findings directories). */
  readonly engineOptions?: Readonly<Record<string, unknown>>;
  /**
   * Runs the oracle on a scenario and records it (statistics, findings) unless record is false.
   * Engines must run scenarios only through this: it also enforces the per-scenario time limit
   * and turns a throwing backend into a crash divergence.
   */
  execute(scenario: Scenario, provenance: Provenance, opts?: ExecuteOptions): OracleResult;
  /**
   * Offers a smaller scenario with the same divergence signature as an earlier recorded one
   * (fast-check's shrunk counterexample); the findings store keeps the smaller.
   */
  offerMinimized(signature: string, scenario: Scenario, provenance: Provenance): void;
  /** True once the budget is spent or a stop was requested: engines poll it between cases. */
  shouldStop(): boolean;
  /**
   * Engine-specific status for the live line: corpus size, coverage counters, and executions
   * that ran outside execute() (the coverage engine's fuzzer process), all cumulative.
   */
  status(s: EngineStatus): void;
  /** Milliseconds from a fixed origin (injected; never Date.now in engines). */
  clock(): number;
}

export interface EngineStatus {
  readonly corpus?: number;
  readonly coverage?: number;
  readonly executions?: number;
}

export interface Engine {
  readonly name: EngineName;
  run(ctx: EngineContext): Promise<void>;
}
