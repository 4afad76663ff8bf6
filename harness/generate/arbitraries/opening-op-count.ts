// How many ops of a property scenario are its fixed opening: recorded in the description when
// the scenario is built, read back by tests that measure counterexamples.
import type { Scenario } from '../../scenario/scenario.js';

/** The description of a property scenario whose opening is `opening` ops long. */
export function openingDescription(mode: string, opening: number): string {
  return `fast-check scenario: mode=${mode}, opening=${opening} ops`;
}

/** Number of ops of the fixed opening of `s` (tables and paging on); 0 for other scenarios. */
export function openingOpCount(s: Scenario): number {
  const m = /opening=(\d+) ops/.exec(s.description ?? '');
  return m === null ? 0 : Number(m[1]);
}

/** Ops of `s` after the fixed opening (what a counterexample's size means). */
export function drawnOpCount(s: Scenario): number {
  return s.ops.length - openingOpCount(s);
}
