// Accessed/dirty updates (SDM 4.8): after a successful translation only, top level down, A where
// missing, D on the leaf for writes, each changed entry one set_ad event; ledger 4 for read-only
// memslots. Expected values are written by hand.
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../memory/guest-memory.js';
import { setAccessedDirty } from './accessed-dirty.js';
import { History } from './history.js';
import { Registers } from './registers.js';
import { TestVm } from './test-support.js';
import { Walk } from './translate.js';

const PG = 0x80000000, PE = 1, WP = 0x10000, PSE = 0x10, PAE = 0x20, LME = 0x100, NXE = 0x800;

function ad(gpa: number, lo: number, hi = 0) {
  return { type: 'set_ad', gpa, value: { lo, hi } };
}

/** 4-level: gva 0 → 0x100000 (4 KiB), gva 0x200000 → 2 MiB page at 0x400000; no A/D set anywhere. */
function long4(): TestVm {
  const vm = new TestVm();
  vm.w64(0x1000, 0x2007);
  vm.w64(0x2000, 0x3007);
  vm.w64(0x3000, 0x4007);
  vm.w64(0x3008, 0x400087, 0x80000000); // 2 MiB, XD
  vm.w64(0x4000, 0x100007);
  vm.w64(0x4008, 0x101005); // gva 0x1000: user read-only
  for (const [reg, v] of [['cr4', PAE], ['efer', LME | NXE], ['cr3', 0x1000], ['cr0', PG | PE | WP]] as const) expect(vm.set(reg, v)).toBe('ok');
  return vm;
}

describe('A/D updates', () => {
  it('read: A on every level, top down; nothing the second time', () => {
    const vm = long4();
    expect(vm.access(0x10).events).toEqual([ad(0x1000, 0x2027), ad(0x2000, 0x3027), ad(0x3000, 0x4027), ad(0x4000, 0x100027)]);
    expect(vm.r64(0x4000)).toEqual({ lo: 0x100027, hi: 0 });
    expect(vm.access(0x10).events).toEqual([]);
  });

  it('write: A on upper levels and A|D on the leaf in one event', () => {
    const vm = long4();
    expect(vm.access(0x10, 'write').events).toEqual([ad(0x1000, 0x2027), ad(0x2000, 0x3027), ad(0x3000, 0x4027), ad(0x4000, 0x100067)]);
    expect(vm.access(0x10, 'write').events).toEqual([]);
  });

  it('write after read: only D on the leaf', () => {
    const vm = long4();
    vm.access(0x10, 'read');
    expect(vm.access(0x10, 'write').events).toEqual([ad(0x4000, 0x100067)]);
  });

  it('fetch sets A only', () => {
    const vm = long4();
    expect(vm.access(0x10, 'fetch').events).toEqual([ad(0x1000, 0x2027), ad(0x2000, 0x3027), ad(0x3000, 0x4027), ad(0x4000, 0x100027)]);
  });

  it('2 MiB page: D on the PDE (the leaf); the event carries the high half', () => {
    const vm = long4();
    expect(vm.access(0x200000, 'write').events).toEqual([ad(0x1000, 0x2027), ad(0x2000, 0x3027), ad(0x3008, 0x4000e7, 0x80000000)]);
  });

  it('a faulting walk writes nothing (permission, not-present, reserved)', () => {
    const vm = long4();
    expect(vm.access(0x1000, 'write', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x7, events: [] });
    expect(vm.access(0x2000, 'read')).toMatchObject({ outcome: 'page_fault', errorCode: 0x0, events: [] });
    vm.w64(0x4018, 0x103007, 0x4000); // gva 0x3000: bit 46 reserved
    expect(vm.access(0x3000, 'read')).toMatchObject({ outcome: 'page_fault', errorCode: 0x9, events: [] });
    expect(vm.r64(0x1000)).toEqual({ lo: 0x2007, hi: 0 });
    expect(vm.r64(0x3000)).toEqual({ lo: 0x4007, hi: 0 });
  });

  it('gva_to_gpa and MMIO accesses set A/D too (the walk succeeded)', () => {
    const vm = long4();
    expect(vm.gvaToGpa(0x10).events).toHaveLength(4);
    vm.w64(0x4010, 0x9000007); // gva 0x2000 → no memslot
    // (The same translation before this walk's A/D writes is an alternative: a write to an
    // unbacked gpa needs no D, see the ledger in model-contract.md.)
    expect(vm.access(0x2000, 'write')).toMatchObject({ outcome: 'mmio', gpa: 0x9000000, level: 1, events: [ad(0x4010, 0x9000067)] });
  });

  it('32-bit paging: 4-byte entries; 4 MiB page gets D in the PDE', () => {
    const vm = new TestVm();
    vm.w32(0x1000, 0x2007);
    vm.w32(0x1004, 0x00400083);
    vm.w32(0x2000, 0x100007);
    for (const [reg, v] of [['cr4', PSE], ['cr3', 0x1000], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    expect(vm.access(0x0, 'write').events).toEqual([ad(0x1000, 0x2027), ad(0x2000, 0x100067)]);
    expect(vm.access(0x400000, 'write').events).toEqual([ad(0x1004, 0x004000e3)]);
    // A 4-byte update leaves the neighbouring entry alone.
    expect(vm.r64(0x1000)).toEqual({ lo: 0x2027, hi: 0x004000e3 });
  });

  it('PAE: PDPTEs are never written', () => {
    const vm = new TestVm();
    vm.w64(0x1000, 0x2001);
    vm.w64(0x2000, 0x3007);
    vm.w64(0x3000, 0x100007);
    for (const [reg, v] of [['cr4', PAE], ['cr3', 0x1000], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    expect(vm.access(0x0, 'write').events).toEqual([ad(0x2000, 0x3027), ad(0x3000, 0x100067)]);
    expect(vm.r64(0x1000)).toEqual({ lo: 0x2001, hi: 0 });
  });

  it('a self-referencing entry is updated once per bit (locked read-modify-write)', () => {
    const vm = new TestVm();
    vm.w64(0x1000, 0x1007); // PML4E 0 → 0x1000 serves as PML4, PDPT, PD and PT
    for (const [reg, v] of [['cr4', PAE], ['efer', LME], ['cr3', 0x1000], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    expect(vm.access(0x0, 'write')).toEqual({ outcome: 'ok', gpa: 0x1000, level: 1, events: [ad(0x1000, 0x1027), ad(0x1000, 0x1067)] });
  });

  it('entries in read-only memslots are not written (ledger 4)', () => {
    const mem = new GuestMemory([
      { slot: 0, gpa: 0, size: 0x10000, flags: [] },
      { slot: 1, gpa: 0x10000, size: 0x10000, flags: ['readonly'] },
    ]);
    mem.write(0x1000, 8, 0x10007, 0); // in rw slot
    mem.write(0x10000, 8, 0x3007, 0); // in ro slot
    mem.write(0x3000, 8, 0x4007, 0); // in rw slot
    const w = new Walk();
    w.count = 3;
    w.gpteSize = 8;
    w.gpteGpa.set([0x1000, 0x10000, 0x3000]);
    const h = new History(new Registers());
    h.beginOp();
    expect(setAccessedDirty(mem, h, w, true, [])).toEqual([ad(0x1000, 0x10027), ad(0x3000, 0x4067)]);
    expect(mem.read32(0x10000)).toBe(0x3007);
    // Both stores are journalled with the values they replaced, in one new state.
    expect(h.seq).toBe(1);
    expect(h.journal.get(0x1000 / 8)).toEqual([1, 0x10007, 0, 1]);
    expect(h.journal.get(0x3000 / 8)).toEqual([1, 0x4007, 0, 1]);
  });
});
