// The minimizer's predicate: "shows the same divergence signature", memoised on the canonical
// text of the candidate (the JSON of scenarioToJson) and charged to the budget. A candidate that
// is not a valid format-1 scenario is refused without running the oracle.
import { UnsupportedConfigError, type BackendFactory } from '../../mmus/backend.js';
import { runOracle, type Divergence } from '../oracle/oracle.js';
import { scenarioToJson } from '../scenario/encode.js';
import { ScenarioError } from '../scenario/errors.js';
import { parseScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Budget } from './budget.js';
import { cutAfter } from './candidate.js';

/** An interesting candidate, cut after its diverging op, with that divergence. */
export interface Accepted {
  readonly scenario: Scenario;
  readonly divergence: Divergence;
  /** scenarioKey(scenario). */
  readonly key: string;
}

/**
 * The order every accepted step must descend: fewer ops, then a shorter canonical text, then the
 * text's code-unit order (lower hex digits). Well-founded, so passes cannot undo each other in a
 * cycle (a rewrite that one pass makes and another reverts is accepted at most once).
 */
export function simpler(a: Accepted, b: Accepted): boolean {
  const ao = a.scenario.ops.length;
  const bo = b.scenario.ops.length;
  if (ao !== bo) return ao < bo;
  if (a.key.length !== b.key.length) return a.key.length < b.key.length;
  return a.key < b.key;
}

/** The canonical text of a scenario: equal texts are the same scenario. */
export function scenarioKey(s: Scenario): string {
  return JSON.stringify(scenarioToJson(s));
}

export class Tester {
  private readonly memo = new Map<string, Accepted | null>();
  /** Candidates answered from the memo (each would be an oracle call without it). */
  cacheHits = 0;
  /** Candidates refused because they are not valid scenarios (no oracle call). */
  invalid = 0;
  /** The simplest interesting scenario so far: a candidate must be simpler to be accepted. */
  private best: Accepted | undefined;

  constructor(
    readonly signature: string,
    private readonly backends: readonly BackendFactory[],
    readonly budget: Budget,
  ) {}

  /**
   * Records the input's own oracle run (made before the target signature was known) as
   * interesting; returns it cut after its diverging op.
   */
  remember(s: Scenario, divergence: Divergence): Accepted {
    const cut = cutAfter(s, divergence.index);
    const accepted: Accepted = { scenario: cut, divergence, key: scenarioKey(cut) };
    this.memo.set(scenarioKey(s), accepted);
    this.memo.set(accepted.key, accepted);
    this.best = accepted;
    return accepted;
  }

  /** The verdict on a scenario the tester has accepted before (every accepted result is memoised). */
  accepted(s: Scenario): Accepted | undefined {
    return this.memo.get(scenarioKey(s)) ?? undefined;
  }

  get spent(): boolean {
    return this.budget.spent;
  }

  /**
   * The candidate, parsed and cut after its diverging op, when it diverges with the target
   * signature and is simpler than every scenario accepted so far; undefined when it does not,
   * is not simpler, is invalid, or the budget is spent.
   */
  try(candidate: Scenario): Accepted | undefined {
    const verdict = this.verdict(candidate);
    if (verdict === undefined || (this.best !== undefined && !simpler(verdict, this.best))) return undefined;
    this.best = verdict;
    return verdict;
  }

  /**
   * Like try, but accepts an interesting candidate whatever its size: the start of a detour (a
   * rewrite that pays off only after more reduction). The caller ends it with commitOrRestore.
   */
  tryDetour(candidate: Scenario): Accepted | undefined {
    const verdict = this.verdict(candidate);
    if (verdict !== undefined) this.best = verdict;
    return verdict;
  }

  /** Ends a detour that started from `before`: keeps where it led if simpler, else goes back. */
  commitOrRestore(before: Accepted): Accepted {
    if (this.best === undefined || !simpler(this.best, before)) this.best = before;
    return this.best;
  }

  /** The simplest interesting scenario so far. */
  get current(): Accepted {
    if (this.best === undefined) throw new Error('Tester: nothing accepted yet');
    return this.best;
  }

  /** Whether the candidate shows the signature (memoised), whatever its size. */
  private verdict(candidate: Scenario): Accepted | undefined {
    const json = scenarioToJson(candidate);
    const key = JSON.stringify(json);
    const known = this.memo.get(key);
    if (known !== undefined) {
      this.cacheHits++;
      return known ?? undefined;
    }
    let parsed: Scenario;
    try {
      parsed = parseScenario(json, 'candidate');
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      this.invalid++;
      this.memo.set(key, null);
      return undefined;
    }
    if (!this.budget.charge()) return undefined;
    const verdict = this.judge(parsed);
    this.memo.set(key, verdict);
    if (verdict !== null) this.memo.set(verdict.key, verdict);
    return verdict ?? undefined;
  }

  private judge(s: Scenario): Accepted | null {
    let d: Divergence | null;
    try {
      d = runOracle(s, this.backends).divergence;
    } catch (e) {
      // A simplified config some backend refuses is an uninteresting candidate, not an error.
      if (e instanceof UnsupportedConfigError) return null;
      throw e;
    }
    if (d === null || d.signature !== this.signature) return null;
    const cut = cutAfter(s, d.index);
    return { scenario: cut, divergence: d, key: scenarioKey(cut) };
  }
}
