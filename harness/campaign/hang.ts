// A wedged worker as a finding: which scenario it was running (rebuilt from the random engine's
// index, or the scenario the worker announced before running it), which backend did not return
// from which op, and a signature `hang/<op kind>/timeout/<engine>/<backend>`.
import type { LedgerMatch } from '../accept/ledger.js';
import { matches } from '../accept/match.js';
import type { Provenance } from '../engines/engine.js';
import { generateDetailed } from '../generate/random.js';
import type { Scenario } from '../scenario/scenario.js';
import type { FindingInput } from './findings.js';
import { iterationOf, type CampaignPlan, type WorkerSlot } from './plan.js';
import { SLOT_BACKEND, SLOT_CASE, SLOT_OP, SLOT_SEQ, type WorkerMessage } from './worker-protocol.js';

export interface HangFinding {
  readonly finding: Omit<FindingInput, 'firstSeenMs'>;
  /** Whether a ledger predicate accepts this hang. */
  accepts(m: LedgerMatch): boolean;
}

/** The signature of a hang: the op kind ('create' for create()), the engine and the backend that hung. */
export function hangSignature(opKind: string, engine: string, backend: string): string {
  return `hang/${opKind}/timeout/${engine}/${backend}`;
}

/**
 * What the slots say the wedged worker was running. Undefined when the scenario cannot be
 * known (a non-random engine that had not announced it).
 */
export function detectHang(
  plan: CampaignPlan,
  slot: WorkerSlot,
  slots: Int32Array,
  lastBegin: Extract<WorkerMessage, { type: 'begin' }> | undefined,
): HangFinding | undefined {
  let scenario: Scenario;
  let provenance: Provenance;
  if (plan.engine === 'random') {
    const index = iterationOf(slot, slots[SLOT_CASE]!);
    const g = generateDetailed(plan.seed, index, plan.generator);
    scenario = g.scenario;
    provenance = { engine: 'random', seed: plan.seed, index, mutators: g.mutators, mode: g.mode };
  } else if (lastBegin !== undefined && lastBegin.seq === slots[SLOT_SEQ]) {
    scenario = lastBegin.scenario;
    provenance = lastBegin.provenance;
  } else {
    return undefined;
  }
  const opIndex = slots[SLOT_OP]!;
  const backend = plan.backends[slots[SLOT_BACKEND]!] ?? '?';
  const opKind = opIndex < 0 || opIndex >= scenario.ops.length ? 'create' : scenario.ops[opIndex]!.op;
  const signature = hangSignature(opKind, plan.engine, backend);
  const op = opKind === 'create' ? undefined : scenario.ops[opIndex];
  const access = op !== undefined && (op.op === 'access' || op.op === 'gva_to_gpa') ? op.kind : undefined;
  return {
    finding: {
      signature,
      class: 'hang',
      scenario,
      result: null,
      provenance,
      hang: { backend, opIndex: opKind === 'create' ? -1 : opIndex, timeoutMs: plan.scenarioTimeoutMs },
    },
    accepts: (m) =>
      matches(m, {
        signature,
        class: 'hang',
        op: opKind,
        ...(access !== undefined ? { access } : {}),
        field: 'timeout',
        backends: [plan.backends[0]!, backend],
        config: scenario.config,
        nested: false,
      }),
  };
}
