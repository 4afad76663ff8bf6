// Pass 4: simplify fields. Each op, then the config, goes through its steps in order (simplest
// first); a step is kept when the scenario still shows the signature. Greedy and single-pass per
// call: the minimizer's fixpoint loop calls it again while anything changes.
import type { Scenario } from '../scenario/scenario.js';
import { replaceOp, withConfig } from './candidate.js';
import { configSteps } from './config-steps.js';
import { opSteps, type Step } from './op-steps.js';
import { scenarioKey, type Tester } from './tester.js';

/** Applies `steps` greedily to the value `get(s)`; returns the simplified scenario. */
function applySteps<T>(
  s: Scenario,
  t: Tester,
  steps: readonly Step<T>[],
  get: (s: Scenario) => T | undefined,
  put: (s: Scenario, v: T) => Scenario,
): Scenario {
  let current = s;
  let currentKey = scenarioKey(s);
  for (const step of steps) {
    if (t.spent) break;
    const v = get(current);
    if (v === undefined) break;
    const next = step(v);
    if (next === undefined) continue;
    const candidate = put(current, next);
    if (scenarioKey(candidate) === currentKey) continue;
    const got = t.try(candidate);
    if (got !== undefined) {
      current = got.scenario;
      currentKey = got.key;
    }
  }
  return current;
}

export function simplifyOps(s: Scenario, t: Tester): Scenario {
  let current = s;
  // Ops may disappear behind i when a simpler op makes the divergence come earlier.
  for (let i = 0; i < current.ops.length && !t.spent; i++) {
    const kind = current.ops[i].op;
    current = applySteps(
      current,
      t,
      opSteps(current.ops[i]),
      (x) => (x.ops[i]?.op === kind ? x.ops[i] : undefined),
      (x, op) => replaceOp(x, i, op),
    );
  }
  return current;
}

export function simplifyConfig(s: Scenario, t: Tester): Scenario {
  return applySteps(s, t, configSteps(s.config), (x) => x.config, withConfig);
}
