// Emulated #PF injection: a fault with P = 1 and RSVD = 0 first flushes the (truncated) gva from
// the current root; P = 0 and RSVD faults, and gva_to_gpa (which injects nothing), do not.
import { describe, expect, it } from 'vitest';
import { backend, CR0_PE_PG, CR4_PSE, enter4Level, op, setup, tables4 } from './test-kit.js';

describe('kvm_inject_emulated_page_fault', () => {
  it('P=1, RSVD=0: flush gva, then the #PF', () => {
    const b = backend();
    setup(b, tables4(0x5005));
    enter4Level(b);
    expect(b.apply(op.acc(0x40201234, 'write', 3))).toEqual({
      outcome: 'page_fault',
      errorCode: 0x7,
      address: { lo: 0x40201234, hi: 0 },
      to: 'L1',
      events: [{ type: 'flush', scope: 'gva', gva: { lo: 0x40201234, hi: 0 } }],
    });
  });

  it('gva_to_gpa reports the same fault but injects nothing: no flush', () => {
    const b = backend();
    setup(b, tables4(0x5005));
    enter4Level(b);
    expect(b.apply(op.g2g(0x40201234, 'write', 3))).toEqual({
      outcome: 'page_fault',
      errorCode: 0x7,
      address: { lo: 0x40201234, hi: 0 },
      to: 'L1',
      events: [],
    });
  });

  it('P=0 and RSVD faults have nothing to drop', () => {
    const b = backend();
    setup(b, tables4(0));
    enter4Level(b);
    expect(b.apply(op.acc(0x40201234, 'write'))).toEqual({
      outcome: 'page_fault',
      errorCode: 0x2,
      address: { lo: 0x40201234, hi: 0 },
      to: 'L1',
      events: [],
    });
    // Bit 51 is reserved with MAXPHYADDR 46: P|RSVD.
    const c = backend();
    setup(c, tables4(0x8000000005007n));
    enter4Level(c);
    expect(c.apply(op.acc(0x40201234))).toEqual({
      outcome: 'page_fault',
      errorCode: 0x9,
      address: { lo: 0x40201234, hi: 0 },
      to: 'L1',
      events: [],
    });
  });

  it('a supervisor write to a read-only page with CR0.WP, at a high canonical gva', () => {
    const b = backend();
    // PML4E 256 (0x1800) shares the PDPT of tables4.
    setup(b, [...tables4(0x5005), op.w8(0x1800, 0x2007)]);
    enter4Level(b);
    const o = b.apply(op.acc(0xffff_8000_4020_1234n, 'write'));
    expect(o.errorCode).toBe(0x3);
    expect(o.events).toEqual([{ type: 'flush', scope: 'gva', gva: { lo: 0x40201234, hi: 0xffff8000 } }]);
  });

  it('32-bit paging: the flushed gva is the truncated one', () => {
    const b = backend();
    // PDE 1 -> PT 0x2000; PTE 1 is supervisor-only.
    setup(b, [op.w4(0x1004, 0x2007), op.w4(0x2004, 0x3003), op.set('cr4', CR4_PSE), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
    const o = b.apply(op.acc(0x5_0040_1000n, 'read', 3));
    expect(o.errorCode).toBe(0x5);
    expect(o.events).toEqual([{ type: 'flush', scope: 'gva', gva: { lo: 0x401000, hi: 0 } }]);
  });
});
