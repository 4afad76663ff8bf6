// Zaps and dirty logging under shadow paging (docs/model-contract-shadow.md "Guest stores",
// "Zaps and memslots", "access" step 5): misaligned and flooding emulated writes zap the whole
// shadow page, the flooding count resets when a fault uses the page, a memslot delete zaps
// everything, dirty logging write-protects and a later write maps W again plus `dirty`.
// Layout: 4-level, CR3 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; gva 0x400000 -> 0x800000.
import { describe, expect, it } from 'vitest';
import { access, memslot, write } from '../testing/ops.js';
import { PageTables } from '../testing/page-tables.js';
import { enablePaging } from '../testing/paging-setup.js';
import { ACC_ALL_NEW, R_CR0_WP, R_EFER_NX, SLOT0, ShadowVm, acc, only, shadowConfig } from './shadow-kit.js';
import { legacyBackend } from './index.js';
import { makeConfig } from '../testing/config.js';

const ROLE = (level: number) => level | acc(ACC_ALL_NEW) | R_EFER_NX | R_CR0_WP;
const FLUSH_REMOTE = { type: 'flush', scope: 'remote' };
const PD = 0x3000;
const SLOT1 = { slot: 1, gpa: 0x4000000, size: 0x100000, flags: [] };

function setup(memslots = [SLOT0]): { vm: ShadowVm; pt: PageTables } {
  const vm = new ShadowVm(shadowConfig({ memslots }));
  const pt = new PageTables('long4', 0x1000, 0x2000);
  vm.ok(pt.map(0x400000, 0x800000, { leaf: 'P W U A D' }));
  vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
  vm.ok([access(0x400000, 'read', 0)]);
  return { vm, pt };
}

describe('emulated writes to a shadowed upper-level table', () => {
  it('a 2-byte store is misaligned: the whole page goes', () => {
    const { vm } = setup();
    expect(vm.apply(write(PD + 0x100, 0x1234n, 2)).events).toStrictEqual([
      { type: 'zap_sp', gfn: 3, level: 2, role: ROLE(2), reason: 'misaligned' },
      FLUSH_REMOTE,
    ]);
    // Rebuilt on the next fault.
    expect(only(vm.apply(access(0x400000, 'read', 0)).events, 'sp')).toStrictEqual([{ type: 'sp', gfn: 3, level: 2, role: ROLE(2) }]);
  });

  it('a one-byte store at the start of a gpte is not misaligned', () => {
    const { vm } = setup();
    expect(vm.apply(write(PD + 0x100, 0x5n, 1)).events).toStrictEqual([]);
  });

  it('the third store to an unused page floods it; a fault through the page resets the count', () => {
    const { vm, pt } = setup();
    const unused = (k: number) => write(PD + 0x100 + 8 * k, 0n); // not-present SPTEs: nothing to zap
    expect(vm.apply(unused(0)).events).toStrictEqual([]);
    expect(vm.apply(unused(1)).events).toStrictEqual([]);
    vm.ok([...pt.map(0x401000, 0x801000, { leaf: 'P W U A D' }), access(0x401000, 'read', 0)]); // a fault through the PD: count 0
    expect(vm.apply(unused(2)).events).toStrictEqual([]);
    expect(vm.apply(unused(3)).events).toStrictEqual([]);
    // The PT went unsync when the guest stored the new PTE: zapping the PD takes it along.
    expect(vm.apply(unused(4)).events).toStrictEqual([
      { type: 'zap_sp', gfn: 3, level: 2, role: ROLE(2), reason: 'flood' },
      { type: 'zap_sp', gfn: 4, level: 1, role: ROLE(1), reason: 'flood' },
      FLUSH_REMOTE,
    ]);
  });

  it('a guest write to a write-tracked gfn: read-only SPTE first (P = 0), then emulated; P = 1 emulates at once', () => {
    const { vm, pt } = setup();
    vm.ok(pt.map(0x600000, PD, { leaf: 'P W U A D' })); // the PD, mapped writable
    const obs = vm.apply(access(0x600010, 'write', 0));
    expect(obs).toMatchObject({ outcome: 'ok', gpa: 0x3010, hpa: 0x100003010, level: 1 });
    // Not-present fault: the gfn is mapped read-only (P A NX, no W), then the emulated 8-byte
    // store at 0x3010 hits PD entry 2, the link to the PT.
    expect(only(obs.events, 'map', 'zap', 'flush')).toStrictEqual([
      { type: 'map', gfn: 3, level: 1, spte: { lo: 0x3025, hi: 1 } },
      { type: 'zap', gfn: 4, level: 2, role: ROLE(2), reason: 'pte_write' },
      FLUSH_REMOTE,
    ]);
    // Now the SPTE is present and read-only: the write is emulated without a new SPTE.
    const again = vm.apply(access(0x600018, 'write', 0));
    expect(again).toMatchObject({ outcome: 'ok', gpa: 0x3018 });
    expect(only(again.events, 'map', 'sp')).toStrictEqual([]);
  });
});

describe('memslots', () => {
  it('delete zaps every shadow page (ascending), then the root is rebuilt', () => {
    const { vm } = setup([SLOT0, SLOT1]);
    // The paging-off direct roots are still cached in the hash: they go too.
    const direct = (gfn: number) => ({ type: 'zap_sp', gfn, level: 2, role: 2 | 0x80 | acc(ACC_ALL_NEW) | R_EFER_NX, reason: 'memslot' });
    expect(vm.apply(memslot('delete', 1)).events).toStrictEqual([
      direct(0),
      { type: 'zap_sp', gfn: 1, level: 4, role: ROLE(4), reason: 'memslot' },
      { type: 'zap_sp', gfn: 2, level: 3, role: ROLE(3), reason: 'memslot' },
      { type: 'zap_sp', gfn: 3, level: 2, role: ROLE(2), reason: 'memslot' },
      { type: 'zap_sp', gfn: 4, level: 1, role: ROLE(1), reason: 'memslot' },
      direct(0x40000),
      direct(0x80000),
      direct(0xc0000),
      FLUSH_REMOTE,
      { type: 'sp', gfn: 1, level: 4, role: ROLE(4) },
    ]);
    expect(vm.digest()).toBe('root 0 gfn=0x1 role=0x6f04\nsp gfn=0x1 level=4 role=0x6f04 unsync=0');
  });

  it('dirty logging write-protects writable SPTEs; a later write maps W again and logs', () => {
    const { vm } = setup();
    expect(vm.apply(memslot('flags', 0, { flags: ['dirty_log'] })).events).toStrictEqual([{ type: 'wrprot', gfn: 0x800, level: 1 }, FLUSH_REMOTE]);
    expect(vm.digest()).toContain('  0 spte=0x100800065');
    expect(vm.apply(access(0x400000, 'read', 0)).events).toStrictEqual([]);
    expect(vm.apply(access(0x400000, 'write', 0)).events).toStrictEqual([
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800067, hi: 1 } },
      { type: 'dirty', gfn: 0x800 },
    ]);
  });
});

describe('dirty logging and identical SPTEs', () => {
  it('`dirty` is reported for a writable SPTE made again identical (no `map`)', () => {
    const vm = new ShadowVm(shadowConfig({ memslots: [{ ...SLOT0, flags: ['dirty_log'] }] }));
    const pt = new PageTables('long4', 0x1000, 0x2000);
    // PD entries 2, 3 and 4 share the PT at 0x4000: one shadow PT behind three shadow PDEs.
    vm.ok([...pt.map(0x400000, 0x800000, { leaf: 'P W U A D' }), write(PD + 0x18, 0x4067n), write(PD + 0x20, 0x4067n)]);
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    expect(only(vm.apply(access(0x400000, 'read', 0)).events, 'map', 'dirty')).toStrictEqual([
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800067, hi: 1 } },
      { type: 'dirty', gfn: 0x800 },
    ]);
    // The old SPTE kept W: no D now.
    expect(only(vm.apply(access(0x600000, 'read', 0)).events, 'map', 'dirty')).toStrictEqual([
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800027, hi: 1 } },
      { type: 'dirty', gfn: 0x800 },
    ]);
    // The same SPTE again: no `map`, still `dirty`.
    expect(only(vm.apply(access(0x800000, 'read', 0)).events, 'map', 'dirty')).toStrictEqual([{ type: 'dirty', gfn: 0x800 }]);
  });
});

describe('check under TDP', () => {
  it('lists the leaf SPTEs of the current TDP root in ascending gfn', () => {
    const b = legacyBackend.create(makeConfig());
    b.apply(access(0x7000, 'read', 0));
    b.apply(access(0x5000, 'write', 0));
    expect(b.apply({ op: 'check' })).toStrictEqual({
      outcome: 'ok',
      digest: 'tdp gfn=0x5 spte=0x8000000100005377\ntdp gfn=0x7 spte=0x8000000100007377',
      events: [],
    });
  });
});
