// The property engine: fast-check model-based testing (fc.commands over operation intents, after a
// fixed opening that builds the page tables and turns paging on) with the differential oracle as
// the check. Each round is one fc.check with a seed derived from the worker seed; a new divergence
// signature is recorded, shrunk by fast-check (same signature only) and offered as the minimized
// case, then the next round starts, until ctx.shouldStop(). Prints nothing.
import fc from 'fast-check';
import type { BackendFactory } from '../../mmus/backend.js';
import { runOracle } from '../oracle/oracle.js';
import type { Engine, EngineContext } from './engine.js';
import {
  caseScenario,
  DEFAULT_MAX_COMMANDS,
  propertyCaseArbitraries,
  resolveMaxCommands,
  type PropertyCase,
  type PropertyCaseOptions,
} from './property-arbitrary.js';
import { runPropertyRound, type PropertyRoundLimits, type RoundOutcome } from './property-round.js';
import { fcSeedFor } from './property-replay.js';

export { caseScenario, DEFAULT_MAX_COMMANDS, propertyCaseArbitraries, type PropertyCase, type PropertyCaseOptions } from './property-arbitrary.js';
export { IntentCommand, type PropertyCommand } from './property-commands.js';
export {
  allRanReplayPath,
  fcSeedFor,
  formatReplayPath,
  parseReplayPath,
  renderReplayHint,
  replayProperty,
  type PropertyReplay,
  type ReplayHintOptions,
  type ReplayOptions,
} from './property-replay.js';
export type { RoundOutcome } from './property-round.js';

export interface PropertyEngineOptions extends Partial<PropertyRoundLimits> {
  /** Called after each round (tests and benchmarks watch what was found); no output of its own. */
  readonly onRound?: (outcome: RoundOutcome, round: number, fcSeed: number) => void;
}

export const DEFAULT_PROPERTY_LIMITS = Object.freeze({ maxShrinkRuns: 3000, maxShrinkMs: 20_000, yieldEveryMs: 50 });

/**
 * A property engine. Round k of a worker has the number i = (ctx.startIndex + k) * stride + offset
 * and the fast-check seed fcSeedFor(ctx.seed, i). Commands per run: at most
 * options.maxCommands (default DEFAULT_MAX_COMMANDS; the generator's min/max ops do not apply);
 * the host TDP kind follows ctx.genOptions.tdp. A replay must use the same two values.
 */
export function createPropertyEngine(options: PropertyEngineOptions = {}): Engine {
  return {
    name: 'property',
    async run(ctx: EngineContext): Promise<void> {
      const limits: PropertyRoundLimits = {
        ...DEFAULT_PROPERTY_LIMITS,
        ...withoutUndefined(options),
        // Not ctx.genOptions.maxOps: a replay must rebuild the run from (seed, path) alone.
        maxCommands: options.maxCommands ?? DEFAULT_MAX_COMMANDS,
        ...(ctx.genOptions.tdp === undefined ? {} : { tdp: ctx.genOptions.tdp }),
      };
      resolveMaxCommands(limits);
      const known = new Set<string>();
      // Like the random engine's cases: this worker's k-th round is (startIndex + k) * stride + offset.
      // A resumed worker starts past every round it ran (each round records at least one run).
      for (let k = ctx.startIndex; !ctx.shouldStop(); k++) {
        const round = k * ctx.stride + ctx.offset;
        const fcSeed = fcSeedFor(ctx.seed, round);
        const outcome = await runPropertyRound(ctx, fcSeed, known, limits);
        options.onRound?.(outcome, round, fcSeed);
        if (outcome.kind === 'found') known.add(outcome.signature);
        if (outcome.kind === 'stopped') break;
      }
    },
  };
}

/** The engine with default limits, as the registry hands it out. */
export const propertyEngine: Engine = createPropertyEngine();

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && typeof v !== 'function')) as Partial<T>;
}

/**
 * For vitest: the property "these backends agree", over the engine's own cases. Use it with
 * fast-check directly, e.g. `fc.assert(mmuProperty([legacy, refactored]), { seed, numRuns })`;
 * a counterexample's scenario is caseScenario(...counterexample).
 */
export function mmuProperty(backends: readonly BackendFactory[], opts: PropertyCaseOptions = {}): fc.IPropertyWithHooks<PropertyCase> {
  return fc.property(...propertyCaseArbitraries(opts), (config, mode, cmds) => {
    return runOracle(caseScenario(config, mode, cmds), backends).divergence === null;
  });
}
