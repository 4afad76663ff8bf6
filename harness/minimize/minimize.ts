// minimizeScenario: shrinks a diverging scenario to a few operations that show the same
// divergence signature. Passes (syzkaller, ddmin, Hypothesis; see docs/engines.md "Reduction"):
// 1 cut after the diverging op, 2 one big cut of what it cannot depend on, then to a fixpoint:
// 3 ddmin over the ops, 4 field and config simplification, 5 canonical form (a walk collapsed
// onto one self-mapping entry, page tables renumbered by first use); finally a 1-minimality
// check. Every accepted step is simpler in one well-founded order (tester.ts), so the fixpoint is
// reached. Deterministic unless a time limit stops it; the clock is injected.
import { UnsupportedConfigError, type BackendFactory } from '../../mmus/backend.js';
import { runOracle, type Divergence } from '../oracle/oracle.js';
import type { Scenario } from '../scenario/scenario.js';
import { Budget } from './budget.js';
import { canonicalize } from './canonicalize.js';
import { dropUnrelated } from './drop-unrelated.js';
import { MinimizeError } from './minimize-error.js';
import { isOneMinimal } from './one-minimal.js';
import { reduceOps } from './reduce-ops.js';
import { simplifyConfig, simplifyOps } from './simplify.js';
import { scenarioKey, Tester } from './tester.js';

export { MinimizeError, type MinimizeErrorReason } from './minimize-error.js';

export interface MinimizeOptions {
  /** The backends to compare, first = baseline (a mutant is already applied to its factory). */
  readonly backends: readonly BackendFactory[];
  /** The signature to keep; default: the input's own divergence signature. */
  readonly signature?: string;
  /** Stop after this many milliseconds of `clock` (default: no time limit). */
  readonly timeLimitMs?: number;
  /** Stop after this many oracle runs (default: 20,000). */
  readonly maxOracleCalls?: number;
  /** Milliseconds from a fixed origin (default: performance.now). */
  readonly clock?: () => number;
}

export interface MinimizeResult {
  /** The smallest scenario found; it ends with its diverging op. Name and description are kept. */
  readonly scenario: Scenario;
  /** Its divergence (same signature as the input's). */
  readonly divergence: Divergence;
  readonly beforeOps: number;
  readonly afterOps: number;
  /** Oracle runs made, the input's own included. */
  readonly oracleCalls: number;
  /** Candidates answered from the memo: oracle runs a memo-less reducer would have made too. */
  readonly cacheHits: number;
  readonly elapsedMs: number;
  /** Removing any single op loses the signature (checked, not assumed). */
  readonly oneMinimal: boolean;
  /** False when a budget (or the cap on rounds, a safety net) stopped it before its fixpoint and check. */
  readonly complete: boolean;
}

export const DEFAULT_MAX_ORACLE_CALLS = 20_000;
/** Fixpoint rounds at most (each round that changes nothing ends the loop; 2-4 is usual). */
const MAX_ROUNDS = 20;

/**
 * Shrinks `scenario` while it keeps the signature. Throws MinimizeError when the input does not
 * diverge, diverges with another signature than `opts.signature`, or has a config a backend
 * refuses.
 */
export function minimizeScenario(scenario: Scenario, opts: MinimizeOptions): MinimizeResult {
  const clock = opts.clock ?? (() => performance.now());
  const budget = new Budget({ clock, timeLimitMs: opts.timeLimitMs, maxOracleCalls: opts.maxOracleCalls ?? DEFAULT_MAX_ORACLE_CALLS });
  const first = firstDivergence(scenario, opts);
  budget.record();
  const tester = new Tester(opts.signature ?? first.signature, opts.backends, budget);

  let s = tester.remember(scenario, first).scenario;
  s = dropUnrelated(s, tester, opts.backends[0]);
  let fixpoint = false;
  for (let round = 0; round < MAX_ROUNDS && !tester.spent; round++) {
    const before = scenarioKey(s);
    s = reduceOps(s, tester);
    s = simplifyOps(s, tester);
    s = simplifyConfig(s, tester);
    s = canonicalize(s, tester, opts.backends[0]);
    if (scenarioKey(s) === before && !tester.spent) {
      fixpoint = true;
      break;
    }
  }
  const oneMinimal = fixpoint && isOneMinimal(s, tester);
  return {
    scenario: s,
    divergence: tester.accepted(s)!.divergence,
    beforeOps: scenario.ops.length,
    afterOps: s.ops.length,
    oracleCalls: budget.oracleCalls,
    cacheHits: tester.cacheHits,
    elapsedMs: budget.elapsedMs,
    oneMinimal,
    complete: fixpoint && !tester.spent,
  };
}

/** The input's divergence, checked against the requested signature. */
function firstDivergence(scenario: Scenario, opts: MinimizeOptions): Divergence {
  let d: Divergence | null;
  try {
    d = runOracle(scenario, opts.backends).divergence;
  } catch (e) {
    if (e instanceof UnsupportedConfigError) {
      throw new MinimizeError('unsupported-config', `a backend refuses the scenario's config: ${e.message}`);
    }
    throw e;
  }
  const names = opts.backends.map((b) => b.name).join(', ');
  if (d === null) {
    throw new MinimizeError('no-divergence', `the scenario does not diverge on ${names}: there is nothing to minimize`);
  }
  if (opts.signature !== undefined && d.signature !== opts.signature) {
    throw new MinimizeError(
      'other-signature',
      `the scenario diverges with signature ${d.signature}, not ${opts.signature}: there is nothing to minimize for that signature`,
      d.signature,
    );
  }
  return d;
}
