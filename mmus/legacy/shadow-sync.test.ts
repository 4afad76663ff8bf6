// Unsync and sync (docs/model-contract-shadow.md "Guest stores", "TLB operations", "Service
// step"): a store to a level-1 guest table makes its shadow page unsync; the hardware keeps the
// stale translation until INVLPG or a flushing CR3 load syncs it; a sync drops a removed gpte.
// Layout: 4-level, CR3 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; gva 0x400000 -> 0x800000.
import { describe, expect, it } from 'vitest';
import { access, invlpg, memslot, setReg, write } from '../testing/ops.js';
import { PageTables, entryBits } from '../testing/page-tables.js';
import { enablePaging } from '../testing/paging-setup.js';
import { CR4_PAE, CR4_PCIDE } from '../x86/bits.js';
import { ACC_ALL_NEW, R_CR0_WP, R_EFER_NX, ShadowVm, acc, only } from './shadow-kit.js';

const ROLE = (level: number) => level | acc(ACC_ALL_NEW) | R_EFER_NX | R_CR0_WP;
const PTE0 = 0x4000;
const FLUSH_REMOTE = { type: 'flush', scope: 'remote' };

function setup(): { vm: ShadowVm; pt: PageTables } {
  const vm = new ShadowVm();
  const pt = new PageTables('long4', 0x1000, 0x2000);
  vm.ok(pt.map(0x400000, 0x800000, { leaf: 'P W U A D' }));
  vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
  vm.ok([access(0x400000, 'read', 0)]);
  return { vm, pt };
}

describe('unsync', () => {
  it('a store to a level-1 guest table makes its page unsync; later stores are silent', () => {
    const { vm } = setup();
    expect(vm.apply(write(PTE0 + 8, 0x801067n))).toStrictEqual({ outcome: 'ok', events: [{ type: 'unsync', gfn: 4, role: ROLE(1) }] });
    expect(vm.apply(write(PTE0 + 16, 0x802067n)).events).toStrictEqual([]);
    expect(vm.digest()).toContain('sp gfn=0x4 level=1 role=0x6f01 unsync=1');
  });

  it('a store to an upper-level table is emulated instead (write-tracked), zapping the SPTE of that gpte', () => {
    const { vm, pt } = setup();
    expect(vm.apply(write(pt.entryGpa(0x400000, 2), 0n)).events).toStrictEqual([
      { type: 'zap', gfn: 4, level: 2, role: ROLE(2), reason: 'pte_write' },
      FLUSH_REMOTE,
    ]);
  });

  it('the stale translation stays until INVLPG, whose sync drops the SPTE of a changed gfn', () => {
    const { vm } = setup();
    vm.ok([write(PTE0, 0x900067n)]);
    expect(vm.apply(access(0x400000, 'read', 0))).toMatchObject({ outcome: 'ok', gpa: 0x800000, events: [] });
    expect(vm.apply(invlpg(0x400000)).events).toStrictEqual([
      { type: 'flush', scope: 'gva', gva: { lo: 0x400000, hi: 0 } },
      { type: 'zap', gfn: 0x800, level: 1, role: ROLE(1), reason: 'sync' },
      FLUSH_REMOTE,
    ]);
    const obs = vm.apply(access(0x400000, 'read', 0));
    expect(obs).toMatchObject({ outcome: 'ok', gpa: 0x900000 });
    expect(only(obs.events, 'map')).toStrictEqual([{ type: 'map', gfn: 0x900, level: 1, spte: { lo: 0x900067, hi: 1 } }]);
  });

  it('INVLPG rebuilds an SPTE whose rights changed (gpte now read-only)', () => {
    const { vm } = setup();
    vm.ok([write(PTE0, 0x800065n)]); // P U A D: no longer writable
    expect(vm.apply(invlpg(0x400000)).events).toStrictEqual([
      { type: 'flush', scope: 'gva', gva: { lo: 0x400000, hi: 0 } },
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800025, hi: 1 } },
      FLUSH_REMOTE,
    ]);
    expect(vm.apply(access(0x400000, 'write', 0))).toMatchObject({ outcome: 'page_fault', errorCode: 3 });
  });

  it('a flushing CR3 load syncs the root: re-write-protect, sync, and drop a removed gpte', () => {
    const { vm } = setup();
    vm.ok([write(PTE0, 0n)]);
    expect(vm.apply(access(0x400000, 'read', 0)).outcome).toBe('ok'); // stale but allowed
    expect(vm.apply(setReg('cr3', 0x1000)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      { type: 'sync', gfn: 4, role: ROLE(1) },
      { type: 'zap', gfn: 0x800, level: 1, role: ROLE(1), reason: 'sync' },
      FLUSH_REMOTE,
    ]);
    expect(vm.digest()).toContain('sp gfn=0x4 level=1 role=0x6f01 unsync=0');
    expect(vm.apply(access(0x400000, 'read', 0))).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });

  it('a sync write-protects the table again through the writable SPTE that maps it', () => {
    const { vm, pt } = setup();
    // The guest maps its own PT writable at 0x600000 and writes through it: unsync, then W.
    vm.ok(pt.map(0x600000, PTE0, { leaf: 'P W U A D' }));
    const w = vm.apply(access(0x600000, 'write', 0));
    expect(only(w.events, 'unsync', 'map')).toStrictEqual([
      { type: 'unsync', gfn: 4, role: ROLE(1) },
      { type: 'map', gfn: 4, level: 1, spte: { lo: 0x4067, hi: 1 } },
    ]);
    expect(vm.apply(setReg('cr3', 0x1000)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      { type: 'wrprot', gfn: 4, level: 1 },
      FLUSH_REMOTE, // before any gpte is re-read
      { type: 'sync', gfn: 4, role: ROLE(1) },
    ]);
  });

  it('a sync rebuild may make the SPTE writable when the gfn has no shadow page (with D)', () => {
    const { vm } = setup();
    vm.ok([write(PTE0, 0x800065n)]); // P U A D: read-only
    vm.ok([invlpg(0x400000)]);
    expect(vm.apply(write(PTE0, 0x800067n)).events).toStrictEqual([]); // writable again, still unsync
    expect(vm.apply(invlpg(0x400000)).events).toStrictEqual([
      { type: 'flush', scope: 'gva', gva: { lo: 0x400000, hi: 0 } },
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800067, hi: 1 } },
    ]);
  });

  it('a sync rebuild of a writable SPTE keeps W without D (old SPTE kept W), no flush', () => {
    const { vm } = setup();
    vm.ok([write(PTE0, 0x800063n)]); // P W A D: supervisor only now
    expect(vm.apply(invlpg(0x400000)).events).toStrictEqual([
      { type: 'flush', scope: 'gva', gva: { lo: 0x400000, hi: 0 } },
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800023, hi: 1 } },
    ]);
  });

  it('page-table write protection also clears MMU-writable that dirty logging left: flushed before the sync', () => {
    const { vm, pt } = setup();
    vm.ok(pt.map(0x600000, PTE0, { leaf: 'P W U A D' }));
    vm.ok([access(0x600000, 'write', 0)]); // unsync gfn 4, W
    expect(vm.apply(memslot('flags', 0, { flags: ['dirty_log'] })).events).toStrictEqual([
      { type: 'wrprot', gfn: 4, level: 1 },
      { type: 'wrprot', gfn: 0x800, level: 1 },
      FLUSH_REMOTE,
    ]);
    expect(vm.apply(setReg('cr3', 0x1000)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      FLUSH_REMOTE, // no wrprot (W was gone), but MMU-writable goes
      { type: 'sync', gfn: 4, role: ROLE(1) },
    ]);
  });

  it('mmu_sync_children write-protects every page of the batch, flushes once, then syncs each', () => {
    const { vm, pt } = setup();
    vm.ok([...pt.map(0x200000, 0x900000, { leaf: 'P W U A D' }), access(0x200000, 'read', 0)]); // PT gfn 5
    vm.ok([...pt.map(0x600000, PTE0, { leaf: 'P W U A D' }), ...pt.map(0x601000, 0x5000, { leaf: 'P W U A D' })]);
    vm.ok([access(0x600000, 'write', 0), access(0x601000, 'write', 0)]); // both unsync, both W
    expect(vm.apply(setReg('cr3', 0x1000)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      { type: 'wrprot', gfn: 4, level: 1 },
      { type: 'wrprot', gfn: 5, level: 1 },
      FLUSH_REMOTE,
      { type: 'sync', gfn: 4, role: ROLE(1) },
      { type: 'sync', gfn: 5, role: ROLE(1) },
    ]);
  });

  it('creating an upper-level page for the gfn of an unsync page zaps it (unsync_upper)', () => {
    const { vm } = setup();
    vm.ok([write(PTE0 + 40, 0xa00087n)]); // gfn 4 entry 5: as a PDE, a 2 MiB page at 0xa00000
    vm.ok([write(0x2008, 0x4027n)]); // PDPTE 1 -> gfn 4 used as a page directory
    const obs = vm.apply(access(0x40a00000, 'read', 0));
    expect(obs).toMatchObject({ outcome: 'ok', gpa: 0xa00000, level: 2 });
    expect(only(obs.events, 'zap_sp', 'flush', 'sp', 'map')).toStrictEqual([
      { type: 'zap_sp', gfn: 4, level: 1, role: ROLE(1), reason: 'unsync_upper' },
      FLUSH_REMOTE,
      { type: 'sp', gfn: 4, level: 2, role: ROLE(2) },
      // below the 2 MiB guest page: a direct page with the leaf rights (clean: R U X)
      { type: 'sp', gfn: 0xa00, level: 1, role: 1 | 0x80 | acc(1 | 4 | 8) | R_EFER_NX | R_CR0_WP },
      { type: 'map', gfn: 0xa00, level: 1, spte: { lo: 0xa00025, hi: 1 } },
    ]);
  });
});

describe('prev_roots and PCIDs', () => {
  it('a NOFLUSH switch back reuses the cached root unsynced; a flushing load syncs it', () => {
    const vm = new ShadowVm();
    const a = new PageTables('long4', 0x1000, 0x2000);
    const b = new PageTables('long4', 0x10000, 0x11000);
    vm.ok([...a.map(0x400000, 0x800000, { leaf: 'P W U A D' }), ...b.map(0x400000, 0x880000, { leaf: 'P W U A D' })]);
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    vm.ok([setReg('cr4', CR4_PAE | CR4_PCIDE), access(0x400000, 'read', 0)]);
    vm.ok([write(PTE0, 0x900067n)]); // unsync, stale
    expect(vm.apply(setReg('cr3', 0x10001)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      { type: 'sp', gfn: 0x10, level: 4, role: ROLE(4) },
    ]);
    expect(vm.apply(setReg('cr3', 0x8000000000001000n)).events).toStrictEqual([]);
    expect(vm.apply(access(0x400000, 'read', 0))).toMatchObject({ outcome: 'ok', gpa: 0x800000, events: [] });
    expect(vm.apply(setReg('cr3', 0x1000)).events).toStrictEqual([
      { type: 'flush', scope: 'current' },
      { type: 'sync', gfn: 4, role: ROLE(1) },
      { type: 'zap', gfn: 0x800, level: 1, role: ROLE(1), reason: 'sync' },
      FLUSH_REMOTE,
    ]);
  });

  it('INVPCID single-context of a cached PCID frees that prev root (reloaded from the hash later)', () => {
    const vm = new ShadowVm();
    const a = new PageTables('long4', 0x1000, 0x2000);
    const b = new PageTables('long4', 0x10000, 0x11000);
    vm.ok([...a.map(0x400000, 0x800000, { leaf: 'P W U A D' }), ...b.map(0x400000, 0x880000, { leaf: 'P W U A D' })]);
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    vm.ok([setReg('cr4', CR4_PAE | CR4_PCIDE), access(0x400000, 'read', 0)]);
    vm.ok([write(PTE0, 0x900067n)]); // unsync, stale under root A (pcid 0)
    vm.ok([setReg('cr3', 0x10001)]); // root B, pcid 1; A is prev_roots[0]
    expect(vm.apply({ op: 'invpcid', type: 1, pcid: 0, gva: { lo: 0, hi: 0 } }).events).toStrictEqual([]);
    // Back to pcid 0 without flushing: the prev root was freed, so the root is loaded and synced.
    expect(vm.apply(setReg('cr3', 0x8000000000001000n)).events).toStrictEqual([
      { type: 'sync', gfn: 4, role: ROLE(1) },
      { type: 'zap', gfn: 0x800, level: 1, role: ROLE(1), reason: 'sync' },
      FLUSH_REMOTE,
    ]);
  });
});

describe('entry sanity', () => {
  it('entryBits keeps working for raw gptes', () => {
    expect(entryBits('P W U A D')).toBe(0x67n);
  });
});
