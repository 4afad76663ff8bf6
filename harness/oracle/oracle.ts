// The differential oracle: steps every backend through a scenario in lockstep and reports the
// first op where a backend's observation differs from the first backend's.
import {
  UnsupportedConfigError,
  type Backend,
  type BackendFactory,
  type Observation,
  type Op,
  type VcpuState,
} from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { CR0_RESET, RFLAGS_FIXED } from '../../mmus/x86/bits.js';
import type { Scenario } from '../scenario/scenario.js';
import { agreesWithPrimary, compareObservations, type CompareScope, type FieldDifference } from './compare.js';
import type { Divergence, OracleResult } from './divergence.js';
import { hostModeOf } from './mode.js';
import { divergenceSignature } from './signature.js';

export type { Divergence, DivergenceClass, OracleResult } from './divergence.js';

/** Architectural reset (docs/model-contract.md), the state before op 0. */
export const RESET_STATE: VcpuState = Object.freeze({
  cr0: CR0_RESET,
  cr3: u64(0),
  cr4: 0,
  efer: 0,
  pkru: 0,
  rflags: RFLAGS_FIXED,
});

/** Stands in for the op of a divergence at create() time when the scenario has no ops. */
const NO_OP: Op = Object.freeze({ op: 'read', gpa: 0, size: 1 });

/**
 * Runs `scenario` on every backend, comparing each against backends[0] op by op.
 * A create() that throws UnsupportedConfigError is an input error and is rethrown; any other
 * exception from a backend is a 'crash' divergence. Observations stop at the diverging op.
 */
export function runOracle(scenario: Scenario, backends: readonly BackendFactory[]): OracleResult {
  if (backends.length === 0) throw new Error('runOracle: no backends given');
  const names = uniqueNames(backends);
  const n = backends.length;
  const observations: Record<string, Observation[]> = {};
  const lists: Observation[][] = names.map((name) => (observations[name] = []));

  const instances: Backend[] = [];
  for (let k = 0; k < n; k++) {
    try {
      instances.push(backends[k].create(scenario.config));
    } catch (e) {
      if (e instanceof UnsupportedConfigError) throw e;
      const other = k === 0 ? (n > 1 ? 1 : 0) : k;
      const values: [unknown, unknown] = k === 0 ? [errorText(e), 'not created'] : ['created', errorText(e)];
      return { observations, divergence: crashDivergence(scenario, backends[0], names, -1, other, values, k, e) };
    }
  }

  // A pair is compared in full only when both sides model KVM; an architectural side limits it.
  const scopes: CompareScope[] = backends.map((b) =>
    b.fidelity === 'kvm' && backends[0].fidelity === 'kvm' ? 'kvm' : 'architectural',
  );
  const current: (Observation | undefined)[] = new Array(n);
  const errors: unknown[] = new Array(n);
  const ops = scenario.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    let crashed = false;
    for (let k = 0; k < n; k++) {
      try {
        const o = instances[k].apply(op);
        current[k] = o;
        lists[k].push(o);
      } catch (e) {
        current[k] = undefined;
        errors[k] = e;
        crashed = true;
      }
    }
    if (crashed) {
      const other = current[0] === undefined ? (n > 1 ? 1 : 0) : current.indexOf(undefined);
      const side = (k: number): unknown => (current[k] === undefined ? errorText(errors[k]) : current[k]!.outcome);
      const culprit = current[0] === undefined ? 0 : other;
      const d = crashDivergence(scenario, backends[0], names, i, other, [side(0), side(other)], culprit, errors[culprit]);
      return { observations, divergence: d };
    }
    const first = current[0]!;
    let adopted = false;
    for (let k = 1; k < n; k++) {
      const other = current[k]!;
      const d = compareObservations(first, other, scopes[k]);
      if (d !== null) return { observations, divergence: fieldDivergence(scenario, backends[0], names, i, k, d) };
      // The KVM side took a stale translation the architecture allows: the architectural side
      // follows that execution (its fresh walk's A/D writes are undone).
      if (scopes[k] === 'architectural' && (first.alternatives !== undefined || other.alternatives !== undefined) && !agreesWithPrimary(first, other, scopes[k])) {
        if (other.alternatives !== undefined) instances[k].adoptAlternative?.();
        else if (!adopted) instances[0].adoptAlternative?.();
        adopted = true;
      }
    }
  }
  return { observations, divergence: null };
}

/** Backend names as observation keys; a repeated name gets a `#k` suffix. */
function uniqueNames(backends: readonly BackendFactory[]): string[] {
  const seen = new Set<string>();
  return backends.map((b, k) => {
    const name = seen.has(b.name) ? `${b.name}#${k}` : b.name;
    seen.add(name);
    return name;
  });
}

/**
 * The first backend's state before op `index`, rebuilt by replaying ops[0..index) on a fresh
 * instance, so the lockstep loop never pays for state(). Falls back to reset if the replay throws.
 */
function stateBefore(scenario: Scenario, first: BackendFactory, index: number): VcpuState {
  if (index <= 0) return RESET_STATE;
  try {
    const b = first.create(scenario.config);
    for (let i = 0; i < index; i++) b.apply(scenario.ops[i]);
    return b.state();
  } catch {
    return RESET_STATE;
  }
}

function fieldDivergence(
  scenario: Scenario,
  first: BackendFactory,
  names: readonly string[],
  index: number,
  other: number,
  d: FieldDifference,
): Divergence {
  const op = scenario.ops[index];
  const state = stateBefore(scenario, first, index);
  return {
    index,
    op,
    class: d.class,
    field: d.field,
    backends: [names[0], names[other]],
    values: d.values,
    state,
    mode: hostModeOf(state, scenario.config.host.tdp),
    signature: divergenceSignature({
      class: d.class,
      opKind: op.op,
      field: d.field,
      state,
      tdp: scenario.config.host.tdp,
      pair: [names[0], names[other]],
    }),
  };
}

/**
 * A crash at op `index` (-1: in create()). The pair is (first backend, `other`); `values` holds
 * each side's thrown message or outcome, and `error` is what the culprit threw.
 */
function crashDivergence(
  scenario: Scenario,
  first: BackendFactory,
  names: readonly string[],
  index: number,
  other: number,
  values: readonly [unknown, unknown],
  culprit: number,
  error: unknown,
): Divergence {
  const state = stateBefore(scenario, first, index);
  return {
    index,
    op: index < 0 ? (scenario.ops[0] ?? NO_OP) : scenario.ops[index],
    class: 'crash',
    field: index < 0 ? 'create' : 'exception',
    backends: [names[0], names[other]],
    values,
    state,
    mode: hostModeOf(state, scenario.config.host.tdp),
    signature: divergenceSignature({
      class: 'crash',
      opKind: index < 0 ? 'create' : scenario.ops[index].op,
      field: 'exception',
      state,
      tdp: scenario.config.host.tdp,
      pair: [names[0], names[other]],
      error,
    }),
    message: `${names[culprit]} threw: ${errorText(error)}`,
    ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
