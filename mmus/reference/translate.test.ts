// Translation outcomes in every paging mode (SDM 4.1-4.5), address-size rules (SDM 3.3.7.1) and
// the access outcomes of model-contract "Guest page walk": ok / page_fault / gp / mmio.
import { describe, expect, it } from 'vitest';
import { TestVm } from './test-support.js';

const PG = 0x80000000, PE = 1, PSE = 0x10, PAE = 0x20, LA57 = 0x1000, SMEP = 0x100000;
const LME = 0x100, NXE = 0x800;

/** 4-level tables mapping gva 0x0-0x1fffff (PT at 0x4000) and gva 0xffff_8000_0000_0000 (PML4 index 256). */
function long4(vm: TestVm, opts: { la57?: boolean } = {}): void {
  vm.w64(0x1000, 0x2007); // PML4E 0
  vm.w64(0x1000 + 8 * 256, 0x2007); // PML4E 256 (upper half) → same PDPT
  vm.w64(0x2000, 0x3007);
  vm.w64(0x3000, 0x4007);
  vm.w64(0x4000, 0x100007); // gva 0x0000 → 0x100000
  vm.w64(0x4008, 0x3ff0007); // gva 0x1000 → 0x3ff0000
  if (opts.la57) vm.w64(0x5000, 0x1007); // PML5E 0
  expect(vm.set('cr4', PAE | (opts.la57 ? LA57 : 0))).toBe('ok');
  expect(vm.set('efer', LME | NXE)).toBe('ok');
  expect(vm.set('cr3', opts.la57 ? 0x5000 : 0x1000)).toBe('ok');
  expect(vm.set('cr0', PG | PE)).toBe('ok');
}

describe('paging off', () => {
  it('gpa = gva, level 0, no permission checks', () => {
    const vm = new TestVm();
    expect(vm.access(0x123456, 'write', 3)).toEqual({ outcome: 'ok', gpa: 0x123456, level: 0, events: [] });
    expect(vm.gvaToGpa(0x123456, 'fetch', 3)).toEqual({ outcome: 'ok', gpa: 0x123456, level: 0, events: [] });
  });

  it('the gva is truncated to 32 bits outside IA-32e mode', () => {
    const vm = new TestVm();
    expect(vm.access({ lo: 0x1000, hi: 0xdead }, 'read')).toMatchObject({ outcome: 'ok', gpa: 0x1000 });
  });

  it('outside every memslot → mmio (access) but ok (gva_to_gpa)', () => {
    const vm = new TestVm();
    expect(vm.access(0x8000000)).toEqual({ outcome: 'mmio', gpa: 0x8000000, level: 0, events: [] });
    expect(vm.gvaToGpa(0x8000000)).toEqual({ outcome: 'ok', gpa: 0x8000000, level: 0, events: [] });
  });

  it('a write to a read-only memslot → mmio; a read of it → ok', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x100000, flags: [] }, { slot: 1, gpa: 0x100000, size: 0x10000, flags: ['readonly'] }] });
    expect(vm.access(0x100010, 'write')).toMatchObject({ outcome: 'mmio', gpa: 0x100010, level: 0 });
    expect(vm.access(0x100010, 'read')).toMatchObject({ outcome: 'ok', gpa: 0x100010 });
    expect(vm.access(0x100010, 'fetch')).toMatchObject({ outcome: 'ok', gpa: 0x100010 });
  });
});

describe('32-bit paging (SDM 4.3)', () => {
  function setUp(vm: TestVm, cr4 = PSE, efer = 0): void {
    vm.w32(0x1000, 0x2007); // PDE 0 → PT 0x2000
    vm.w32(0x1004, 0x00400087); // PDE 1: 4 MiB page at 0x400000 (with CR4.PSE)
    vm.w32(0x2000 + 4 * 5, 0x9005); // PTE 5: user, read-only → 0x9000
    expect(vm.set('cr4', cr4)).toBe('ok');
    expect(vm.set('efer', efer)).toBe('ok');
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
  }

  it('4 KiB and 4 MiB pages', () => {
    const vm = new TestVm();
    setUp(vm);
    expect(vm.access(0x5abc, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x9abc, level: 1 });
    expect(vm.access(0x7fffff, 'read', 0)).toMatchObject({ outcome: 'ok', gpa: 0x7fffff, level: 2 });
  });

  it('a gva above 4 GiB is truncated', () => {
    const vm = new TestVm();
    setUp(vm);
    expect(vm.access({ lo: 0x5abc, hi: 1 }, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x9abc });
  });

  it('not-present PTE: #PF with P=0 and the truncated address', () => {
    const vm = new TestVm();
    setUp(vm);
    expect(vm.access({ lo: 0x6000, hi: 7 }, 'write', 3)).toEqual({
      outcome: 'page_fault', errorCode: 0x6, address: { lo: 0x6000, hi: 0 }, to: 'L1', events: [],
    });
  });

  it('no XD in 32-bit paging: a fetch is allowed; a faulting fetch has I/D only with SMEP or (ledger 5) NXE', () => {
    const vm = new TestVm();
    setUp(vm);
    expect(vm.access(0x5000, 'fetch', 3)).toMatchObject({ outcome: 'ok', gpa: 0x9000 });
    expect(vm.access(0x6000, 'fetch', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x4 });
    const nx = new TestVm();
    setUp(nx, PSE, NXE);
    // SDM 4.7 would leave I/D clear (CR4.PAE=0); the KVM-visible CPU sets it (ledger 5).
    expect(nx.access(0x6000, 'fetch', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x14 });
    const smep = new TestVm();
    setUp(smep, PSE | SMEP);
    expect(smep.access(0x6000, 'fetch', 0)).toMatchObject({ outcome: 'page_fault', errorCode: 0x10 });
    expect(smep.access(0x5000, 'fetch', 0)).toMatchObject({ outcome: 'page_fault', errorCode: 0x11 });
  });

  it('a page table outside every memslot faults as not-present (ledger 3)', () => {
    const vm = new TestVm();
    setUp(vm);
    vm.w32(0x1008, 0x8000007); // PDE 2 → PT at 128 MiB, outside the 64 MiB slot
    expect(vm.access(0x800000, 'read', 0)).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
    expect(vm.set('cr3', 0x9000000)).toBe('ok'); // the page directory itself unbacked
    expect(vm.access(0x5000, 'write', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x6 });
  });
});

describe('PAE paging (SDM 4.4)', () => {
  it('4 KiB and 2 MiB pages through the PDPTE registers; a not-present PDPTE gives P=0', () => {
    const vm = new TestVm();
    vm.w64(0x1000, 0x2001); // PDPTE0 → PD 0x2000 (R/W and U/S do not exist in PDPTEs)
    vm.w64(0x2000, 0x3007); // PDE 0 → PT
    vm.w64(0x2008, 0x400087); // PDE 1: 2 MiB page at 0x400000
    vm.w64(0x3000 + 8 * 3, 0x8007, 0x80000000); // PTE 3: XD
    expect(vm.set('cr4', PAE)).toBe('ok');
    expect(vm.set('efer', NXE)).toBe('ok');
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    expect(vm.access(0x3456, 'write', 3)).toMatchObject({ outcome: 'ok', gpa: 0x8456, level: 1 });
    expect(vm.access(0x3456, 'fetch', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x15 });
    expect(vm.access(0x2fffff, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x4fffff, level: 2 });
    expect(vm.access(0x40000000, 'read', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x4, address: { lo: 0x40000000, hi: 0 } });
    expect(vm.access(0xc0000000, 'fetch', 0)).toMatchObject({ outcome: 'page_fault', errorCode: 0x10 });
  });
});

describe('4-level paging (SDM 4.5)', () => {
  it('translates; upper-half canonical addresses walk PML4 index 256', () => {
    const vm = new TestVm();
    long4(vm);
    expect(vm.access(0x1234, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x3ff0234, level: 1 });
    expect(vm.access({ lo: 0x234, hi: 0xffff8000 }, 'read', 0)).toMatchObject({ outcome: 'ok', gpa: 0x100234 });
  });

  it('a non-canonical gva: access → gp; gva_to_gpa walks ignoring bits 63:48 (ledger 9)', () => {
    const vm = new TestVm();
    long4(vm);
    expect(vm.access({ lo: 0x234, hi: 0x00008000 })).toEqual({ outcome: 'gp', events: [] });
    expect(vm.access({ lo: 0x234, hi: 0x00010000 })).toEqual({ outcome: 'gp', events: [] });
    expect(vm.gvaToGpa({ lo: 0x234, hi: 0x00008000 })).toMatchObject({ outcome: 'ok', gpa: 0x100234 });
  });

  it('the fault address keeps all 64 bits', () => {
    const vm = new TestVm();
    long4(vm);
    expect(vm.access({ lo: 0x200000, hi: 0xffff8000 }, 'read', 0)).toEqual({
      outcome: 'page_fault', errorCode: 0, address: { lo: 0x200000, hi: 0xffff8000 }, to: 'L1', events: [],
    });
  });

  it('a leaf gpa outside every memslot: access → mmio with gpa and level, gva_to_gpa → ok', () => {
    const vm = new TestVm();
    long4(vm);
    vm.w64(0x4010, 0x9000007); // gva 0x2000 → 0x9000000 (no slot)
    expect(vm.access(0x2000, 'read')).toMatchObject({ outcome: 'mmio', gpa: 0x9000000, level: 1 });
    expect(vm.gvaToGpa(0x2000, 'read')).toMatchObject({ outcome: 'ok', gpa: 0x9000000, level: 1 });
  });

  it('a PDPT outside every memslot faults as not-present (ledger 3)', () => {
    const vm = new TestVm();
    long4(vm);
    vm.w64(0x1008, 0x8000007); // PML4E 1 → 128 MiB
    expect(vm.access({ lo: 0, hi: 0x80 }, 'write', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0x6 });
  });

  it('writes to guest memory are seen by the next walk (no caching)', () => {
    const vm = new TestVm();
    long4(vm);
    expect(vm.access(0x0)).toMatchObject({ gpa: 0x100000 });
    vm.w64(0x4000, 0x200007);
    expect(vm.access(0x0)).toMatchObject({ gpa: 0x200000 });
    vm.w64(0x4000, 0);
    expect(vm.access(0x0)).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });

  it('clearing CR0.PG returns to no paging and 32-bit addresses', () => {
    const vm = new TestVm();
    long4(vm);
    expect(vm.set('cr0', PE)).toBe('ok');
    expect(vm.access({ lo: 0x1234, hi: 0xffff8000 })).toMatchObject({ outcome: 'ok', gpa: 0x1234, level: 0 });
  });
});

describe('5-level paging (SDM 4.5)', () => {
  it('walks PML5 → PML4 → PDPT → PD → PT; 57-bit canonicality', () => {
    const vm = new TestVm();
    long4(vm, { la57: true });
    expect(vm.access(0x1234, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x3ff0234, level: 1 });
    // bit 47 set is canonical under LA57 and selects PML4 index 256 through PML5E 0.
    expect(vm.access({ lo: 0x234, hi: 0x00008000 })).toMatchObject({ outcome: 'ok', gpa: 0x100234 });
    // bit 56 set with 63:57 clear is not canonical.
    expect(vm.access({ lo: 0x234, hi: 0x01000000 })).toEqual({ outcome: 'gp', events: [] });
    // PML5 index 1 is empty.
    expect(vm.access({ lo: 0x234, hi: 0x00010000 })).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });

  it('CR4.LA57 set before entering IA-32e mode selects 5-level paging', () => {
    const vm = new TestVm();
    expect(vm.set('cr4', LA57)).toBe('ok');
    long4(vm, { la57: true });
    expect(vm.access(0x0)).toMatchObject({ gpa: 0x100000 });
  });
});
