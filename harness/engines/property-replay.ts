// Seeds and replay of the property engine: the fast-check seed of each round, the `--replay-path`
// form of (seed, path), and replayProperty, which re-runs exactly one recorded run: 1 run, 0
// shrinks, the same counterexample (needs replayPath on fc.commands and {seed, path} on fc.check).
import fc from 'fast-check';
import type { BackendFactory } from '../../mmus/backend.js';
import { Rng } from '../generate/rng.js';
import { runOracle, type OracleResult } from '../oracle/oracle.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Provenance } from './engine.js';
import { caseScenario, propertyCaseArbitraries, resolveMaxCommands, type PropertyCaseOptions } from './property-arbitrary.js';

/** The fast-check seed (a signed 32-bit integer) of round `round` of a worker seeded with `seed`. */
export function fcSeedFor(seed: string, round: number): number {
  return new Rng(`property/${seed}/${round}`).u32() | 0;
}

/** `SEED:PATH`, the value of `--replay-path` (PATH is fast-check's own, e.g. `17:0:3`). */
export function formatReplayPath(fcSeed: number, fcPath: string): string {
  return `${fcSeed}:${fcPath}`;
}

/** Parses `SEED:PATH`; throws RangeError with the expected form on anything else. */
export function parseReplayPath(text: string): { fcSeed: number; fcPath: string } {
  const m = /^(-?\d+):(\d+(?::\d+)*)$/.exec(text.trim());
  const fcSeed = m === null ? NaN : Number(m[1]);
  if (m === null || !Number.isSafeInteger(fcSeed) || fcSeed < -(2 ** 31) || fcSeed >= 2 ** 32) {
    throw new RangeError(`--replay-path: expected SEED:PATH such as "-1234:17:0:3" (a fast-check seed and path), got "${text}"`);
  }
  return { fcSeed, fcPath: m[2] };
}

/** Options that change what a replay builds or runs; they must match the campaign's. */
export interface ReplayHintOptions {
  readonly tdp?: 'ept' | 'npt' | 'none';
  readonly backends?: readonly string[];
  readonly mutant?: string | null;
}

/**
 * The command line that replays a property run, e.g.
 * `mmufuzz fuzz --engine property --replay-path=-1234:17:0:3 --backends legacy,refactored`.
 * Empty when the provenance is not a property run's.
 */
export function renderReplayHint(p: Provenance, opts: ReplayHintOptions = {}): string {
  if (p.engine !== 'property' || p.fcSeed === undefined || p.fcPath === undefined) return '';
  const parts = ['mmufuzz fuzz --engine property', `--replay-path=${formatReplayPath(p.fcSeed, p.fcPath)}`];
  if (opts.tdp !== undefined) parts.push(`--host ${opts.tdp}`);
  if (opts.backends !== undefined) parts.push(`--backends ${opts.backends.join(',')}`);
  if (opts.mutant) parts.push(`--mutant ${opts.mutant}`);
  return parts.join(' ');
}

/**
 * fast-check's replayPath for fc.commands, telling which drawn commands ran at each shrink step.
 * Every command of this engine always runs, so it is `n` times "ran" in fast-check's encoding:
 * runs of at most 64 equal flags, each run's length - 1 as one base64 digit, then the flags of
 * the runs six to a digit.
 */
export function allRanReplayPath(n: number): string {
  const runs: number[] = [];
  for (let left = n; left > 0; left -= 64) runs.push(Math.min(64, left));
  let counts = '';
  for (const r of runs) counts += b64(r - 1);
  let changes = '';
  for (let i = 0; i < runs.length; i += 6) changes += b64((1 << Math.min(6, runs.length - i)) - 1);
  return `${counts}:${changes}`;
}

function b64(n: number): string {
  if (n < 26) return String.fromCharCode(65 + n);
  if (n < 52) return String.fromCharCode(97 + n - 26);
  if (n < 62) return String.fromCharCode(48 + n - 52);
  return n === 62 ? '+' : '/';
}

/** An upper bound of the flags fc.commands reads along `fcPath`: one shrink per step, each of at most maxCommands commands. */
function replayPathLength(fcPath: string, maxCommands: number): number {
  return (fcPath.split(':').length + 1) * (maxCommands + 1);
}

export interface ReplayOptions extends PropertyCaseOptions {
  readonly backends: readonly BackendFactory[];
}

export interface PropertyReplay {
  readonly scenario: Scenario;
  readonly result: OracleResult;
  /** fast-check's counts: 1 run and 0 shrinks when the replay is exact. */
  readonly numRuns: number;
  readonly numShrinks: number;
}

/** Re-runs the run at (fcSeed, fcPath): the scenario it built and the oracle's verdict on `backends`. */
export function replayProperty(fcSeed: number, fcPath: string, opts: ReplayOptions): PropertyReplay {
  const maxCommands = resolveMaxCommands(opts);
  const arbs = propertyCaseArbitraries(opts, allRanReplayPath(replayPathLength(fcPath, maxCommands)));
  let last: { scenario: Scenario; result: OracleResult } | null = null;
  let thrown: { error: unknown } | null = null;
  const details = fc.check(
    fc.property(...arbs, (config, mode, cmds) => {
      try {
        const scenario = caseScenario(config, mode, cmds);
        const result = runOracle(scenario, opts.backends);
        last = { scenario, result };
        return result.divergence === null;
      } catch (error) {
        // A harness error (an unsupported config, a bug of ours) is not a counterexample.
        thrown = { error };
        return true;
      }
    }),
    { seed: fcSeed, path: fcPath, endOnFailure: true, numRuns: 1 },
  );
  if (thrown !== null) throw (thrown as { error: unknown }).error;
  if (last === null) throw new Error(`replayProperty: fast-check ran nothing for seed ${fcSeed} path ${fcPath}`);
  const done: { scenario: Scenario; result: OracleResult } = last;
  return { ...done, numRuns: details.numRuns, numShrinks: details.numShrinks };
}
