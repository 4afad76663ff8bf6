// Test helper: a fast-check arbitrary of valid parsed Scenarios in canonical form (the fields an
// op does not take hold their parse defaults), for round-trip properties. Not used at run time.
import fc from 'fast-check';
import {
  CPU_FEATURES,
  type Config,
  type MemslotFlag,
  type MemslotSpec,
  type Op,
  type U64,
} from '../../mmus/backend.js';
import { ACCESS_KINDS, REGS } from './schema.js';
import { SCENARIO_FORMAT, type Scenario } from './scenario.js';

const FLAGS: readonly MemslotFlag[] = ['readonly', 'dirty_log'];
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const u64Arb: fc.Arbitrary<U64> = fc.oneof(
  fc.record({ lo: u32, hi: u32 }),
  fc.record({ lo: u32, hi: fc.constant(0) }),
  fc.record({ lo: fc.integer({ min: 0, max: 0xff }), hi: fc.constantFrom(0, 0x80000000, 0xffffffff) }),
);

/** A value that fits in `size` bytes. */
function valueArb(size: 1 | 2 | 4 | 8): fc.Arbitrary<U64> {
  if (size === 8) return u64Arb;
  return fc.integer({ min: 0, max: 2 ** (8 * size) - 1 }).map((lo) => ({ lo, hi: 0 }));
}

/** An address below 2^bits, a multiple of align. */
function addrArb(bits: number, align: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: 0, max: 2 ** bits / align - 1 }).map((n) => n * align),
    fc.integer({ min: 0, max: 0xffff }).map((n) => n * align),
  );
}

const flagsArb = fc.subarray([...FLAGS]);

/** Non-overlapping page-aligned slots with distinct ids, laid out upwards from 0. */
const memslotsArb: fc.Arbitrary<MemslotSpec[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 32767 }), { maxLength: 4 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.tuple(fc.constant(id), fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 64 }), flagsArb),
      ),
    ),
  )
  .map((slots) => {
    let next = 0;
    return slots.map(([slot, gapPages, pages, flags]) => {
      const gpa = next + gapPages * 0x1000;
      next = gpa + pages * 0x1000;
      return { slot, gpa, size: pages * 0x1000, flags };
    });
  });

function configArb(maxphyaddr: number): fc.Arbitrary<Config> {
  return fc.record({
    cpu: fc.record({
      maxphyaddr: fc.constant(maxphyaddr),
      features: fc.subarray([...CPU_FEATURES]).map((f) => new Set(f)),
    }),
    host: fc
      .record({
        tdp: fc.constantFrom('ept' as const, 'npt' as const, 'none' as const),
        eptAd: fc.boolean(),
        mbec: fc.constant(false),
      })
      // Shadow paging has no EPT: parsing gives eptAd false.
      .map((h) => (h.tdp === 'none' ? { ...h, eptAd: false } : h)),
    memslots: memslotsArb,
  });
}

const sizeArb = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const cplArb = fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const);

function opArb(maxphyaddr: number): fc.Arbitrary<Op> {
  const slot = fc.integer({ min: 0, max: 32767 });
  const translate = (op: 'access' | 'gva_to_gpa') =>
    fc.record({
      op: fc.constant(op),
      gva: u64Arb,
      kind: fc.constantFrom(...ACCESS_KINDS),
      cpl: cplArb,
      implicit: fc.boolean(),
    });
  return fc.oneof(
    sizeArb.chain((size) =>
      fc.record({
        op: fc.constant('write' as const),
        gpa: addrArb(maxphyaddr, size),
        value: valueArb(size),
        size: fc.constant(size),
      }),
    ),
    sizeArb.chain((size) =>
      fc.record({ op: fc.constant('read' as const), gpa: addrArb(maxphyaddr, size), size: fc.constant(size) }),
    ),
    translate('access'),
    translate('gva_to_gpa'),
    fc.record({ op: fc.constant('set' as const), reg: fc.constantFrom(...REGS), value: u64Arb }),
    fc.record({ op: fc.constant('invlpg' as const), gva: u64Arb }),
    fc.record({
      op: fc.constant('invpcid' as const),
      type: fc.integer({ min: 0, max: 255 }),
      pcid: fc.integer({ min: 0, max: 0xffffffff }),
      gva: u64Arb,
    }),
    // add: any base and a size that stays below 2^maxphyaddr (alignment is KVM's to check).
    addrArb(maxphyaddr, 1).chain((gpa) =>
      fc.record({
        op: fc.constant('memslot' as const),
        action: fc.constant('add' as const),
        slot,
        gpa: fc.constant(gpa),
        size: fc.integer({ min: 0, max: Math.min(2 ** maxphyaddr - gpa, 2 ** 40) }),
        flags: flagsArb,
      }),
    ),
    // The fields an action does not take hold what parsing gives them: 0 and [].
    memslotOp('move', slot, addrArb(maxphyaddr, 1), fc.constant([])),
    memslotOp('delete', slot, fc.constant(0), fc.constant([])),
    memslotOp('flags', slot, fc.constant(0), flagsArb),
    fc.constant({ op: 'check' as const }),
  );
}

function memslotOp(
  action: 'move' | 'delete' | 'flags',
  slot: fc.Arbitrary<number>,
  gpa: fc.Arbitrary<number>,
  flags: fc.Arbitrary<MemslotFlag[]>,
): fc.Arbitrary<Op> {
  return fc.record({
    op: fc.constant('memslot' as const),
    action: fc.constant(action),
    slot,
    gpa,
    size: fc.constant(0),
    flags,
  });
}

export const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 36, max: 52 }).chain((maxphyaddr) =>
  fc.record(
    {
      format: fc.constant(SCENARIO_FORMAT),
      name: fc.string(),
      description: fc.string(),
      config: configArb(maxphyaddr),
      ops: fc.array(opArb(maxphyaddr), { maxLength: 20 }),
    },
    { requiredKeys: ['format', 'config', 'ops'] },
  ).map((s) => toPlain(s) as Scenario),
);

/** fc.record builds null-prototype objects; parsed scenarios are plain ones. */
function toPlain(v: unknown): unknown {
  if (v instanceof Set) return new Set([...v].map(toPlain));
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}
