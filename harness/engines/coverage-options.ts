// Options of the coverage engine: the defaults, the campaign's engine options (when the runtime
// passes them) and the statistics it reports; its error class.
import { join, resolve } from 'node:path';
import type { CoverageBundle } from './coverage-bundle.js';
import type { EngineContext } from './engine.js';

/** The engine's own failures: nothing ran, the worker died or ran nothing. */
export class CoverageEngineError extends Error {
  override readonly name = 'CoverageEngineError';
}

/** A bad option or corpus directory: the user's to fix. */
export class CoverageOptionError extends Error {
  override readonly name = 'CoverageOptionError';
}

export interface CoverageEngineOptions {
  /** The corpus directory (created if missing; jsfuzz adds every input that grew coverage). Default: defaultCorpusDir(). */
  readonly corpusDir?: string;
  /** Stop after this many jsfuzz executions (tests and benchmarks; the budget is ctx.shouldStop()). */
  readonly maxExecutions?: number;
  /** Milliseconds between polls of the queue and the worker (default 200). */
  readonly pollMs?: number;
  /** Seconds one input may run in the worker before jsfuzz kills it and it is replayed as a hang (default 10). */
  readonly hangSeconds?: number;
  /** The worker's heap limit, MB (default 2048). */
  readonly rssLimitMb?: number;
  /** Milliseconds (by ctx.clock) the worker may take to run its first input (default 30000). */
  readonly startupMs?: number;
  /** Seed inputs drawn from the worker seed, read by jsfuzz besides the corpus (default 16). */
  readonly seedInputs?: number;
  /** Worker restarts allowed after jsfuzz killed it on a hang (default 5). */
  readonly maxRestarts?: number;
  /** 'models' (default): instrument the compiled models only; 'all': every file jsfuzz loads. */
  readonly instrument?: 'models' | 'all';
  /** The CommonJS bundle (default: findCoverageBundle()). */
  readonly bundle?: CoverageBundle;
  /** Called at every poll (tests, benchmarks). */
  readonly onPoll?: (stats: CoverageStats) => void;
}

export interface CoverageStats {
  /** jsfuzz executions over all worker sessions. */
  readonly executions: number;
  /** jsfuzz's coverage counter (covered statements, functions and branches of the models). */
  readonly coverage: number;
  /** Inputs in jsfuzz's corpus (loaded and added). */
  readonly corpus: number;
  /** Queued inputs replayed through ctx.execute. */
  readonly replayed: number;
  /** Replays whose signature differed from what the worker saw (nondeterminism or a stale bundle). */
  readonly unreproduced: number;
  readonly restarts: number;
}

/** `MMUFUZZ_COVERAGE_CORPUS`, else findings/coverage-corpus under the working directory. */
export function defaultCorpusDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.MMUFUZZ_COVERAGE_CORPUS || join('findings', 'coverage-corpus'));
}

/**
 * The options of a run: those given to createCoverageEngine, else the campaign's engine options
 * (`ctx.engineOptions`, when the runtime provides it: `corpus` or `corpusDir`, `findings` (the
 * corpus then defaults to <findings>/coverage-corpus), `maxExecutions`, `hangSeconds`,
 * `instrument`), else the defaults.
 */
export function resolveCoverageOptions(ctx: EngineContext, given: CoverageEngineOptions): CoverageEngineOptions {
  const from = ctx.engineOptions ?? {};
  const str = (k: string): string | undefined => optionOf(from, k, 'string') as string | undefined;
  const num = (k: string): number | undefined => optionOf(from, k, 'number') as number | undefined;
  const findings = str('findings');
  const corpusDir = given.corpusDir ?? str('corpus') ?? str('corpusDir') ?? (findings !== undefined ? join(findings, 'coverage-corpus') : undefined);
  const instrument = given.instrument ?? str('instrument');
  if (instrument !== undefined && instrument !== 'models' && instrument !== 'all') {
    throw new CoverageOptionError(`coverage engine: option instrument must be "models" or "all", got "${instrument}"`);
  }
  const maxExecutions = given.maxExecutions ?? num('maxExecutions');
  const hangSeconds = given.hangSeconds ?? num('hangSeconds');
  return {
    ...given,
    ...(corpusDir !== undefined ? { corpusDir } : {}),
    ...(instrument !== undefined ? { instrument } : {}),
    ...(maxExecutions !== undefined ? { maxExecutions } : {}),
    ...(hangSeconds !== undefined ? { hangSeconds } : {}),
  };
}

function optionOf(from: Readonly<Record<string, unknown>>, key: string, type: 'string' | 'number'): unknown {
  const v = from[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type || (type === 'number' && !(Number.isFinite(v) && (v as number) > 0))) {
    throw new CoverageOptionError(`coverage engine: option ${key} must be a ${type === 'number' ? 'positive number' : 'string'}, got ${JSON.stringify(v)}`);
  }
  return v;
}
