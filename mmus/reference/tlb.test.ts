// The architectural TLB of the reference (model-contract "Architectural TLB (reference)"):
// expectations written from SDM 4.10 (what is cached, what invalidates it) and SDM 4.6 (rights
// checked at use with the current control bits), observed through `alternatives`.
import { describe, expect, it } from 'vitest';
import type { Observation, Op } from '../backend.js';
import { brief, TestVm } from './test-support.js';
import { ALL_PCIDS, ANY_GLOBAL, KEEP_GLOBAL, Tlb } from './tlb.js';

const PG = 0x80000000, PE = 1, WP = 0x10000, PAE = 0x20, PGE = 0x80, PCIDE = 0x20000;
const SMEP = 0x100000, SMAP = 0x200000, PKE = 0x400000;
const LME = 0x100, NXE = 0x800, AC = 0x40000;
const P = 1, W = 2, U = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
const NOFLUSH = 0x80000000;

const PT = 0x4000;
const NEW = 0x200000; // the frame a PTE is edited to
const OLD = 0x100000; // the frame it mapped when the TLB was filled

/** 4-level paging, every upper entry already accessed; PTE 0 (gva 0) maps OLD with `leaf` flags. */
function long4(vm: TestVm, leaf: number, cr4 = 0): void {
  vm.w64(0x1000, 0x2000 | P | W | U | A);
  vm.w64(0x2000, 0x3000 | P | W | U | A);
  vm.w64(0x3000, PT | P | W | U | A);
  vm.w64(PT, OLD | leaf);
  expect(vm.set('cr4', PAE | cr4)).toBe('ok');
  expect(vm.set('efer', LME | NXE)).toBe('ok');
  expect(vm.set('cr3', 0x1000)).toBe('ok');
  expect(vm.set('cr0', PG | PE | WP)).toBe('ok');
}

const alts = (o: Observation): string[] => (o.alternatives ?? []).map(brief);
const op = (vm: TestVm, o: Op): Observation => vm.b.apply(o);
const invlpg = (vm: TestVm, gva: number): Observation => op(vm, { op: 'invlpg', gva: { lo: gva, hi: 0 } });
const invpcid = (vm: TestVm, type: number, pcid: number, gva = 0): Observation =>
  op(vm, { op: 'invpcid', type, pcid, gva: { lo: gva, hi: 0 } });

describe('filling and using the TLB (SDM 4.10.2)', () => {
  it('a PTE edited without invalidation: the old translation is an alternative until INVLPG', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    expect(vm.access(0x10)).toEqual({ outcome: 'ok', gpa: OLD + 0x10, level: 1, events: [] });
    vm.w64(PT, NEW | P | W | A | D);
    const o = vm.access(0x10);
    expect(brief(o)).toBe('ok 200010 L1'); // the primary is always the fresh walk
    expect(o.alternatives).toEqual([{ outcome: 'ok', gpa: OLD + 0x10, level: 1, events: [] }]);
    // The fresh translation is cached too, but the old one may still be there: a set, not a slot.
    expect(alts(vm.access(0x10))).toEqual(['ok 100010 L1']);
    expect(invlpg(vm, 0x123).outcome).toBe('ok');
    expect(vm.access(0x10)).toEqual({ outcome: 'ok', gpa: NEW + 0x10, level: 1, events: [] });
  });

  it('a not-present PTE: the fault is primary, the stale translation an alternative (SDM 4.10.4.3)', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.access(0);
    vm.w64(PT, 0);
    const o = vm.access(0);
    expect(brief(o)).toBe('#PF 0');
    expect(alts(o)).toEqual(['ok 100000 L1']);
  });

  it('the alternative makes no A/D write, so a cleared A gives one with the same gpa', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.access(0);
    vm.w64(PT, OLD | P | W | D);
    const o = vm.access(0);
    expect(o.events).toEqual([{ type: 'set_ad', gpa: PT, value: { lo: OLD | P | W | A | D, hi: 0 } }]);
    expect(o.alternatives).toEqual([{ outcome: 'ok', gpa: OLD, level: 1, events: [] }]);
  });

  it('gva_to_gpa reports no alternatives; nothing is listed when nothing differs', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.w64(PT, NEW | P | W | A | D);
    // The emulator's software walk is never served by a TLB.
    expect(vm.gvaToGpa(0)).toEqual({ outcome: 'ok', gpa: NEW, level: 1, events: [] });
    // The access may be: OLD was valid (if never used) before the edit (speculative translations).
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    invlpg(vm, 0);
    vm.access(0);
    expect(vm.access(0)).toEqual({ outcome: 'ok', gpa: NEW, level: 1, events: [] }); // cached = fresh
  });

  it('the cached frame is looked up in the memslots of now: mmio when its slot is gone', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x1000000, flags: [] }, { slot: 1, gpa: 0x2000000, size: 0x10000, flags: [] }] });
    vm.w64(0x1000, 0x2000 | P | W | A);
    vm.w64(0x2000, 0x3000 | P | W | A);
    vm.w64(0x3000, PT | P | W | A);
    vm.w64(PT, 0x2000000 | P | W | A | D);
    vm.set('cr4', PAE);
    vm.set('efer', LME);
    vm.set('cr3', 0x1000);
    vm.set('cr0', PG | PE);
    expect(brief(vm.access(0x8))).toBe('ok 2000008 L1');
    vm.w64(PT, NEW | P | W | A | D);
    expect(op(vm, { op: 'memslot', action: 'delete', slot: 1, gpa: 0, size: 0, flags: [] }).outcome).toBe('ok');
    expect(alts(vm.access(0x8))).toEqual(['mmio 2000008 L1']);
  });

  it('a large page is cached with its level; INVLPG anywhere in it removes it (SDM 4.10.2.3)', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.w64(0x3000 + 8, 0x400000 | P | W | A | D | PS); // PDE 1: 2 MiB page for gva 0x200000
    expect(brief(vm.access(0x201000))).toBe('ok 401000 L2');
    vm.w64(0x3000 + 8, 0x600000 | P | W | A | D | PS);
    expect(alts(vm.access(0x201000))).toEqual(['ok 401000 L2']);
    invlpg(vm, 0x3ff000); // another 4 KiB page of the same 2 MiB page
    expect(vm.access(0x201000).alternatives).toBeUndefined();
  });
});

describe('dirty flag (SDM 4.8)', () => {
  it('an entry filled by a read of a clean page cannot serve a write; a written one can', () => {
    const vm = new TestVm();
    long4(vm, P | W | A);
    vm.access(0, 'read');
    vm.w64(PT, NEW | P | W | A | D);
    expect(vm.access(0, 'write').alternatives).toBeUndefined();
    expect(alts(vm.access(0, 'read'))).toEqual(['ok 100000 L1']);

    const vm2 = new TestVm();
    long4(vm2, P | W | A);
    vm2.access(0, 'write'); // sets D: the entry is dirty
    vm2.w64(PT, NEW | P | W | A | D);
    expect(alts(vm2.access(0, 'write'))).toEqual(['ok 100000 L1']);
  });
});

describe('rights at use time: cached R/W, U/S, XD, key; current controls (SDM 4.6, 4.10.2.2)', () => {
  it('CR0.WP: a read-only entry serves a supervisor write only while WP = 0', () => {
    const vm = new TestVm();
    long4(vm, P | A | D); // supervisor, read-only
    expect(vm.set('cr0', PG | PE)).toBe('ok'); // WP 1→0: no invalidation
    expect(brief(vm.access(0, 'write'))).toBe('ok 100000 L1');
    vm.w64(PT, NEW | P | A | D);
    expect(alts(vm.access(0, 'write'))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr0', PG | PE | WP)).toBe('ok');
    expect(alts(vm.access(0, 'read'))).toEqual(['ok 100000 L1']); // the entry is still there
    const o = vm.access(0, 'write');
    expect(brief(o)).toBe('#PF 3');
    expect(o.alternatives).toBeUndefined();
  });

  it('SMAP with RFLAGS.AC; implicit accesses ignore AC', () => {
    const vm = new TestVm();
    long4(vm, P | W | U | A | D, SMAP);
    expect(vm.set('rflags', AC | 2)).toBe('ok');
    expect(brief(vm.access(0, 'read'))).toBe('ok 100000 L1');
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(0, 'read'))).toEqual(['ok 100000 L1']);
    const implicit = vm.access(0, 'read', 0, true);
    expect(brief(implicit)).toBe('#PF 1');
    expect(implicit.alternatives).toBeUndefined();
  });

  it('SMAP with AC = 0 blocks the cached entry as it blocks the walk', () => {
    const vm = new TestVm();
    long4(vm, P | W | U | A | D, SMAP);
    vm.set('rflags', AC | 2);
    vm.access(0, 'read');
    vm.w64(PT, NEW | P | W | U | A | D);
    vm.set('rflags', 2);
    const o = vm.access(0, 'read');
    expect(brief(o)).toBe('#PF 1');
    expect(o.alternatives).toBeUndefined();
  });

  it('SMEP: a supervisor fetch from a cached user page is refused', () => {
    const vm = new TestVm();
    long4(vm, P | W | U | A | D);
    vm.access(0, 'fetch');
    vm.w64(PT, NEW | P | W | A | D); // now a supervisor page: the walk allows the fetch
    expect(alts(vm.access(0, 'fetch'))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr4', PAE | SMEP)).toBe('ok'); // SMEP 0→1 invalidates the current PCID anyway
    expect(vm.access(0, 'fetch').alternatives).toBeUndefined();
  });

  it('XD is cached, and counts only while EFER.NXE = 1', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.w64(PT + 4, 0x80000000); // XD
    invlpg(vm, 0); // forget the executable translation valid before XD was set
    vm.access(0, 'read');
    vm.w64(PT, NEW | P | W | A | D);
    vm.w64(PT + 4, 0);
    expect(vm.access(0, 'fetch').alternatives).toBeUndefined();
    expect(vm.set('efer', LME)).toBe('ok'); // NXE 1→0: no invalidation
    expect(alts(vm.access(0, 'fetch'))).toEqual(['ok 100000 L1']);
  });

  it('the protection key is cached and checked against the current PKRU', () => {
    const vm = new TestVm();
    long4(vm, P | W | U | A | D, PKE);
    vm.w64(PT + 4, 1 << 27); // key 1
    invlpg(vm, 0); // forget the key-0 translation valid before
    vm.access(0, 'read', 3);
    vm.w64(PT, NEW | P | W | U | A | D);
    vm.w64(PT + 4, 0); // key 0
    expect(alts(vm.access(0, 'read', 3))).toEqual(['ok 100000 L1']);
    expect(vm.set('pkru', 1 << 2)).toBe('ok'); // AD for key 1
    expect(vm.access(0, 'read', 3).alternatives).toBeUndefined();
  });
});

describe('invalidation (SDM 4.10.4.1)', () => {
  it('MOV CR3 drops non-global entries, even when CR3 is unchanged', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('global entries survive MOV CR3 but not a CR4.PGE toggle', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D | G, PGE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D | G);
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr4', PAE)).toBe('ok');
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('G without CR4.PGE is not global', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D | G);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    vm.set('cr3', 0x1000);
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('INVLPG removes global entries too', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D | G, PGE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    invlpg(vm, 0);
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('CR0.PG 1→0 flushes everything, global entries included', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D | G, PGE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    expect(vm.set('cr0', PE)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('a register write that changes nothing the SDM lists keeps the TLB (CR0.WP, EFER.NXE, PKRU, RFLAGS)', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D, PKE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    vm.set('cr0', PG | PE);
    vm.set('efer', LME);
    vm.set('pkru', 0);
    vm.set('rflags', 2);
    expect(vm.set('cr4', PAE | PKE | SMAP)).toBe('ok');
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
  });

  it('a P = 1 fault that no cached entry avoids drops the page; a P = 0 fault does not (KVM rule)', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D); // supervisor page
    vm.access(0);
    vm.w64(PT, 0);
    expect(brief(vm.access(0, 'read', 3))).toBe('#PF 4'); // P=0: entries kept
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    vm.w64(PT, NEW | P | W | A | D);
    const user = vm.access(0, 'read', 3);
    expect(brief(user)).toBe('#PF 5'); // P=1 and the cached entry is supervisor too
    expect(user.alternatives).toBeUndefined();
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('a fault that a cached entry avoids keeps the entries (the CPU may have used them)', () => {
    const vm = new TestVm();
    long4(vm, P | W | A | D);
    vm.access(0, 'write');
    vm.w64(PT, NEW | P | A | D); // read-only now
    expect(alts(vm.access(0, 'write'))).toEqual(['ok 100000 L1']);
    expect(alts(vm.access(0, 'write'))).toEqual(['ok 100000 L1']);
  });
});

describe('PCIDs (SDM 4.10.1, 4.10.4.1, INVPCID)', () => {
  /** Long mode with CR4.PCIDE and CR3 = 0x1000 | pcid 1 (a flushing load). */
  function pcidVm(leaf: number, cr4 = 0): TestVm {
    const vm = new TestVm();
    long4(vm, leaf, cr4);
    expect(vm.set('cr4', PAE | PCIDE | cr4)).toBe('ok');
    expect(vm.set('cr3', 0x1001)).toBe('ok');
    return vm;
  }

  it('MOV CR3 with NOFLUSH keeps the entries of every PCID; without it, the new PCID loses its own', () => {
    const vm = pcidVm(P | W | A | D);
    vm.access(0); // PCID 1
    vm.w64(PT, NEW | P | W | A | D);
    expect(vm.set('cr3', 0x1002, NOFLUSH)).toBe('ok');
    expect(vm.access(0).alternatives).toBeUndefined(); // PCID 1's entry is not PCID 2's
    expect(vm.set('cr3', 0x1001, NOFLUSH)).toBe('ok');
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr3', 0x1002)).toBe('ok'); // flushes PCID 2 only
    expect(vm.set('cr3', 0x1001, NOFLUSH)).toBe('ok');
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr3', 0x1001)).toBe('ok');
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('a global entry is used under any PCID', () => {
    const vm = pcidVm(P | W | A | D | G, PGE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    expect(vm.set('cr3', 0x1003)).toBe('ok');
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
  });

  it('INVPCID type 0: (PCID, page) without globals; INVLPG acts on the current PCID only', () => {
    const vm = pcidVm(P | W | A | D);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    vm.set('cr3', 0x1002, NOFLUSH);
    invlpg(vm, 0); // PCID 2's page: PCID 1's entry stays
    expect(invpcid(vm, 0, 1, 0x1000).outcome).toBe('ok'); // another page
    vm.set('cr3', 0x1001, NOFLUSH);
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    vm.set('cr3', 0x1002, NOFLUSH);
    expect(invpcid(vm, 0, 1, 0).outcome).toBe('ok');
    vm.set('cr3', 0x1001, NOFLUSH);
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('INVPCID types 1 and 3 keep global entries; type 2 removes them', () => {
    const vm = pcidVm(P | W | A | D | G, PGE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    invpcid(vm, 1, 1);
    invpcid(vm, 3, 0);
    invpcid(vm, 0, 1, 0);
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    invpcid(vm, 2, 0);
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('INVPCID type 1 removes the non-global entries of its PCID', () => {
    const vm = pcidVm(P | W | A | D);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    invpcid(vm, 1, 2);
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
    invpcid(vm, 1, 1);
    expect(vm.access(0).alternatives).toBeUndefined();
  });

  it('CR4.PCIDE 1→0 flushes everything', () => {
    const vm = pcidVm(P | W | A | D | G, PGE);
    vm.access(0);
    vm.w64(PT, NEW | P | W | A | D);
    expect(vm.set('cr3', 0x1000)).toBe('ok'); // PCID 0 so that PCIDE may be cleared with this CR3
    expect(vm.set('cr4', PAE | PGE)).toBe('ok');
    expect(vm.access(0).alternatives).toBeUndefined();
  });
});

describe('32-bit paging', () => {
  it('4 MiB pages: INVLPG of another 4 KiB page of the 4 MiB page removes the entry', () => {
    const vm = new TestVm();
    vm.w32(0x1000 + 4, 0x00800000 | P | W | A | D | PS); // PDE 1 → 4 MiB page at 0x800000
    vm.set('cr4', 0x10); // PSE
    vm.set('cr3', 0x1000);
    vm.set('cr0', PG | PE);
    expect(brief(vm.access(0x400000))).toBe('ok 800000 L2');
    vm.w32(0x1000 + 4, 0x00c00000 | P | W | A | D | PS);
    expect(alts(vm.access(0x400000))).toEqual(['ok 800000 L2']);
    invlpg(vm, 0x7ff000);
    expect(vm.access(0x400000).alternatives).toBeUndefined();
  });
});

describe('Tlb bookkeeping', () => {
  it('counts entries and large entries through fills and invalidations', () => {
    const t = new Tlb();
    expect(t.lookup(0, 0)).toBeUndefined();
    t.fill(0, 0x200, undefined, 1, false, 0x400000, 2, 512, 3, 0, false);
    t.fill(0, 0x200, undefined, 1, false, 0x400000, 2, 512, 3, 0, true); // same possibility: only gains D
    t.fill(0, 0x5, undefined, 1, true, 0x9000, 1, 1, 3, 0, false);
    t.fill(0x1ffffff, 0xfffff, undefined, 2, false, 0x7000, 1, 1, 3, 0, false);
    expect(t.size).toBe(3);
    expect(t.lookup(0, 0x200)?.map((e) => e.dirty)).toEqual([true]);
    t.invalidatePage(0, 0x3ff, 1, KEEP_GLOBAL); // inside the 2 MiB entry's span
    expect(t.size).toBe(2);
    t.invalidateContext(ALL_PCIDS, KEEP_GLOBAL);
    expect(t.size).toBe(1); // the global one
    t.invalidatePage(0, 0x5, 7, ANY_GLOBAL);
    expect(t.size).toBe(0);
    expect(t.lookup(0, 0x5)).toBeUndefined();
  });
});
