// Field-by-field comparison of two observations of the same op: returns the first differing field.
// Runs once per op per backend pair, so the equal path allocates nothing and builds no strings.
import type { MmuEvent, Observation, U64 } from '../../mmus/backend.js';
import type { DivergenceClass } from './divergence.js';

/**
 * kvm: both backends claim KVM fidelity, every field and event counts, and the `check` digests.
 * architectural: one side is an architectural model; only outcome, gpa, level, value, errorCode,
 * address, to and the ordered set_ad events count (no hpa, no map/zap/wrprot/dirty/flush).
 */
export type CompareScope = 'kvm' | 'architectural';

export interface FieldDifference {
  readonly field: string;
  readonly class: DivergenceClass;
  readonly values: readonly [unknown, unknown];
}

function u64OptEq(a: U64 | undefined, b: U64 | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.lo === b.lo && a.hi === b.hi;
}

function diff(field: string, cls: DivergenceClass, a: unknown, b: unknown): FieldDifference {
  return { field, class: cls, values: [a, b] };
}

/**
 * Returns the first differing field of a and b, or null when they agree within `scope`. In the
 * architectural scope an observation that lists `alternatives` (outcomes the architecture also
 * allows, e.g. a stale TLB translation) agrees when the other side equals its primary fields or
 * any alternative; when none matches, the difference reported is the one against the primary.
 */
export function compareObservations(a: Observation, b: Observation, scope: CompareScope): FieldDifference | null {
  const d = compareFields(a, b, scope);
  if (d === null || scope === 'kvm') return d;
  if (b.alternatives !== undefined) {
    for (const alt of b.alternatives) if (compareFields(a, alt, scope) === null) return null;
  }
  if (a.alternatives !== undefined) {
    for (const alt of a.alternatives) if (compareFields(alt, b, scope) === null) return null;
  }
  return d;
}

/** True when a and b agree on their primary fields (not through an alternative). */
export function agreesWithPrimary(a: Observation, b: Observation, scope: CompareScope): boolean {
  return compareFields(a, b, scope) === null;
}

/** The primary fields only (alternatives are not looked at). */
function compareFields(a: Observation, b: Observation, scope: CompareScope): FieldDifference | null {
  if (a.outcome !== b.outcome) return diff('outcome', 'outcome', a.outcome, b.outcome);
  if (a.gpa !== b.gpa) return diff('gpa', 'translation', a.gpa, b.gpa);
  if (scope === 'kvm' && a.hpa !== b.hpa) return diff('hpa', 'translation', a.hpa, b.hpa);
  if (a.level !== b.level) return diff('level', 'translation', a.level, b.level);
  if (!u64OptEq(a.value, b.value)) return diff('value', 'value', a.value, b.value);
  if (a.errorCode !== b.errorCode) return diff('error_code', 'error_code', a.errorCode, b.errorCode);
  if (!u64OptEq(a.address, b.address)) return diff('address', 'error_code', a.address, b.address);
  if (a.to !== b.to) return diff('to', 'error_code', a.to, b.to);
  if (scope !== 'kvm') return compareSetAdEvents(a.events, b.events);
  const e = compareAllEvents(a.events, b.events);
  if (e !== null || a.digest === b.digest) return e;
  return digestDifference(a.digest, b.digest);
}

/**
 * Two digests differ: the values are the first differing line of each side as `line <n>: <text>`
 * (n from 1; `line <n>: (end of digest)` for the shorter side), so a report shows where the page
 * tables part, not two whole digests. A missing digest stays undefined.
 */
export function digestDifference(a: string | undefined, b: string | undefined): FieldDifference {
  if (a === undefined || b === undefined) return diff('digest', 'digest', a, b);
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const line = (ls: readonly string[]): string => `line ${i + 1}: ${i < ls.length ? ls[i] : '(end of digest)'}`;
  return diff('digest', 'digest', line(la), line(lb));
}

function eventClass(x: MmuEvent | undefined, y: MmuEvent | undefined): DivergenceClass {
  return x?.type === 'set_ad' || y?.type === 'set_ad' ? 'ad' : 'events';
}

function compareAllEvents(ea: readonly MmuEvent[], eb: readonly MmuEvent[]): FieldDifference | null {
  const n = ea.length < eb.length ? ea.length : eb.length;
  for (let i = 0; i < n; i++) {
    const x = ea[i];
    const y = eb[i];
    if (x.type !== y.type) return diff(`events[${i}]`, eventClass(x, y), x, y);
    const f = differingEventField(x, y);
    if (f !== null) return diff(`events[${i}].${f}`, eventClass(x, y), eventField(x, f), eventField(y, f));
  }
  if (ea.length !== eb.length) return diff('events.length', eventClass(ea[n], eb[n]), ea.length, eb.length);
  return null;
}

/** Compares the subsequences of set_ad events, skipping every other event type. */
function compareSetAdEvents(ea: readonly MmuEvent[], eb: readonly MmuEvent[]): FieldDifference | null {
  let i = 0;
  let j = 0;
  for (let k = 0; ; k++) {
    while (i < ea.length && ea[i].type !== 'set_ad') i++;
    while (j < eb.length && eb[j].type !== 'set_ad') j++;
    if (i === ea.length || j === eb.length) {
      if (i === ea.length && j === eb.length) return null;
      return diff('set_ad.length', 'ad', countSetAd(ea), countSetAd(eb));
    }
    const f = differingEventField(ea[i], eb[j]);
    if (f !== null) return diff(`set_ad[${k}].${f}`, 'ad', eventField(ea[i], f), eventField(eb[j], f));
    i++;
    j++;
  }
}

function countSetAd(events: readonly MmuEvent[]): number {
  let n = 0;
  for (const e of events) if (e.type === 'set_ad') n++;
  return n;
}

/** The first differing field of two events of the same type, or null. */
function differingEventField(x: MmuEvent, y: MmuEvent): string | null {
  switch (x.type) {
    case 'set_ad': {
      const o = y as typeof x;
      if (x.gpa !== o.gpa) return 'gpa';
      if (!u64OptEq(x.value, o.value)) return 'value';
      return null;
    }
    case 'map': {
      const o = y as typeof x;
      if (x.gfn !== o.gfn) return 'gfn';
      if (x.level !== o.level) return 'level';
      if (!u64OptEq(x.spte, o.spte)) return 'spte';
      return null;
    }
    case 'sp':
    case 'zap':
    case 'zap_sp': {
      // The same fields (a shadow page, or an SPTE of one); zaps add their reason.
      const o = y as typeof x;
      if (x.gfn !== o.gfn) return 'gfn';
      if (x.level !== o.level) return 'level';
      if (x.role >>> 0 !== o.role >>> 0) return 'role';
      if (x.type !== 'sp' && x.reason !== (o as typeof x).reason) return 'reason';
      return null;
    }
    case 'unsync':
    case 'sync': {
      const o = y as typeof x;
      if (x.gfn !== o.gfn) return 'gfn';
      if (x.role >>> 0 !== o.role >>> 0) return 'role';
      return null;
    }
    case 'mmio_spte':
      return x.gfn !== (y as typeof x).gfn ? 'gfn' : null;
    case 'wrprot': {
      const o = y as typeof x;
      if (x.gfn !== o.gfn) return 'gfn';
      if (x.level !== o.level) return 'level';
      return null;
    }
    case 'dirty':
      return x.gfn !== (y as typeof x).gfn ? 'gfn' : null;
    case 'flush': {
      const o = y as typeof x;
      if (x.scope !== o.scope) return 'scope';
      if (!u64OptEq(x.gva, o.gva)) return 'gva';
      return null;
    }
  }
}

function eventField(e: MmuEvent, field: string): unknown {
  return (e as unknown as Record<string, unknown>)[field];
}
