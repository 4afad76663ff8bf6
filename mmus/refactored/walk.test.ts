// Walks in every paging mode, with hand-computed translations, levels, A/D writes and faults.
import { describe, expect, it } from 'vitest';
import {
  adEvents,
  backend,
  brief,
  CR0_PE_PG,
  CR4_LA57,
  CR4_PAE,
  CR4_PSE,
  EFER_LME,
  EFER_NXE,
  enter4Level,
  op,
  run,
  setup,
  tables4,
} from './test-kit.js';

describe('paging off', () => {
  it('maps gva = gpa at level 0 and builds the TDP leaf (EPT, A/D)', () => {
    const b = backend();
    const o = b.apply(op.acc(0x1234));
    expect(o).toEqual({
      outcome: 'ok',
      gpa: 0x1234,
      hpa: 0x100001234,
      level: 0,
      events: [{ type: 'map', gfn: 1, level: 1, spte: { lo: 0x1377, hi: 0x80000001 } }],
    });
    // Second access: the leaf exists, nothing new.
    expect(b.apply(op.acc(0x1238, 'write')).events).toEqual([]);
  });

  it('truncates a wide gva to 32 bits and reports level 0 from gva_to_gpa', () => {
    const b = backend();
    expect(b.apply(op.g2g(0x1_0000_2345n))).toEqual({ outcome: 'ok', gpa: 0x2345, level: 0, events: [] });
  });

  it('NPT leaf: P|U|A plus W|D when writable', () => {
    const b = backend({ tdp: 'npt' });
    expect(b.apply(op.acc(0x3000)).events).toEqual([{ type: 'map', gfn: 3, level: 1, spte: { lo: 0x3067, hi: 0x1 } }]);
  });

  it('EPT leaf without A/D support has neither A nor D', () => {
    const b = backend({ eptAd: false });
    expect(b.apply(op.acc(0x3000)).events).toEqual([{ type: 'map', gfn: 3, level: 1, spte: { lo: 0x3077, hi: 0x80000001 } }]);
  });

  it('gpa outside every memslot is MMIO', () => {
    const b = backend();
    expect(b.apply(op.acc(0x2000000))).toEqual({ outcome: 'mmio', gpa: 0x2000000, level: 0, events: [] });
  });
});

describe('32-bit paging', () => {
  function enter32(b: ReturnType<typeof backend>, cr4 = CR4_PSE, efer = 0): void {
    setup(b, [op.set('efer', efer), op.set('cr4', cr4), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
  }

  it('walks PD -> PT with 4-byte gptes and sets A top-down', () => {
    const b = backend();
    setup(b, [op.w4(0x1004, 0x2007), op.w4(0x2004, 0x3007)]);
    enter32(b);
    const o = b.apply(op.acc(0x401234));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x3234, level: 1 });
    expect(adEvents(o)).toEqual([
      [0x1004, 0x2027n],
      [0x2004, 0x3027n],
    ]);
    expect(b.apply(op.read(0x1004, 4)).value).toEqual({ lo: 0x2027, hi: 0 });
  });

  it('4 MiB page with CR4.PSE; a write sets A and D on the PDE', () => {
    const b = backend();
    setup(b, [op.w4(0x100c, 0x00400087)]);
    enter32(b);
    const o = b.apply(op.acc(0xc00123, 'write'));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x400123, level: 2 });
    expect(adEvents(o)).toEqual([[0x100c, 0x4000e7n]]);
  });

  it('PSE-36: PDE[16:13] become PA[35:32]', () => {
    const b = backend();
    setup(b, [op.w4(0x1010, 0x00406087)]);
    enter32(b);
    expect(brief(b.apply(op.g2g(0x01000123)))).toEqual({ outcome: 'ok', gpa: 0x300400123, level: 2 });
  });

  it('without PSE-36 bits 21:13 of a 4 MiB PDE are reserved', () => {
    const b = backend({ features: ['nx'] });
    setup(b, [op.w4(0x1010, 0x00406087)]);
    enter32(b);
    expect(brief(b.apply(op.g2g(0x01000123)))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
  });

  it('with PSE-36 and MAXPHYADDR 40, bit 17 is still reserved (KVM assumes 4 extra bits)', () => {
    const b = backend({ maxphyaddr: 40 });
    setup(b, [op.w4(0x100c, 0x00420087)]);
    enter32(b);
    expect(brief(b.apply(op.acc(0xc00123, 'write', 3)))).toEqual({ outcome: 'page_fault', errorCode: 0xf });
  });

  it('without CR4.PSE the PS bit is ignored and the PDE points to a page table', () => {
    const b = backend();
    setup(b, [op.w4(0x100c, 0x00400087), op.w4(0x400000, 0x7007)]);
    enter32(b, 0);
    expect(brief(b.apply(op.acc(0xc00123)))).toEqual({ outcome: 'ok', gpa: 0x7123, level: 1 });
  });

  it('EFER.NXE makes a faulting fetch report I/D even without PAE (KVM rule)', () => {
    const b = backend();
    enter32(b, CR4_PSE, EFER_NXE);
    expect(b.apply(op.acc(0x401000, 'fetch'))).toEqual({ outcome: 'page_fault', errorCode: 0x10, address: { lo: 0x401000, hi: 0 }, to: 'L1', events: [] });
    const c = backend();
    enter32(c);
    expect(brief(c.apply(op.acc(0x401000, 'fetch')))).toEqual({ outcome: 'page_fault', errorCode: 0 });
  });

  it('address of a fault is the truncated gva', () => {
    const b = backend();
    enter32(b);
    expect(b.apply(op.acc(0x5_0040_1000n, 'write', 3)).address).toEqual({ lo: 0x401000, hi: 0 });
  });
});

describe('PAE paging', () => {
  const pdpt = [op.w8(0x1000, 0), op.w8(0x1008, 0x2001), op.w8(0x1010, 0), op.w8(0x1018, 0)];
  const tables = [op.w8(0x2008, 0x3007), op.w8(0x3008, 0x4007), op.w8(0x2010, 0x600087)];
  function enterPae(b: ReturnType<typeof backend>): void {
    setup(b, [...pdpt, ...tables, op.set('cr4', CR4_PAE), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
  }

  it('walks PDPTE (cached) -> PD -> PT; the PDPTE gets no A bit', () => {
    const b = backend();
    enterPae(b);
    const o = b.apply(op.acc(0x40201234));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x4234, level: 1 });
    expect(adEvents(o)).toEqual([
      [0x2008, 0x3027n],
      [0x3008, 0x4027n],
    ]);
  });

  it('2 MiB page', () => {
    const b = backend();
    enterPae(b);
    expect(brief(b.apply(op.acc(0x40401234)))).toEqual({ outcome: 'ok', gpa: 0x601234, level: 2 });
  });

  it('a not-present PDPTE faults with P=0', () => {
    const b = backend();
    enterPae(b);
    expect(brief(b.apply(op.acc(0x80000000, 'write', 3)))).toEqual({ outcome: 'page_fault', errorCode: 0x6 });
  });

  it('PDPTR load failures are #GP: reserved bits, NX, PDPT outside memslots', () => {
    for (const bad of [0x5007, 0x2081]) {
      const b = backend();
      setup(b, [...pdpt, op.w8(0x1010, bad), op.set('cr4', CR4_PAE), op.set('cr3', 0x1000)]);
      expect(b.apply(op.set('cr0', CR0_PE_PG)).outcome).toBe('gp');
      expect(b.state().cr0).toBe(0x60000010);
    }
    const c = backend();
    setup(c, [...pdpt, op.w8(0x1010, 0x8000000000003001n), op.set('cr4', CR4_PAE), op.set('cr3', 0x1000)]);
    expect(c.apply(op.set('cr0', CR0_PE_PG)).outcome).toBe('gp');
    // A reserved bit in a not-present PDPTE is fine.
    const d = backend();
    setup(d, [...pdpt, op.w8(0x1010, 0x5006), op.set('cr4', CR4_PAE), op.set('cr3', 0x1000)]);
    expect(d.apply(op.set('cr0', CR0_PE_PG)).outcome).toBe('ok');
    // MOV CR3 to a PDPT outside every memslot.
    const e = backend();
    enterPae(e);
    expect(e.apply(op.set('cr3', 0x2000000)).outcome).toBe('gp');
    expect(e.state().cr3).toEqual({ lo: 0x1000, hi: 0 });
  });

  it('Intel walks use the loaded PDPTRs until CR3 is reloaded (even with the same value)', () => {
    const b = backend({ tdp: 'ept' });
    enterPae(b);
    setup(b, [op.w8(0x1008, 0)]);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'ok', gpa: 0x4234, level: 1 });
    setup(b, [op.set('cr3', 0x1000)]);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'page_fault', errorCode: 0 });
  });

  it('a CR4 write refused for PCIDE after its PDPTR reload leaves the PDPTR cache alone (Intel)', () => {
    const b = backend({ tdp: 'ept' });
    enterPae(b);
    setup(b, [op.w8(0x1008, 0)]);
    // PGE changes, so the PDPTRs are read (and are valid); PCIDE outside long mode is #GP.
    expect(b.apply(op.set('cr4', CR4_PAE | 0x80 | 0x20000))).toEqual({ outcome: 'gp', events: [] });
    expect(b.state().cr4).toBe(CR4_PAE);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'ok', gpa: 0x4234, level: 1 });
  });

  it('AMD re-reads the PDPTEs on the next walk; a failed re-read keeps the cache', () => {
    const b = backend({ tdp: 'npt' });
    enterPae(b);
    setup(b, [op.w8(0x1008, 0)]);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'page_fault', errorCode: 0 });
    const c = backend({ tdp: 'npt' });
    enterPae(c);
    setup(c, [op.w8(0x1008, 0), op.w8(0x1018, 0x7007)]);
    expect(brief(c.apply(op.acc(0x40201234)))).toEqual({ outcome: 'ok', gpa: 0x4234, level: 1 });
  });

  it('bit 63 is reserved without EFER.NXE and is NX with it', () => {
    const b = backend();
    enterPae(b);
    setup(b, [op.w8(0x3008, 0x8000000000004007n)]);
    expect(brief(b.apply(op.acc(0x40201234, 'fetch')))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
    setup(b, [op.set('efer', EFER_NXE)]);
    expect(brief(b.apply(op.acc(0x40201234, 'fetch')))).toEqual({ outcome: 'page_fault', errorCode: 0x11 });
    expect(brief(b.apply(op.acc(0x40201234, 'read')))).toEqual({ outcome: 'ok', gpa: 0x4234, level: 1 });
  });

  it('bits 62:52 are reserved in PAE entries', () => {
    const b = backend();
    enterPae(b);
    setup(b, [op.w8(0x3008, 0x0010000000004007n)]);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
  });
});

describe('4-level paging', () => {
  it('walks four levels; A on every level, D on the leaf of a write', () => {
    const b = backend();
    setup(b, tables4());
    enter4Level(b);
    const o = b.apply(op.acc(0x40201234, 'write'));
    expect(o).toEqual({
      outcome: 'ok',
      gpa: 0x5234,
      hpa: 0x100005234,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x1000, value: { lo: 0x2027, hi: 0 } },
        { type: 'set_ad', gpa: 0x2008, value: { lo: 0x3027, hi: 0 } },
        { type: 'set_ad', gpa: 0x3008, value: { lo: 0x4027, hi: 0 } },
        { type: 'set_ad', gpa: 0x4008, value: { lo: 0x5067, hi: 0 } },
        { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5377, hi: 0x80000001 } },
      ],
    });
  });

  it('2 MiB and 1 GiB pages; their low frame bits are reserved', () => {
    const b = backend();
    setup(b, [...tables4(), op.w8(0x3010, 0x600087), op.w8(0x2010, 0x80000087), op.w8(0x3018, 0x602087)]);
    enter4Level(b);
    expect(brief(b.apply(op.acc(0x40401234)))).toEqual({ outcome: 'ok', gpa: 0x601234, level: 2 });
    expect(brief(b.apply(op.g2g(0x80001234)))).toEqual({ outcome: 'ok', gpa: 0x80001234, level: 3 });
    expect(brief(b.apply(op.acc(0x40601234)))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
    setup(b, [op.w8(0x2010, 0x80002087)]);
    expect(brief(b.apply(op.g2g(0x80001234)))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
  });

  it('1 GiB pages need GBPAGES in guest CPUID', () => {
    const b = backend({ features: ['nx'] });
    setup(b, [...tables4(), op.w8(0x2010, 0x80000087)]);
    enter4Level(b);
    expect(brief(b.apply(op.g2g(0x80001234, 'read', 3)))).toEqual({ outcome: 'page_fault', errorCode: 0xd });
  });

  it('PS in a PML4E is reserved; bit 8 of a PML4E only on AMD', () => {
    const b = backend();
    setup(b, [...tables4(), op.w8(0x1000, 0x2087)]);
    enter4Level(b);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
    for (const [tdp, expected] of [
      ['ept', { outcome: 'ok', gpa: 0x5234, level: 1 }],
      ['npt', { outcome: 'page_fault', errorCode: 0x9 }],
    ] as const) {
      const c = backend({ tdp });
      setup(c, [...tables4(), op.w8(0x1000, 0x2107)]);
      enter4Level(c);
      expect(brief(c.apply(op.acc(0x40201234)))).toEqual(expected);
    }
  });

  it('address bits at or above guest MAXPHYADDR are reserved', () => {
    const b = backend({ maxphyaddr: 46 });
    setup(b, tables4(0x0008000000005007n)); // bit 51
    enter4Level(b);
    expect(brief(b.apply(op.acc(0x40201234, 'write', 3)))).toEqual({ outcome: 'page_fault', errorCode: 0xf });
    const c = backend({ maxphyaddr: 46 });
    setup(c, tables4(0x0000200000005007n)); // bit 45: a valid address bit
    enter4Level(c);
    expect(brief(c.apply(op.g2g(0x40201234)))).toEqual({ outcome: 'ok', gpa: 0x200000005234, level: 1 });
  });

  it('bits 62:52 are ignored in long mode; bit 63 is reserved without EFER.NXE', () => {
    const b = backend();
    setup(b, tables4(0x7ff0000000005007n));
    enter4Level(b);
    expect(brief(b.apply(op.acc(0x40201234)))).toEqual({ outcome: 'ok', gpa: 0x5234, level: 1 });
    const c = backend();
    setup(c, tables4(0x8000000000005007n));
    enter4Level(c, { nx: false });
    expect(brief(c.apply(op.acc(0x40201234, 'fetch')))).toEqual({ outcome: 'page_fault', errorCode: 0x9 });
  });

  it('a table outside every memslot reads as not present', () => {
    const b = backend();
    setup(b, [...tables4(), op.w8(0x2008, 0x5000007)]);
    enter4Level(b);
    expect(brief(b.apply(op.acc(0x40201234, 'write')))).toEqual({ outcome: 'page_fault', errorCode: 0x2 });
  });

  it('non-canonical access is #GP; gva_to_gpa ignores the high bits', () => {
    const b = backend();
    setup(b, tables4());
    enter4Level(b);
    expect(b.apply(op.acc(0x0001_0000_4020_1234n))).toEqual({ outcome: 'gp', events: [] });
    expect(brief(b.apply(op.g2g(0x0001_0000_4020_1234n)))).toEqual({ outcome: 'ok', gpa: 0x5234, level: 1 });
    expect(b.apply(op.acc(0xffff_8000_0000_0000n)).outcome).toBe('page_fault');
  });

  it('a write to a read-only memslot is MMIO (after the walk set A/D); a read maps it read-only', () => {
    const b = backend({
      memslots: [
        { slot: 0, gpa: 0, size: 0x5000 },
        { slot: 1, gpa: 0x5000, size: 0x1000, flags: ['readonly'] },
      ],
    });
    setup(b, tables4());
    enter4Level(b);
    const o = b.apply(op.acc(0x40201234, 'write'));
    expect(brief(o)).toEqual({ outcome: 'mmio', gpa: 0x5234, level: 1 });
    expect(adEvents(o).length).toBe(4);
    expect(b.apply(op.acc(0x40201234)).events).toEqual([{ type: 'map', gfn: 5, level: 1, spte: { lo: 0x5175, hi: 0x80000001 } }]);
    expect(b.apply(op.w4(0x5000, 1)).outcome).toBe('mmio');
  });
});

describe('5-level paging', () => {
  it('walks PML5 -> PT; LA57 canonical addresses', () => {
    const b = backend();
    setup(b, [op.w8(0x1008, 0x2007), op.w8(0x2000, 0x3007), op.w8(0x3008, 0x4007), op.w8(0x4008, 0x5007), op.w8(0x5008, 0x6007)]);
    setup(b, [op.set('efer', EFER_LME | EFER_NXE), op.set('cr4', CR4_PAE | CR4_LA57), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
    const o = b.apply(op.acc(0x0001_0000_4020_1234n));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x6234, level: 1 });
    expect(adEvents(o).map(([gpa]) => gpa)).toEqual([0x1008, 0x2000, 0x3008, 0x4008, 0x5008]);
    expect(b.apply(op.acc(0x0100_0000_0000_0000n)).outcome).toBe('gp');
  });
});

describe('run helper sanity', () => {
  it('returns one observation per op', () => {
    expect(run(backend(), [op.read(0), op.read(0x2000000)]).map((o) => o.outcome)).toEqual(['ok', 'mmio']);
  });
});
