// Simplification steps for one operation, simplest first (shortlex-minded): values toward 0 by
// clearing set bits from the top (a PTE shrinks toward 0x1), registers toward their reset value,
// accesses toward a CPL-0 explicit read of a low, page-aligned address. A step maps the current
// op to a simpler one, or to undefined when it does not apply. A register goes to its reset value
// first (the write then changes nothing) and then loses set bits from the top, like a store.
import type { AccessKind, Op, Reg, U64 } from '../../mmus/backend.js';
import { CR0_RESET, RFLAGS_FIXED } from '../../mmus/x86/bits.js';
import { clearBits, flipBit, hasBit, sameU64, ZERO } from './bits.js';

export type Step<T> = (current: T) => T | undefined;

/** Register values after architectural reset (docs/model-contract.md). */
const RESET: Readonly<Record<Reg, U64>> = {
  cr0: { lo: CR0_RESET, hi: 0 },
  cr3: ZERO,
  cr4: ZERO,
  efer: ZERO,
  pkru: ZERO,
  rflags: { lo: RFLAGS_FIXED, hi: 0 },
};

const BITS_FROM_TOP = Array.from({ length: 64 }, (_, k) => 63 - k);

/** U64 steps: all at once to `first`, then each set bit cleared, from the top. */
function towards(first: U64): Step<U64>[] {
  return [
    (v) => (sameU64(v, first) ? undefined : first),
    ...BITS_FROM_TOP.map((b): Step<U64> => (v) => (hasBit(v, b) ? flipBit(v, b) : undefined)),
  ];
}

/** Address steps: bits above the page offset cleared one at a time from the top, then the offset. */
function lowerAddress(): Step<U64>[] {
  return [
    (v) => (sameU64(v, ZERO) ? undefined : ZERO),
    ...BITS_FROM_TOP.filter((b) => b >= 12).map((b): Step<U64> => (v) => (hasBit(v, b) ? flipBit(v, b) : undefined)),
    (v) => {
      const aligned = clearBits(v, 0, 11);
      return sameU64(aligned, v) ? undefined : aligned;
    },
    ...BITS_FROM_TOP.filter((b) => b < 12).map((b): Step<U64> => (v) => (hasBit(v, b) ? flipBit(v, b) : undefined)),
  ];
}

/** Lifts a step on one field of an op kind to a step on ops. */
function on<K extends Op['op'], V>(
  kind: K,
  get: (op: Extract<Op, { op: K }>) => V,
  set: (op: Extract<Op, { op: K }>, v: V) => Op,
  steps: readonly Step<V>[],
): Step<Op>[] {
  return steps.map((step) => (op) => {
    if (op.op !== kind) return undefined;
    const o = op as Extract<Op, { op: K }>;
    const v = step(get(o));
    return v === undefined ? undefined : set(o, v);
  });
}

const KIND_ORDER: readonly AccessKind[] = ['read', 'write', 'fetch'];

function translationSteps(kind: 'access' | 'gva_to_gpa'): Step<Op>[] {
  type T = Extract<Op, { op: 'access' | 'gva_to_gpa' }>;
  const when = (change: (o: T) => Op | undefined): Step<Op> => (op) => (op.op === kind ? change(op as T) : undefined);
  return [
    ...([0, 1, 2] as const).map((cpl) => when((o) => (cpl < o.cpl ? { ...o, cpl } : undefined))),
    when((o) => (o.implicit ? { ...o, implicit: false } : undefined)),
    ...KIND_ORDER.map((k) => when((o) => (KIND_ORDER.indexOf(k) < KIND_ORDER.indexOf(o.kind) ? { ...o, kind: k } : undefined))),
    ...on(kind, (o) => o.gva, (o, gva) => ({ ...o, gva }), lowerAddress()),
  ];
}

/** Every simplification step for ops of this op's kind, simplest first. */
export function opSteps(op: Op): Step<Op>[] {
  switch (op.op) {
    case 'write':
      return on('write', (o) => o.value, (o, value) => ({ ...o, value }), towards(ZERO));
    case 'set':
      return on('set', (o) => o.value, (o, value) => ({ ...o, value }), towards(RESET[op.reg]));
    case 'access':
    case 'gva_to_gpa':
      return translationSteps(op.op);
    case 'invlpg':
      return on('invlpg', (o) => o.gva, (o, gva) => ({ ...o, gva }), lowerAddress());
    case 'invpcid':
      return [
        (o) => (o.op === 'invpcid' && o.type !== 0 ? { ...o, type: 0 } : undefined),
        (o) => (o.op === 'invpcid' && o.pcid !== 0 ? { ...o, pcid: 0 } : undefined),
        ...on('invpcid', (o) => o.gva, (o, gva) => ({ ...o, gva }), lowerAddress()),
      ];
    case 'memslot':
      return [
        (o) => (o.op === 'memslot' && o.flags.length > 0 ? { ...o, flags: [] } : undefined),
        ...op.flags.map((f): Step<Op> => (o) => (o.op === 'memslot' && o.flags.includes(f) ? { ...o, flags: o.flags.filter((x) => x !== f) } : undefined)),
      ];
    case 'read':
    case 'check':
      // A check has no fields; like a read it can only be dropped (ddmin does that).
      return [];
  }
}
