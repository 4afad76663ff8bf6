// The reference backend's non-walk operations: memory reads/writes, memslots, INVLPG/INVPCID,
// the factory and config checks (model-contract "Memory operations", "Memslots", "TLB operations").
import { describe, expect, it } from 'vitest';
import { UnsupportedConfigError, type Op } from '../backend.js';
import { referenceBackend } from './index.js';
import { makeConfig, TestVm } from './test-support.js';

const PG = 0x80000000, PE = 1, PAE = 0x20, LA57 = 0x1000, PCIDE = 0x20000, LME = 0x100;

describe('factory', () => {
  it('is the architectural reference', () => {
    expect(referenceBackend.name).toBe('reference');
    expect(referenceBackend.fidelity).toBe('architectural');
  });

  it('refuses a MAXPHYADDR outside 36..52', () => {
    expect(() => referenceBackend.create(makeConfig({ maxphyaddr: 35 }))).toThrow(UnsupportedConfigError);
  });

  it('answers the deep check with ok and no digest (it has no page tables to report)', () => {
    expect(new TestVm().b.apply({ op: 'check' })).toEqual({ outcome: 'ok', events: [] });
    expect(new TestVm({ tdp: 'none' }).b.apply({ op: 'check' })).toEqual({ outcome: 'ok', events: [] });
  });

  it('starts at architectural reset', () => {
    expect(new TestVm().b.state()).toEqual({ cr0: 0x60000010, cr3: { lo: 0, hi: 0 }, cr4: 0, efer: 0, pkru: 0, rflags: 2 });
  });
});

describe('host.tdp "none" (model-contract-shadow "Machine")', () => {
  it('is an Intel host: PML4E bit 8 is ignored, PDPTEs come from the registers', () => {
    const vm = new TestVm({ tdp: 'none' });
    vm.w64(0x1000, 0x2000 | 0x107); // PML4E with bit 8 (reserved on AMD only)
    vm.w64(0x2000, 0x3000 | 7);
    vm.w64(0x3000, 0x4000 | 7);
    vm.w64(0x4000, 0x5000 | 7);
    expect(vm.set('cr4', PAE)).toBe('ok');
    expect(vm.set('efer', LME)).toBe('ok');
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    expect(vm.access(0x10, 'read', 3)).toEqual({
      outcome: 'ok', gpa: 0x5010, level: 1,
      events: [0x1000, 0x2000, 0x3000, 0x4000].map((gpa) => ({ type: 'set_ad', gpa, value: { lo: (gpa === 0x1000 ? 0x2127 : gpa + 0x1027) >>> 0, hi: 0 } })),
    });
  });

  it('hides PKU: CR4.PKE is #GP and so is WRPKRU, even with the pku feature', () => {
    const vm = new TestVm({ tdp: 'none' });
    expect(vm.set('cr4', 0x400000)).toBe('gp');
    expect(vm.set('pkru', 0)).toBe('gp');
    expect(new TestVm({ tdp: 'ept' }).set('cr4', 0x400000)).toBe('ok');
  });

  it('reports mmio for a gpa outside every memslot and for a write to a read-only slot; no hpa', () => {
    const vm = new TestVm({ tdp: 'none', memslots: [{ slot: 0, gpa: 0, size: 0x10000, flags: [] }, { slot: 1, gpa: 0x20000, size: 0x1000, flags: ['readonly'] }] });
    vm.w64(0x1000, 0x2000 | 7);
    vm.w64(0x2000, 0x3000 | 7);
    vm.w64(0x3000, 0x4000 | 7);
    vm.w64(0x4000, 0x20000 | 7);
    vm.w64(0x4008, 0x80000 | 7);
    vm.set('cr4', PAE);
    vm.set('efer', LME);
    vm.set('cr3', 0x1000);
    vm.set('cr0', PG | PE);
    expect(vm.access(0x0, 'read').outcome).toBe('ok');
    expect(vm.access(0x0, 'write')).toMatchObject({ outcome: 'mmio', gpa: 0x20000, level: 1 });
    const o = vm.access(0x1008, 'read');
    expect(o).toMatchObject({ outcome: 'mmio', gpa: 0x80008, level: 1 });
    expect(o.hpa).toBeUndefined();
  });
});

describe('memory operations', () => {
  const slots = [
    { slot: 0, gpa: 0, size: 0x10000, flags: [] },
    { slot: 1, gpa: 0x20000, size: 0x1000, flags: ['readonly' as const] },
  ];

  it('write then read, sizes 1/2/4/8, zero-extended', () => {
    const vm = new TestVm({ memslots: slots });
    const b = vm.b;
    expect(b.apply({ op: 'write', gpa: 0x100, size: 8, value: { lo: 0x89abcdef, hi: 0x01234567 } })).toEqual({ outcome: 'ok', events: [] });
    expect(b.apply({ op: 'read', gpa: 0x100, size: 8 })).toEqual({ outcome: 'ok', value: { lo: 0x89abcdef, hi: 0x01234567 }, events: [] });
    expect(b.apply({ op: 'read', gpa: 0x102, size: 2 }).value).toEqual({ lo: 0x89ab, hi: 0 });
    expect(b.apply({ op: 'read', gpa: 0x107, size: 1 }).value).toEqual({ lo: 0x01, hi: 0 });
    b.apply({ op: 'write', gpa: 0x101, size: 1, value: { lo: 0xff, hi: 0 } });
    expect(b.apply({ op: 'read', gpa: 0x100, size: 4 }).value).toEqual({ lo: 0x89abffef, hi: 0 });
  });

  it('outside every memslot: write and read are mmio', () => {
    const vm = new TestVm({ memslots: slots });
    expect(vm.b.apply({ op: 'write', gpa: 0x10000, size: 4, value: { lo: 1, hi: 0 } }).outcome).toBe('mmio');
    expect(vm.b.apply({ op: 'read', gpa: 0x10000, size: 4 }).outcome).toBe('mmio');
  });

  it('read-only memslot: write is mmio and stores nothing; read is ok', () => {
    const vm = new TestVm({ memslots: slots });
    expect(vm.b.apply({ op: 'write', gpa: 0x20000, size: 4, value: { lo: 1, hi: 0 } }).outcome).toBe('mmio');
    expect(vm.b.apply({ op: 'read', gpa: 0x20000, size: 4 })).toEqual({ outcome: 'ok', value: { lo: 0, hi: 0 }, events: [] });
  });
});

describe('memslots', () => {
  const op = (action: 'add' | 'delete' | 'move' | 'flags', slot: number, gpa = 0, size = 0, flags: ('readonly' | 'dirty_log')[] = []): Op =>
    ({ op: 'memslot', action, slot, gpa, size, flags });

  it('add / move / delete and their rejections', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x10000, flags: [] }] });
    const b = vm.b;
    expect(b.apply(op('add', 0, 0x20000, 0x1000)).outcome).toBe('rejected'); // id in use
    expect(b.apply(op('add', 1, 0x8000, 0x10000)).outcome).toBe('rejected'); // overlap
    expect(b.apply(op('add', 1, 0x20800, 0x1000)).outcome).toBe('rejected'); // unaligned
    expect(b.apply(op('add', 1, 0x20000, 0)).outcome).toBe('rejected'); // empty
    expect(b.apply(op('add', 1, 0x20000, 0x2000))).toEqual({ outcome: 'ok', events: [] });
    vm.w64(0x20008, 0x1234);
    expect(b.apply(op('move', 1, 0x30000)).outcome).toBe('ok');
    expect(vm.r64(0x30008)).toEqual({ lo: 0x1234, hi: 0 }); // contents move with the slot
    expect(b.apply({ op: 'read', gpa: 0x20008, size: 8 }).outcome).toBe('mmio');
    expect(b.apply(op('move', 1, 0xf000)).outcome).toBe('rejected'); // onto slot 0
    expect(b.apply(op('move', 7, 0x40000)).outcome).toBe('rejected'); // no such slot
    expect(b.apply(op('delete', 1)).outcome).toBe('ok');
    expect(b.apply(op('delete', 1)).outcome).toBe('rejected');
    expect(b.apply({ op: 'read', gpa: 0x30008, size: 8 }).outcome).toBe('mmio');
  });

  it('flags: dirty_log may change, readonly may not', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x10000, flags: [] }] });
    expect(vm.b.apply(op('flags', 0, 0, 0, ['dirty_log'])).outcome).toBe('ok');
    expect(vm.b.apply(op('flags', 0, 0, 0, ['readonly'])).outcome).toBe('rejected');
    expect(vm.b.apply(op('flags', 3, 0, 0, [])).outcome).toBe('rejected');
  });

  it('a deleted slot holding page tables makes the walk fault as not-present (ledger 3)', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x10000, flags: [] }, { slot: 1, gpa: 0x10000, size: 0x10000, flags: [] }] });
    vm.w64(0x1000, 0x10007);
    vm.w64(0x10000, 0x3007);
    vm.w64(0x3000, 0x4007);
    vm.w64(0x4000, 0x5007);
    for (const [reg, v] of [['cr4', PAE], ['efer', LME], ['cr3', 0x1000], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    expect(vm.access(0x0)).toMatchObject({ outcome: 'ok', gpa: 0x5000 });
    expect(vm.b.apply(op('delete', 1)).outcome).toBe('ok');
    expect(vm.access(0x0)).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });
});

describe('INVLPG / INVPCID', () => {
  function longVm(features?: ('pcid' | 'la57')[]): TestVm {
    const vm = new TestVm(features ? { features: ['nx', ...features] } : {});
    for (const [reg, v] of [['cr4', PAE], ['efer', LME], ['cr3', 0x1000], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    return vm;
  }
  const invpcid = (type: number, pcid: number, lo = 0, hi = 0): Op => ({ op: 'invpcid', type, pcid, gva: { lo, hi } });

  it('INVLPG is ok, even for a non-canonical address', () => {
    const vm = longVm();
    expect(vm.b.apply({ op: 'invlpg', gva: { lo: 0, hi: 0x8000 } })).toEqual({ outcome: 'ok', events: [] });
  });

  it('INVPCID checks', () => {
    expect(longVm(['la57']).b.apply(invpcid(2, 0)).outcome).toBe('gp'); // no pcid feature
    const vm = longVm();
    expect(vm.b.apply(invpcid(4, 0)).outcome).toBe('gp');
    expect(vm.b.apply(invpcid(2, 0x1000)).outcome).toBe('gp');
    expect(vm.b.apply(invpcid(0, 1)).outcome).toBe('gp'); // PCIDE=0, pcid≠0
    expect(vm.b.apply(invpcid(1, 1)).outcome).toBe('gp');
    expect(vm.b.apply(invpcid(2, 1)).outcome).toBe('ok');
    expect(vm.b.apply(invpcid(3, 0)).outcome).toBe('ok');
    expect(vm.b.apply(invpcid(0, 0, 0, 0x8000)).outcome).toBe('gp'); // non-canonical
    expect(vm.b.apply(invpcid(0, 0, 0, 0xffff8000)).outcome).toBe('ok');
    expect(vm.b.apply(invpcid(1, 0, 0, 0x8000)).outcome).toBe('ok'); // address unused
    expect(vm.set('cr4', PAE | PCIDE)).toBe('ok');
    expect(vm.b.apply(invpcid(0, 5)).outcome).toBe('ok');
    expect(vm.b.apply(invpcid(1, 0xfff)).outcome).toBe('ok');
  });

  it('INVPCID: canonical width follows CR4.LA57; outside IA-32e the address is truncated', () => {
    const vm = new TestVm();
    for (const [reg, v] of [['cr4', PAE | LA57], ['efer', LME], ['cr3', 0x1000], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    expect(vm.b.apply(invpcid(0, 0, 0, 0x8000)).outcome).toBe('ok');
    expect(vm.b.apply(invpcid(0, 0, 0, 0x01000000)).outcome).toBe('gp');
    const off = new TestVm();
    expect(off.b.apply(invpcid(0, 0, 0, 0x8000)).outcome).toBe('ok');
  });
});
