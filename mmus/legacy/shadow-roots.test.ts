// Shadow roots (docs/model-contract-shadow.md "Roots", "Deep check"): paging-off direct roots,
// PAE roots per present PDPTE, 32-bit roots in quadrants (and their level-1 halves), the dummy
// root, MMIO SPTEs with the memslot generation, and the check digest format.
import { describe, expect, it } from 'vitest';
import { access, memslot, setReg, write } from '../testing/ops.js';
import { PageTables } from '../testing/page-tables.js';
import { enablePaging } from '../testing/paging-setup.js';
import { ACC_ALL_NEW, R_4BYTE, R_CR0_WP, R_DIRECT, R_EFER_NX, SLOT0, ShadowVm, acc, only, quadrant, shadowConfig } from './shadow-kit.js';

const DIRECT_ROOT = 2 | R_DIRECT | acc(ACC_ALL_NEW) | R_EFER_NX;
const ROLE = (level: number) => level | acc(ACC_ALL_NEW) | R_EFER_NX | R_CR0_WP;
const ROLE32 = (level: number, q: number) => ROLE(level) | R_4BYTE | quadrant(q);

describe('paging off: four direct roots', () => {
  it('the first operation loads them; an access builds direct pages with ACC_ALL, level 0', () => {
    const vm = new ShadowVm();
    expect(vm.apply(write(0x100, 1n)).events).toStrictEqual([
      { type: 'sp', gfn: 0, level: 2, role: DIRECT_ROOT },
      { type: 'sp', gfn: 0x40000, level: 2, role: DIRECT_ROOT },
      { type: 'sp', gfn: 0x80000, level: 2, role: DIRECT_ROOT },
      { type: 'sp', gfn: 0xc0000, level: 2, role: DIRECT_ROOT },
    ]);
    expect(vm.apply(access(0x205123, 'read', 3))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x205123,
      hpa: 0x100205123,
      level: 0,
      events: [
        { type: 'sp', gfn: 0x200, level: 1, role: (DIRECT_ROOT & ~0xf) | 1 },
        { type: 'map', gfn: 0x205, level: 1, spte: { lo: 0x205067, hi: 1 } },
      ],
    });
    expect(vm.digest()).toBe(
      [
        'root 0 gfn=0x0 role=0x2f82',
        'root 1 gfn=0x40000 role=0x2f82',
        'root 2 gfn=0x80000 role=0x2f82',
        'root 3 gfn=0xc0000 role=0x2f82',
        'sp gfn=0x0 level=2 role=0x2f82 unsync=0',
        '  1 -> sp gfn=0x200 level=1 role=0x2f81',
        'sp gfn=0x200 level=1 role=0x2f81 unsync=0',
        '  5 spte=0x100205067',
        'sp gfn=0x40000 level=2 role=0x2f82 unsync=0',
        'sp gfn=0x80000 level=2 role=0x2f82 unsync=0',
        'sp gfn=0xc0000 level=2 role=0x2f82 unsync=0',
      ].join('\n'),
    );
  });

  it('check before any operation: no root loaded', () => {
    expect(new ShadowVm().digest()).toBe('root none');
  });
});

describe('PAE roots', () => {
  it('one level-2 root per present PDPTE; the others are absent', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('pae', 0x1000, 0x2000);
    vm.ok(pt.map(0x40400000, 0x800000, { leaf: 'P W U A D' }));
    const on = vm.ok(enablePaging('pae', { cr3: 0x1000, nxe: true }));
    expect(only(on[on.length - 1].events, 'sp')).toStrictEqual([{ type: 'sp', gfn: 2, level: 2, role: ROLE(2) }]);
    vm.ok([access(0x40400000, 'read', 0)]);
    expect(vm.digest()).toBe(
      [
        'root 0 none',
        'root 1 gfn=0x2 role=0x6f02',
        'root 2 none',
        'root 3 none',
        'sp gfn=0x2 level=2 role=0x6f02 unsync=0',
        '  2 -> sp gfn=0x3 level=1 role=0x6f01',
        'sp gfn=0x3 level=1 role=0x6f01 unsync=0',
        '  0 spte=0x100800067',
      ].join('\n'),
    );
  });

  it('a PDPTR reload that changes the cached PDPTEs frees the root; the new PDPTE gets its own', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('pae', 0x1000, 0x2000);
    vm.ok(pt.map(0x40400000, 0x800000, { leaf: 'P W U A D' }));
    vm.ok(enablePaging('pae', { cr3: 0x1000, nxe: true }));
    vm.ok([write(0x1000, 0x5001n)]); // PDPTE 0 -> PD at 0x5000 (not yet loaded)
    expect(vm.apply(setReg('cr3', 0x1000)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      { type: 'sp', gfn: 5, level: 2, role: ROLE(2) },
    ]);
    expect(vm.digest().split('\n').slice(0, 2)).toStrictEqual(['root 0 gfn=0x5 role=0x6f02', 'root 1 gfn=0x2 role=0x6f02']);
  });
});

describe('32-bit roots', () => {
  function setup32(): { vm: ShadowVm; pt: PageTables } {
    const vm = new ShadowVm();
    const pt = new PageTables('32bit', 0x1000, 0x2000);
    vm.ok([...pt.map(0x400000, 0x800000, { leaf: 'P W U A D' }), ...pt.map(0x600000, 0x900000, { leaf: 'P W U A D' })]);
    return { vm, pt };
  }

  it('four roots of the CR3 page in quadrants; a 4 MiB guest PT is shadowed in two halves', () => {
    const { vm } = setup32();
    const on = vm.ok(enablePaging('32bit', { cr3: 0x1000 }));
    expect(only(on[on.length - 1].events, 'sp')).toStrictEqual([0, 1, 2, 3].map((q) => ({ type: 'sp', gfn: 1, level: 2, role: ROLE32(2, q) })));
    expect(only(vm.apply(access(0x400000, 'read', 0)).events, 'sp')).toStrictEqual([{ type: 'sp', gfn: 2, level: 1, role: ROLE32(1, 0) }]);
    expect(only(vm.apply(access(0x600000, 'read', 0)).events, 'sp')).toStrictEqual([{ type: 'sp', gfn: 2, level: 1, role: ROLE32(1, 1) }]);
  });

  it('a 4-byte PDE write zaps the two 2 MiB shadow PDEs it covers, in the matching quadrant only', () => {
    const { vm, pt } = setup32();
    vm.ok(enablePaging('32bit', { cr3: 0x1000 }));
    vm.ok([access(0x400000, 'read', 0), access(0x600000, 'read', 0)]);
    expect(vm.apply(write(pt.entryGpa(0x400000, 2), 0n, 4)).events).toStrictEqual([
      { type: 'zap', gfn: 2, level: 2, role: ROLE32(2, 0), reason: 'pte_write' },
      { type: 'zap', gfn: 2, level: 2, role: ROLE32(2, 0), reason: 'pte_write' },
      { type: 'flush', scope: 'remote' },
    ]);
  });
});

describe('dummy root and MMIO SPTEs', () => {
  it('a CR3 outside every memslot gives the dummy root; a new memslot frees it', () => {
    const vm = new ShadowVm();
    vm.ok(enablePaging('long4', { cr3: 0x8000000, nxe: true }));
    expect(vm.digest()).toBe('root dummy');
    expect(vm.apply(access(0x400000, 'read', 0))).toMatchObject({ outcome: 'page_fault', errorCode: 0, events: [] });
    expect(vm.apply(memslot('add', 1, { gpa: 0x8000000, size: 0x100000 })).events).toStrictEqual([
      { type: 'sp', gfn: 0x8000, level: 4, role: ROLE(4) },
    ]);
  });

  it('a successful walk under the dummy root completes as emulation: ok or mmio, no SPTE, no event', () => {
    // PAE: the PDPT page lives in slot 1, the rest in slot 0; deleting slot 1 leaves the cached
    // PDPTEs valid but the CR3 page outside every memslot.
    const vm = new ShadowVm(shadowConfig({ memslots: [SLOT0, { slot: 1, gpa: 0x8000000, size: 0x100000, flags: [] }] }));
    const pt = new PageTables('pae', 0x8000000, 0x2000);
    vm.ok([...pt.map(0x400000, 0x800000, { leaf: 'P W U A D' }), ...pt.map(0x401000, 0x9000000, { leaf: 'P W U A D' })]);
    vm.ok(enablePaging('pae', { cr3: 0x8000000, nxe: true }));
    vm.ok([access(0x400000, 'read', 0)]);
    vm.ok([memslot('delete', 1)]);
    expect(vm.digest()).toBe('root dummy');
    expect(vm.apply(access(0x400010, 'write', 0))).toStrictEqual({ outcome: 'ok', gpa: 0x800010, hpa: 0x100800010, level: 1, events: [] });
    expect(vm.apply(access(0x401010, 'read', 0))).toStrictEqual({ outcome: 'mmio', gpa: 0x9000010, level: 1, events: [] });
    expect(vm.digest()).toBe('root dummy');
  });

  it('an MMIO SPTE answers only accesses its recorded rights (W, U) permit; fetches always walk', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('long4', 0x1000, 0x2000);
    vm.ok(pt.map(0x400000, 0x8000000, { leaf: 'P A D' })); // supervisor, read-only
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    expect(only(vm.apply(access(0x400000, 'read', 0)).events, 'mmio_spte')).toStrictEqual([{ type: 'mmio_spte', gfn: 0x8000 }]);
    expect(vm.apply(access(0x400008, 'read', 0))).toStrictEqual({ outcome: 'mmio', gpa: 0x8000008, level: 1, events: [] });
    // Not permitted by the recorded rights: the guest walk runs and faults.
    expect(vm.apply(access(0x400008, 'read', 3))).toMatchObject({ outcome: 'page_fault', errorCode: 5 });
    expect(vm.apply(access(0x400008, 'write', 0))).toMatchObject({ outcome: 'page_fault', errorCode: 3 });
    // A fetch never hits: it walks (allowed here) and installs the MMIO SPTE again.
    const fetch = vm.apply(access(0x400008, 'fetch', 0));
    expect(fetch).toMatchObject({ outcome: 'mmio', gpa: 0x8000008, level: 1 });
    expect(only(fetch.events, 'mmio_spte')).toStrictEqual([{ type: 'mmio_spte', gfn: 0x8000 }]);
  });

  it('a move to the own gpa and unchanged flags change nothing: MMIO SPTEs stay current', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('long4', 0x1000, 0x2000);
    vm.ok(pt.map(0x400000, 0x8000000, { leaf: 'P W U A D' }));
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    expect(vm.apply(access(0x400000, 'read', 0)).outcome).toBe('mmio');
    expect(vm.apply(memslot('move', 0, { gpa: 0 }))).toStrictEqual({ outcome: 'ok', events: [] });
    expect(vm.apply(memslot('flags', 0, { flags: [] }))).toStrictEqual({ outcome: 'ok', events: [] });
    expect(vm.apply(access(0x400000, 'read', 0))).toStrictEqual({ outcome: 'mmio', gpa: 0x8000000, level: 1, events: [] });
  });

  it('a gpa outside every memslot gets an MMIO SPTE; a new memslot generation makes it stale', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('long4', 0x1000, 0x2000);
    vm.ok(pt.map(0x400000, 0x8000000, { leaf: 'P W U A D' }));
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    const first = vm.apply(access(0x400010, 'write', 0));
    expect(first).toMatchObject({ outcome: 'mmio', gpa: 0x8000010, level: 1 });
    expect(only(first.events, 'mmio_spte', 'map')).toStrictEqual([{ type: 'mmio_spte', gfn: 0x8000 }]);
    expect(vm.digest()).toContain('  0 mmio gfn=0x8000');
    expect(vm.apply(access(0x400020, 'read', 3))).toStrictEqual({ outcome: 'mmio', gpa: 0x8000020, level: 1, events: [] });
    vm.ok([memslot('add', 1, { gpa: 0x8000000, size: 0x100000 })]);
    const after = vm.apply(access(0x400020, 'read', 3));
    expect(after).toMatchObject({ outcome: 'ok', gpa: 0x8000020, hpa: 0x104000020, level: 1 });
    expect(only(after.events, 'map')).toStrictEqual([{ type: 'map', gfn: 0x8000, level: 1, spte: { lo: 0x04000067, hi: 1 } }]);
  });
});
