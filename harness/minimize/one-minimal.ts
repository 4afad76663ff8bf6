// The closing check: a scenario is 1-minimal when removing any single op loses the signature.
// After the fixpoint these candidates are mostly in the tester's memo, so the check is cheap.
import type { Scenario } from '../scenario/scenario.js';
import { dropOps } from './candidate.js';
import type { Tester } from './tester.js';

/** True when no single op can go; false when one can, or the budget ran out before the answer. */
export function isOneMinimal(s: Scenario, t: Tester): boolean {
  for (let i = 0; i < s.ops.length; i++) {
    if (t.try(dropOps(s, new Set([i]))) !== undefined) return false;
    if (t.spent) return false;
  }
  return true;
}
