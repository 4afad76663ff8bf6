// One round of the property engine: one fc.check with one seed, run until a new divergence
// signature fails it (then shrunk, keeping that signature) or the engine must stop. Executions go
// through ctx.execute: recorded for drawn runs, `record: false` for fast-check's shrinking steps.
import fc from 'fast-check';
import type { Scenario } from '../scenario/scenario.js';
import type { EngineContext, Provenance } from './engine.js';
import { caseScenario, propertyCaseArbitraries, type PropertyCaseOptions } from './property-arbitrary.js';

/** Bounds of one round; each has a default in the engine. */
export interface PropertyRoundLimits extends PropertyCaseOptions {
  /** Shrinking executions per counterexample before the best one so far is kept. */
  readonly maxShrinkRuns: number;
  /** Milliseconds of shrinking (by ctx.clock) per counterexample. */
  readonly maxShrinkMs: number;
  /** Milliseconds (by ctx.clock) between yields to the event loop, so signals and messages get through. */
  readonly yieldEveryMs: number;
}

export type RoundOutcome =
  /** ctx.shouldStop() ended the round (possibly while shrinking; the best case was offered). */
  | { readonly kind: 'stopped'; readonly runs: number }
  /** A new signature was found, shrunk and offered; the caller goes on with the next round. */
  | {
      readonly kind: 'found';
      readonly runs: number;
      readonly signature: string;
      readonly shrinkRuns: number;
      readonly fcPath: string;
      readonly scenario: Scenario;
    }
  /** numRuns ran out without a new signature (practically never: numRuns is huge). */
  | { readonly kind: 'exhausted'; readonly runs: number };

/** Runs per fc.check: "until told to stop", in practice. */
const NUM_RUNS = 2_000_000_000;

/**
 * Round with fast-check seed `fcSeed`. `known` holds the signatures already found by this engine:
 * they count as passing runs (still recorded, so hits add up) instead of being shrunk again.
 */
export async function runPropertyRound(
  ctx: EngineContext,
  fcSeed: number,
  known: ReadonlySet<string>,
  limits: PropertyRoundLimits,
): Promise<RoundOutcome> {
  const base: Provenance = { engine: 'property', seed: ctx.campaignSeed, fcSeed };
  let runs = 0;
  let failure: { signature: string; index: number; startMs: number } | null = null;
  let best: Scenario | null = null;
  let shrinkRuns = 0;
  let lastYield = ctx.clock();
  let fatal: { error: unknown } | null = null;

  const property = fc.asyncProperty(...propertyCaseArbitraries(limits), async (config, mode, cmds) => {
    if (fatal !== null || ctx.shouldStop()) throw new fc.PreconditionFailure(true);
    if (ctx.clock() - lastYield >= limits.yieldEveryMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = ctx.clock();
      if (ctx.shouldStop()) throw new fc.PreconditionFailure(true);
    }
    try {
      const scenario = caseScenario(config, mode, cmds);
      if (failure === null) {
        const index = runs++;
        const d = ctx.execute(scenario, { ...base, fcPath: String(index) }).divergence;
        if (d === null || known.has(d.signature)) return true;
        failure = { signature: d.signature, index, startMs: ctx.clock() };
        best = scenario;
        return false;
      }
      if (shrinkRuns >= limits.maxShrinkRuns || ctx.clock() - failure.startMs >= limits.maxShrinkMs) {
        throw new fc.PreconditionFailure(true);
      }
      shrinkRuns++;
      // Only the same signature counts: shrinking must not slide to another bug (engines.md).
      const d = ctx.execute(scenario, base, { record: false }).divergence;
      if (d === null || d.signature !== failure.signature) return true;
      best = scenario;
      return false;
    } catch (error) {
      if (fc.PreconditionFailure.isFailure(error)) throw error;
      // A harness error is not a counterexample: stop fast-check and rethrow it below.
      fatal = { error };
      throw new fc.PreconditionFailure(true);
    }
  });

  const details = await fc.check(property, { seed: fcSeed, numRuns: NUM_RUNS, endOnFailure: false });
  if (fatal !== null) throw (fatal as { error: unknown }).error;
  const found = failure as { signature: string; index: number } | null;
  if (found !== null && best !== null) {
    // fast-check's counterexample is the last failing case: `best`. Without any successful shrink
    // its path is the drawn run's index.
    const fcPath = details.counterexamplePath ?? String(found.index);
    ctx.offerMinimized(found.signature, best, { ...base, fcPath });
    return { kind: 'found', runs, signature: found.signature, shrinkRuns, fcPath, scenario: best };
  }
  return details.interrupted ? { kind: 'stopped', runs } : { kind: 'exhausted', runs };
}
