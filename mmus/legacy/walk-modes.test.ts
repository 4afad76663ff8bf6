// Walks in every paging mode, with expectations computed by hand from SDM vol. 3A ch. 4 and the
// model contract (slot 0 = gpa [0, 64 MiB) backed from hpa 4 GiB, so hpa = 0x1_0000_0000 + gpa).
import { describe, expect, it } from 'vitest';
import { CR0_PE_PG, CR4_PAE, CR4_PSE, EFER_LME, MB, Vm, config, op, q, type ConfigOptions } from './test-kit.js';

/** The EPT leaf SPTE KVM builds for a writable 4 KiB page: R|W|X, WB, IPAT, A, D, SVE, frame. */
function eptWritable(gpaPage: number) {
  return { lo: (gpaPage | 0x377) >>> 0, hi: 0x80000001 };
}

describe('paging off', () => {
  it('maps gva = gpa (32-bit truncated) at level 0 and builds the TDP leaf', () => {
    const vm = new Vm();
    expect(vm.apply(op.access(0x345678))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x345678,
      hpa: 0x100345678,
      level: 0,
      events: [{ type: 'map', gfn: 0x345, level: 1, spte: eptWritable(0x345000) }],
    });
    // Bits 63:32 of the gva are dropped outside IA-32e mode; the SPTE is already there.
    expect(vm.apply(op.access(0x1_0034_5678n, 'write', 3))).toStrictEqual({ outcome: 'ok', gpa: 0x345678, hpa: 0x100345678, level: 0, events: [] });
  });

  it('gva_to_gpa succeeds outside memslots; access there is mmio', () => {
    const vm = new Vm();
    expect(vm.apply(op.g2g(0x7000000))).toStrictEqual({ outcome: 'ok', gpa: 0x7000000, level: 0, events: [] });
    expect(vm.apply(op.access(0x7000000, 'write'))).toStrictEqual({ outcome: 'mmio', gpa: 0x7000000, level: 0, events: [] });
  });
});

describe('32-bit paging', () => {
  function setup(features?: ConfigOptions['features']): Vm {
    const vm = new Vm(config({ features }));
    vm.ok([
      op.write(0x1004, 0x2007, 4), // PDE[1] -> PT 0x2000, P|W|U
      op.write(0x2004, 0x5007, 4), // PTE[1] -> 0x5000
      op.write(0x1008, 0x00c00087, 4), // PDE[2]: 4 MiB at 0xc00000, no A
      op.write(0x100c, 0x00c060e7, 4), // PDE[3]: 4 MiB, bits 16:13 = 3, A|D
      op.write(0x1010, 0x000060a7, 4), // PDE[4]: PS set, A
      op.write(0x600c, 0x00007067, 4), // PT 0x6000 entry 3 -> 0x7000, A|D
      op.set('cr4', CR4_PSE),
      op.set('cr3', 0x1000),
      op.set('cr0', CR0_PE_PG),
    ]);
    return vm;
  }

  it('4 KiB walk sets A top-down, then D on a write', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x00401234))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x5234,
      hpa: 0x100005234,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x1004, value: q(0x2027) },
        { type: 'set_ad', gpa: 0x2004, value: q(0x5027) },
        { type: 'map', gfn: 5, level: 1, spte: eptWritable(0x5000) },
      ],
    });
    expect(vm.apply(op.access(0x00401ffc, 'write', 3))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x5ffc,
      hpa: 0x100005ffc,
      level: 1,
      events: [{ type: 'set_ad', gpa: 0x2004, value: q(0x5067) }],
    });
    expect(vm.apply(op.read(0x2004, 4))).toStrictEqual({ outcome: 'ok', value: q(0x5067), events: [] });
  });

  it('4 MiB page with CR4.PSE', () => {
    const vm = setup();
    expect(vm.apply(op.g2g(0x00812345, 'write'))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x00c12345,
      level: 2,
      events: [{ type: 'set_ad', gpa: 0x1008, value: q(0x00c000e7) }],
    });
  });

  it('PSE-36 adds PDE[16:13] as PA[35:32]', () => {
    const vm = setup();
    expect(vm.apply(op.g2g(0x00c00010))).toStrictEqual({ outcome: 'ok', gpa: 0x3_00c00010, level: 2, events: [] });
    expect(vm.apply(op.access(0x00c00010))).toStrictEqual({ outcome: 'mmio', gpa: 0x3_00c00010, level: 2, events: [] });
  });

  it('PSE-36 reserves PDE bits 21:17', () => {
    const vm = setup();
    vm.ok([op.write(0x100c, 0x00c200e7, 4)]); // bit 17
    expect(vm.apply(op.g2g(0x00c00010))).toStrictEqual({ outcome: 'page_fault', errorCode: 0x9, address: q(0x00c00010), to: 'L1', events: [] });
  });

  it('without pse36 bits 21:13 are reserved in a 4 MiB PDE', () => {
    const vm = setup(['nx', 'gbpages', 'smep', 'smap', 'pku', 'pcid', 'la57']);
    expect(vm.apply(op.g2g(0x00c00010, 'write', 3))).toStrictEqual({ outcome: 'page_fault', errorCode: 0xf, address: q(0x00c00010), to: 'L1', events: [] });
    // A 4 MiB PDE with bits 21:13 clear still maps, with no high address bits.
    expect(vm.apply(op.g2g(0x00812345)).gpa).toBe(0x00c12345);
  });

  it('PDE bit 7 is ignored (a table pointer) while CR4.PSE = 0', () => {
    const vm = setup();
    vm.ok([op.set('cr4', 0)]);
    expect(vm.apply(op.g2g(0x01003000))).toStrictEqual({ outcome: 'ok', gpa: 0x7000, level: 1, events: [] });
  });

  it('uses only CR3[31:0] and truncates the gva', () => {
    const vm = setup();
    expect(vm.apply(op.g2g(0xffff_ffff_0040_1234n)).gpa).toBe(0x5234);
  });
});

describe('PAE paging', () => {
  function setup(tdp: 'ept' | 'npt' = 'ept', maxphyaddr = 46): Vm {
    const vm = new Vm(config({ tdp, maxphyaddr }));
    vm.ok([
      op.write(0x3020, 0x4001), // PDPTE[0] (PDPT at CR3 & ~0x1f = 0x3020)
      op.write(0x3028, 0), // PDPTE[1] not present
      op.write(0x3030, 0xffff_ffff_ffff_fffen), // PDPTE[2] not present: other bits unchecked
      op.write(0x4000, 0x5007), // PDE[0]
      op.write(0x4008, 0x00600087), // PDE[1]: 2 MiB
      op.write(0x5018, 0x9007), // PTE[3]
      op.set('cr4', CR4_PAE),
      op.set('cr3', 0x3020),
      op.set('cr0', CR0_PE_PG),
    ]);
    return vm;
  }

  it('walks PDPTE -> PDE -> PTE; PDPTEs get no A bit', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x3123))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x9123,
      hpa: 0x100009123,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x4000, value: q(0x5027) },
        { type: 'set_ad', gpa: 0x5018, value: q(0x9027) },
        { type: 'map', gfn: 9, level: 1, spte: eptWritable(0x9000) },
      ],
    });
    expect(vm.apply(op.read(0x3020))).toStrictEqual({ outcome: 'ok', value: q(0x4001), events: [] });
  });

  it('2 MiB page', () => {
    const vm = setup();
    expect(vm.apply(op.g2g(0x00234567))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x00634567,
      level: 2,
      events: [{ type: 'set_ad', gpa: 0x4008, value: q(0x006000a7) }],
    });
  });

  it('a non-present PDPTE faults with P = 0', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x40000000, 'read', 3))).toStrictEqual({ outcome: 'page_fault', errorCode: 0x4, address: q(0x40000000), to: 'L1', events: [] });
    expect(vm.apply(op.access(0x80000000, 'write'))).toStrictEqual({ outcome: 'page_fault', errorCode: 0x2, address: q(0x80000000), to: 'L1', events: [] });
  });

  it('Intel keeps the loaded PDPTEs until CR3 is reloaded', () => {
    const vm = setup('ept');
    vm.ok([op.write(0x3020, 0)]);
    expect(vm.apply(op.g2g(0x3123)).gpa).toBe(0x9123);
    vm.ok([op.set('cr3', 0x3020)]);
    expect(vm.apply(op.g2g(0x3123))).toStrictEqual({ outcome: 'page_fault', errorCode: 0, address: q(0x3123), to: 'L1', events: [] });
  });

  it('AMD re-reads the PDPTEs from memory after each exit', () => {
    const vm = setup('npt');
    vm.ok([op.write(0x3020, 0)]);
    expect(vm.apply(op.g2g(0x3123))).toStrictEqual({ outcome: 'page_fault', errorCode: 0, address: q(0x3123), to: 'L1', events: [] });
    // A re-read that fails the load checks keeps the previous values.
    vm.ok([op.write(0x3020, 0x4001)]);
    expect(vm.apply(op.g2g(0x3123)).gpa).toBe(0x9123);
    vm.ok([op.write(0x3028, 0x4003)]); // present with R/W: reserved in a PDPTE
    expect(vm.apply(op.g2g(0x3123)).gpa).toBe(0x9123);
  });

  it('PDPTR load failures make CR0/CR3/CR4 writes #GP', () => {
    const vm = new Vm();
    vm.ok([op.write(0x3020, 0x4003), op.set('cr4', CR4_PAE), op.set('cr3', 0x3020)]);
    // A present PDPTE with bit 1 set.
    expect(vm.apply(op.set('cr0', CR0_PE_PG))).toStrictEqual({ outcome: 'gp', events: [] });
    expect(vm.backend.state().cr0).toBe(0x60000010);
    vm.ok([op.write(0x3020, 0x4001), op.set('cr0', CR0_PE_PG)]);
    // CR3 whose PDPT lies outside every memslot.
    expect(vm.apply(op.set('cr3', 0x5000000))).toStrictEqual({ outcome: 'gp', events: [] });
    expect(vm.backend.state().cr3).toStrictEqual(q(0x3020));
    // PSE toggled under PAE paging reloads the PDPTRs too.
    vm.ok([op.write(0x3020, 0x1_0000_4001)]); // bit 32 is fine with M = 46 ...
    expect(vm.apply(op.set('cr4', CR4_PAE | CR4_PSE)).outcome).toBe('ok');
    vm.ok([op.write(0x3020, 0x4000_0000_4001n)]); // ... bit 46 is not
    expect(vm.apply(op.set('cr4', CR4_PAE))).toStrictEqual({ outcome: 'gp', events: [] });
  });

  it('a CR4 write refused for PCIDE does not reload the PDPTRs', () => {
    const vm = setup('ept');
    vm.ok([op.write(0x3020, 0)]); // PDPTE[0] in memory: not present
    // PSE changes the PDPTR bits, but PCIDE without IA-32e mode is #GP: nothing changes.
    expect(vm.apply(op.set('cr4', CR4_PAE | CR4_PSE | (1 << 17)))).toStrictEqual({ outcome: 'gp', events: [] });
    expect(vm.backend.state().cr4).toBe(CR4_PAE);
    expect(vm.apply(op.g2g(0x3123)).gpa).toBe(0x9123);
    // The same write without PCIDE is accepted and reloads them.
    expect(vm.apply(op.set('cr4', CR4_PAE | CR4_PSE)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x3123))).toStrictEqual({ outcome: 'page_fault', errorCode: 0, address: q(0x3123), to: 'L1', events: [] });
  });

  it('the PDPTE address limit follows the guest MAXPHYADDR', () => {
    const vm = new Vm(config({ maxphyaddr: 36 }));
    vm.ok([op.write(0x3020, 0x10_0000_4001n), op.set('cr4', CR4_PAE), op.set('cr3', 0x3020)]); // bit 36
    expect(vm.apply(op.set('cr0', CR0_PE_PG)).outcome).toBe('gp');
    vm.ok([op.write(0x3020, 0x8_0000_4001n), op.set('cr0', CR0_PE_PG)]); // bit 35: legal, unbacked
    expect(vm.apply(op.g2g(0x3123))).toStrictEqual({ outcome: 'page_fault', errorCode: 0, address: q(0x3123), to: 'L1', events: [] });
  });
});

describe('4-level paging', () => {
  function setup(o: ConfigOptions = {}): Vm {
    const vm = new Vm(config(o));
    vm.ok([
      op.write(0x10000, 0x11007), // PML4E[0]
      op.write(0x11000, 0x12007), // PDPTE[0]
      op.write(0x11008, 0x40000087), // PDPTE[1]: 1 GiB
      op.write(0x12000, 0x13007), // PDE[0]
      op.write(0x12008, 0x00400087), // PDE[1]: 2 MiB
      op.write(0x13028, 0x20007), // PTE[5]
      op.write(0x13030, 0x0008_0000_0002_1007n), // PTE[6]: bit 51 set
      op.set('cr4', CR4_PAE),
      op.set('efer', EFER_LME),
      op.set('cr3', 0x10000),
      op.set('cr0', CR0_PE_PG),
    ]);
    return vm;
  }

  it('enters IA-32e mode: EFER.LMA is set', () => {
    expect(setup().backend.state().efer).toBe(0x500);
  });

  it('4 KiB walk with A on all four levels, top-down', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x5abc))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x20abc,
      hpa: 0x100020abc,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x10000, value: q(0x11027) },
        { type: 'set_ad', gpa: 0x11000, value: q(0x12027) },
        { type: 'set_ad', gpa: 0x12000, value: q(0x13027) },
        { type: 'set_ad', gpa: 0x13028, value: q(0x20027) },
        { type: 'map', gfn: 0x20, level: 1, spte: eptWritable(0x20000) },
      ],
    });
  });

  it('2 MiB and 1 GiB pages', () => {
    const vm = setup();
    vm.ok([op.access(0x5abc)]); // set the upper A bits
    expect(vm.apply(op.g2g(0x00212345))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x412345,
      level: 2,
      events: [{ type: 'set_ad', gpa: 0x12008, value: q(0x004000a7) }],
    });
    expect(vm.apply(op.g2g(0x40123456))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x40123456,
      level: 3,
      events: [{ type: 'set_ad', gpa: 0x11008, value: q(0x400000a7) }],
    });
    expect(vm.apply(op.access(0x40123456))).toStrictEqual({ outcome: 'mmio', gpa: 0x40123456, level: 3, events: [] });
  });

  it('1 GiB page: PS reserved without gbpages; bits 29:13 reserved with it', () => {
    const vm = setup({ features: ['nx', 'pse36', 'smep', 'smap', 'pku', 'pcid', 'la57'] });
    expect(vm.apply(op.g2g(0x40123456))).toStrictEqual({ outcome: 'page_fault', errorCode: 0x9, address: q(0x40123456), to: 'L1', events: [] });
    const vm2 = setup();
    vm2.ok([op.write(0x11008, 0x40002087)]);
    expect(vm2.apply(op.g2g(0x40123456)).errorCode).toBe(0x9);
  });

  it('address bits at or above MAXPHYADDR are reserved', () => {
    const vm = setup();
    expect(vm.apply(op.g2g(0x6000, 'write', 3))).toStrictEqual({ outcome: 'page_fault', errorCode: 0xf, address: q(0x6000), to: 'L1', events: [] });
  });

  it('PS in a PML4E is reserved; bit 8 of a PML4E only on AMD', () => {
    const vm = setup();
    vm.ok([op.write(0x10000, 0x11087)]);
    expect(vm.apply(op.g2g(0x5abc)).errorCode).toBe(0x9);
    const intel = setup();
    intel.ok([op.write(0x10000, 0x11107)]);
    expect(intel.apply(op.g2g(0x5abc)).gpa).toBe(0x20abc);
    const amd = setup({ tdp: 'npt' });
    amd.ok([op.write(0x10000, 0x11107)]);
    expect(amd.apply(op.g2g(0x5abc)).errorCode).toBe(0x9);
  });

  it('non-canonical access is #GP; gva_to_gpa just ignores bits 63:48', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x0000_8000_0000_0000n))).toStrictEqual({ outcome: 'gp', events: [] });
    expect(vm.apply(op.g2g(0x0000_8000_0000_0000n))).toStrictEqual({
      outcome: 'page_fault',
      errorCode: 0,
      address: q(0x0000_8000_0000_0000n),
      to: 'L1',
      events: [],
    });
  });

  it('indexes the upper half: PML4E[256] and the PDPT index from both halves', () => {
    const vm = setup();
    vm.ok([op.access(0x5abc), op.write(0x10800, 0x11027)]);
    expect(vm.apply(op.access(0xffff_8000_0000_5abcn))).toStrictEqual({ outcome: 'ok', gpa: 0x20abc, hpa: 0x100020abc, level: 1, events: [] });
    // gva bit 30 and bit 32 select PDPTE[5]: not present.
    expect(vm.apply(op.g2g(0xffff_8001_4000_0000n))).toStrictEqual({
      outcome: 'page_fault',
      errorCode: 0,
      address: q(0xffff_8001_4000_0000n),
      to: 'L1',
      events: [],
    });
    vm.ok([op.write(0x11028, 0x1_4000_00e7n)]); // PDPTE[5]: 1 GiB at 5 GiB, A|D
    expect(vm.apply(op.g2g(0xffff_8001_4000_0123n))).toStrictEqual({ outcome: 'ok', gpa: 0x1_4000_0123, level: 3, events: [] });
  });
});

describe('5-level paging', () => {
  function setup(): Vm {
    const vm = new Vm(config({ maxphyaddr: 52 }));
    vm.ok([
      op.write(0x30008, 0x10007), // PML5E[1] -> PML4 0x10000
      op.write(0x10000, 0x11027),
      op.write(0x11000, 0x12027),
      op.write(0x12000, 0x13027),
      op.write(0x13028, 0x20027),
      op.set('cr4', CR4_PAE | (1 << 12)),
      op.set('efer', EFER_LME),
      op.set('cr3', 0x30000),
      op.set('cr0', CR0_PE_PG),
    ]);
    return vm;
  }

  it('walks five levels, indexing the PML5 with gva bits 56:48', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x0001_0000_0000_5abcn))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x20abc,
      hpa: 0x100020abc,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x30008, value: q(0x10027) },
        { type: 'map', gfn: 0x20, level: 1, spte: eptWritable(0x20000) },
      ],
    });
  });

  it('canonical means bits 63:56 equal; LA57 cannot change in IA-32e mode', () => {
    const vm = setup();
    expect(vm.apply(op.access(0x0100_0000_0000_0000n)).outcome).toBe('gp');
    expect(vm.apply(op.access(0xff00_0000_0000_0000n)).outcome).toBe('page_fault');
    expect(vm.apply(op.set('cr4', CR4_PAE))).toStrictEqual({ outcome: 'gp', events: [] });
  });

  it('PS in a PML5E is reserved', () => {
    const vm = setup();
    vm.ok([op.write(0x30008, 0x100a7)]);
    // P|RSVD; no I/D bit: EFER.NXE = 0 and CR4.SMEP = 0.
    expect(vm.apply(op.g2g(0x0001_0000_0000_5abcn, 'fetch')).errorCode).toBe(0x9);
  });
});

describe('size of the TDP root', () => {
  it('a 64 MiB slot maps gfns across the whole slot', () => {
    const vm = new Vm(config({ memslots: [{ slot: 0, gpa: 0, size: 64 * MB, flags: [] }] }));
    expect(vm.apply(op.access(0x3fff000, 'fetch')).hpa).toBe(0x103fff000);
  });
});
