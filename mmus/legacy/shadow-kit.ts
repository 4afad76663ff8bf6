// Test support for the legacy shadow-paging tests: a tdp "none" config, a VM that runs ops and
// keeps the observations, and the role values (common layout) the tests expect, written out by
// hand from docs/model-contract-shadow.md "Roles". Pure helpers, no vitest.
import type { Backend, CpuFeature, MemslotSpec, MmuEvent, Observation, Op } from '../backend.js';
import { makeConfig } from '../testing/config.js';
import { legacyBackend } from './index.js';

export const SLOT0: MemslotSpec = { slot: 0, gpa: 0, size: 0x4000000, flags: [] };

/** An Intel host without EPT (shadow paging), every CPU feature unless `without`. */
export function shadowConfig(o: { memslots?: MemslotSpec[]; without?: CpuFeature[]; maxphyaddr?: number } = {}) {
  const c = makeConfig({ memslots: o.memslots ?? [SLOT0], without: o.without, maxphyaddr: o.maxphyaddr });
  return { ...c, host: { tdp: 'none' as const, eptAd: false, mbec: false } };
}

export class ShadowVm {
  readonly backend: Backend;
  constructor(c = shadowConfig()) {
    this.backend = legacyBackend.create(c);
  }
  apply(o: Op): Observation {
    return this.backend.apply(o);
  }
  /** Applies ops that must all be ok; returns their observations. */
  ok(ops: readonly Op[]): Observation[] {
    return ops.map((o, i) => {
      const obs = this.backend.apply(o);
      if (obs.outcome !== 'ok') throw new Error(`setup op ${i} (${o.op}) gave ${obs.outcome}: ${JSON.stringify(obs)}`);
      return obs;
    });
  }
  digest(): string {
    const obs = this.backend.apply({ op: 'check' });
    if (obs.digest === undefined) throw new Error('check gave no digest');
    return obs.digest;
  }
}

/** Events of the given types only. */
export function only(events: readonly MmuEvent[], ...types: MmuEvent['type'][]): MmuEvent[] {
  return events.filter((e) => types.includes(e.type));
}

// Common-layout role bits (contract table).
export const R_4BYTE = 1 << 4;
export const R_DIRECT = 1 << 7;
export const R_EFER_NX = 1 << 13;
export const R_CR0_WP = 1 << 14;
export const R_SMAP_ANDNOT_WP = 1 << 15;
/** access field, NEW encoding: READ 1, WRITE 2, USER 4, EXEC 8. */
export function acc(a: number): number {
  return a << 8;
}
export function quadrant(q: number): number {
  return q << 5;
}
/** ACC_ALL in the common layout: R|W|U|X. */
export const ACC_ALL_NEW = 15;
