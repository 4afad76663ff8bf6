// Building candidate scenarios: the same scenario with other ops or another config. Candidates are
// plain values; whether they are valid and interesting is the tester's business.
import type { Config, Op } from '../../mmus/backend.js';
import type { Scenario } from '../scenario/scenario.js';

export function withOps(s: Scenario, ops: readonly Op[]): Scenario {
  return { ...s, ops };
}

export function withConfig(s: Scenario, config: Config): Scenario {
  return { ...s, config };
}

/** s with ops[i] replaced. */
export function replaceOp(s: Scenario, i: number, op: Op): Scenario {
  const ops = s.ops.slice();
  ops[i] = op;
  return { ...s, ops };
}

/** s with the ops whose index is in `drop` removed. */
export function dropOps(s: Scenario, drop: ReadonlySet<number>): Scenario {
  return { ...s, ops: s.ops.filter((_, i) => !drop.has(i)) };
}

/** Pass 1: nothing after the diverging op can matter to it (index -1: a create() crash keeps no op). */
export function cutAfter(s: Scenario, index: number): Scenario {
  return index + 1 >= s.ops.length ? s : { ...s, ops: s.ops.slice(0, Math.max(0, index + 1)) };
}
