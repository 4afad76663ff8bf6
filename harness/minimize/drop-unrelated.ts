// Pass 2: one big cut before ddmin. Drops, in one try, what the diverging op cannot depend on:
// reads (they change nothing), stores to bytes its walk does not read, and (first try only) the
// other accesses. Falls back to smaller cuts; keeps the input when every cut loses the signature.
import type { BackendFactory, Op } from '../../mmus/backend.js';
import type { Scenario } from '../scenario/scenario.js';
import { withOps } from './candidate.js';
import type { Tester } from './tester.js';
import { lastOpDependencies, overlaps, type GpaRange } from './walk-entries.js';

type Keep = (op: Op) => boolean;

export function dropUnrelated(s: Scenario, t: Tester, first: BackendFactory): Scenario {
  const last = s.ops.length - 1;
  if (last < 1) return s;
  const deps = lastOpDependencies(s, first);
  const notRead: Keep = (op) => op.op !== 'read';
  const cuts: Keep[] = [];
  if (deps !== undefined) {
    const related = relatedStore(deps);
    cuts.push((op) => notRead(op) && related(op) && op.op !== 'access' && op.op !== 'gva_to_gpa');
    cuts.push((op) => notRead(op) && related(op));
  }
  cuts.push(notRead);
  for (const keep of cuts) {
    const ops = s.ops.filter((op, i) => i === last || keep(op));
    if (ops.length === s.ops.length) continue;
    const got = t.try(withOps(s, ops));
    if (got !== undefined) return got.scenario;
  }
  return s;
}

/** Keeps every op except stores that miss the dependency ranges. */
function relatedStore(deps: readonly GpaRange[]): Keep {
  return (op) => op.op !== 'write' || overlaps(op.gpa, op.gpa + op.size, deps);
}
