// Register writes: #GP cases, LMA handling and the flush requests of docs/model-contract.md.
import { describe, expect, it } from 'vitest';
import { backend, CR0_PE_PG, CR4_LA57, CR4_PAE, CR4_SMEP, EFER_LME, EFER_NXE, enter4Level, flushes, op, setup, tables4 } from './test-kit.js';

const gp = (b: ReturnType<typeof backend>, reg: Parameters<typeof op.set>[0], v: bigint | number) => b.apply(op.set(reg, v)).outcome;

describe('cr0', () => {
  it('#GP: high bits, NW without CD, PG without PE, long mode without PAE', () => {
    const b = backend();
    expect(gp(b, 'cr0', 0x1_0000_0001n)).toBe('gp');
    expect(gp(b, 'cr0', 0x20000000)).toBe('gp');
    expect(gp(b, 'cr0', 0x80000000)).toBe('gp');
    setup(b, [op.set('efer', EFER_LME)]);
    expect(gp(b, 'cr0', CR0_PE_PG)).toBe('gp');
    expect(b.state().cr0).toBe(0x60000010);
  });

  it('forces ET, clears undefined bits; PG with LME sets LMA, clearing PG clears it', () => {
    const b = backend();
    setup(b, [op.set('cr0', 0x00000f00)]);
    expect(b.state().cr0).toBe(0x10);
    setup(b, [op.set('efer', EFER_LME), op.set('cr4', CR4_PAE), op.set('cr0', CR0_PE_PG)]);
    expect(b.state().efer).toBe(0x500);
    expect(flushes(b.apply(op.set('cr0', 0x1)))).toEqual(['guest']);
    expect(b.state().efer).toBe(0x100);
  });

  it('clearing PG with CR4.PCIDE is #GP', () => {
    const b = backend();
    enter4Level(b);
    setup(b, [op.set('cr4', CR4_PAE | 0x20000)]);
    expect(gp(b, 'cr0', 0x1)).toBe('gp');
  });

  it('a WP-only toggle requests no flush', () => {
    const b = backend();
    enter4Level(b);
    expect(b.apply(op.set('cr0', CR0_PE_PG)).events).toEqual([]);
  });
});

describe('cr3', () => {
  it('flushes the guest TLB, unless NOFLUSH with PCIDE (bit 63 is stripped)', () => {
    const b = backend();
    enter4Level(b);
    expect(flushes(b.apply(op.set('cr3', 0x1000)))).toEqual(['guest']);
    setup(b, [op.set('cr4', CR4_PAE | 0x20000)]);
    expect(b.apply(op.set('cr3', 0x8000000000002001n)).events).toEqual([]);
    expect(b.state().cr3).toEqual({ lo: 0x2001, hi: 0 });
  });

  it('#GP for bits at or above MAXPHYADDR, and bit 63 without PCIDE', () => {
    const b = backend({ maxphyaddr: 40 });
    expect(gp(b, 'cr3', 0x100_0000_0000n)).toBe('gp');
    expect(gp(b, 'cr3', 0x80_0000_0000n)).toBe('ok');
    expect(gp(b, 'cr3', 0x8000000000001000n)).toBe('gp');
  });
});

describe('cr4', () => {
  it('#GP for bits not allowed by CPUID or never allowed', () => {
    const b = backend({ features: ['nx'] });
    for (const bit of [CR4_SMEP, CR4_LA57, 0x20000, 0x200000, 0x400000, 0x2000, 0x800, 0x1000000]) expect(gp(b, 'cr4', bit)).toBe('gp');
    expect(gp(b, 'cr4', 0x1_0000_0000n)).toBe('gp');
    expect(gp(b, 'cr4', 0x507ff)).toBe('ok');
  });

  it('long mode: PAE cannot be cleared, LA57 cannot change', () => {
    const b = backend();
    enter4Level(b);
    expect(gp(b, 'cr4', 0)).toBe('gp');
    expect(gp(b, 'cr4', CR4_PAE | CR4_LA57)).toBe('gp');
  });

  it('PCIDE needs long mode and CR3[11:0] = 0', () => {
    const b = backend();
    expect(gp(b, 'cr4', 0x20000)).toBe('gp');
    enter4Level(b);
    setup(b, [op.set('cr3', 0x1001)]);
    expect(gp(b, 'cr4', CR4_PAE | 0x20000)).toBe('gp');
    setup(b, [op.set('cr3', 0x1000)]);
    expect(gp(b, 'cr4', CR4_PAE | 0x20000)).toBe('ok');
  });

  it('flushes: PGE -> guest, PCIDE 1->0 -> guest, SMEP 0->1 -> current, PAE -> current', () => {
    const b = backend();
    expect(flushes(b.apply(op.set('cr4', 0x80)))).toEqual(['guest']);
    expect(flushes(b.apply(op.set('cr4', 0x80 | CR4_SMEP)))).toEqual(['current']);
    expect(flushes(b.apply(op.set('cr4', 0x80)))).toEqual([]);
    expect(flushes(b.apply(op.set('cr4', 0x80 | CR4_PAE)))).toEqual(['current']);
    expect(flushes(b.apply(op.set('cr4', CR4_PAE | CR4_SMEP)))).toEqual(['guest']);
    setup(b, [op.set('efer', EFER_LME), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG), op.set('cr4', CR4_PAE | 0x20000)]);
    expect(flushes(b.apply(op.set('cr4', CR4_PAE)))).toEqual(['guest']);
  });

  it('PAE paging: a PGE/PSE/PAE/SMEP change reloads the PDPTRs; failure is #GP with nothing changed', () => {
    const b = backend();
    setup(b, [op.w8(0x1000, 0x2001), op.set('cr4', CR4_PAE), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
    setup(b, [op.w8(0x1000, 0x2003)]);
    expect(gp(b, 'cr4', CR4_PAE | 0x80)).toBe('gp');
    expect(b.state().cr4).toBe(CR4_PAE);
    // A change outside those bits does not reload.
    expect(gp(b, 'cr4', CR4_PAE | 0x200)).toBe('ok');
  });
});

describe('efer, pkru, rflags', () => {
  it('efer: allowed bits, NXE needs the feature, LME is frozen while paging, LMA is read-only', () => {
    const b = backend({ features: [] });
    expect(gp(b, 'efer', EFER_NXE)).toBe('gp');
    expect(gp(b, 'efer', 0x1000)).toBe('gp');
    expect(gp(b, 'efer', 0x1_0000_0000n)).toBe('gp');
    expect(gp(b, 'efer', 0x401)).toBe('ok');
    expect(b.state().efer).toBe(0x1);
    setup(b, [op.set('efer', EFER_LME), op.set('cr4', CR4_PAE), op.set('cr0', CR0_PE_PG)]);
    expect(gp(b, 'efer', 0)).toBe('gp');
    expect(gp(b, 'efer', EFER_LME)).toBe('ok');
    expect(b.state().efer).toBe(0x500);
  });

  it('pkru needs CR4.PKE and a 32-bit value; rflags keeps bit 1', () => {
    const b = backend();
    expect(gp(b, 'pkru', 4)).toBe('gp');
    setup(b, [op.set('cr4', 0x400000)]);
    expect(gp(b, 'pkru', 0x1_0000_0000n)).toBe('gp');
    expect(gp(b, 'pkru', 0xc)).toBe('ok');
    expect(b.state().pkru).toBe(0xc);
    expect(gp(b, 'rflags', 0x1_0000_0000n)).toBe('gp');
    expect(gp(b, 'rflags', 0x40000)).toBe('ok');
    expect(b.state().rflags).toBe(0x40002);
  });
});

describe('MMU reset on role changes', () => {
  it('EFER.NX 1->0 with paging on rebuilds the reserved masks', () => {
    const b = backend();
    setup(b, tables4(0x8000000000005007n));
    enter4Level(b);
    expect(b.apply(op.acc(0x40201234)).outcome).toBe('ok');
    setup(b, [op.set('efer', EFER_LME)]);
    expect(b.apply(op.acc(0x40201234)).errorCode).toBe(0x9);
  });
});
