// Pass 3: ddmin over the op list (the tester cuts each accepted candidate after its divergence).
import type { Scenario } from '../scenario/scenario.js';
import { withOps } from './candidate.js';
import { ddmin } from './ddmin.js';
import type { Tester } from './tester.js';

export function reduceOps(s: Scenario, t: Tester): Scenario {
  const ops = ddmin(s.ops, (candidate) => t.try(withOps(s, candidate))?.scenario.ops, () => t.spent);
  return ops === s.ops ? s : withOps(s, ops);
}
