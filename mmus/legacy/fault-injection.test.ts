// Injecting an access's #PF (model contract "Guest accesses"): a fault with P = 1 and RSVD = 0
// first invalidates the faulting gva in the current root (a `flush gva` event, the truncated
// gva, page offset kept); not-present and reserved-bit faults do not, and gva_to_gpa never does.
import { describe, expect, it } from 'vitest';
import { CR0_PE_PG_WP, CR4_PAE, CR4_PSE, EFER_LME, EFER_NXE, Vm, op, q } from './test-kit.js';

function flushed(gva: number | bigint, errorCode: number) {
  return { outcome: 'page_fault', errorCode, address: q(gva), to: 'L1', events: [{ type: 'flush', scope: 'gva', gva: q(gva) }] };
}

function quiet(gva: number | bigint, errorCode: number) {
  return { outcome: 'page_fault', errorCode, address: q(gva), to: 'L1', events: [] };
}

/** 32-bit paging with CR4.PSE, CR0.WP = 1: PD at 0x10000, PT at 0x11000. */
function paging32(): Vm {
  const vm = new Vm();
  vm.ok([
    op.write(0x10000, 0x11007, 4), // PDE[0]: table, P|W|U
    op.write(0x10004, 0x00c200e7, 4), // PDE[1]: 4 MiB page with bit 17 set (reserved with PSE-36)
    op.write(0x11004, 0x5001, 4), // PTE[1]: present, read-only, supervisor
    op.write(0x11008, 0x6007, 4), // PTE[2]: P|W|U
    op.set('cr4', CR4_PSE),
    op.set('cr3', 0x10000),
    op.set('cr0', CR0_PE_PG_WP),
  ]);
  return vm;
}

/** 4-level paging, upper half: PML4E[256] -> PDPT 0x11000 -> PD 0x12000 -> PT 0x13000. */
function paging64(): Vm {
  const vm = new Vm();
  vm.ok([
    op.write(0x10800, 0x11007),
    op.write(0x11000, 0x12007),
    op.write(0x12000, 0x13007),
    op.write(0x13008, 0x5001), // PTE[1]: present, read-only, supervisor
    op.write(0x13010, 0x8000_0000_0000_6003n), // PTE[2]: P|W, NX
    op.set('cr4', CR4_PAE),
    op.set('efer', EFER_LME | EFER_NXE),
    op.set('cr3', 0x10000),
    op.set('cr0', CR0_PE_PG_WP),
  ]);
  return vm;
}

describe('#PF injection for an access', () => {
  it('a protection fault (P = 1) flushes the faulting gva, page offset included', () => {
    const vm = paging32();
    expect(vm.apply(op.access(0x1008, 'write'))).toStrictEqual(flushed(0x1008, 0x3));
    expect(vm.apply(op.access(0x1000, 'read', 3))).toStrictEqual(flushed(0x1000, 0x5));
  });

  it('outside IA-32e mode the flushed gva is the 32-bit truncated one', () => {
    const vm = paging32();
    expect(vm.apply(op.access(0x1_0000_1234n, 'write'))).toStrictEqual(flushed(0x1234, 0x3));
  });

  it('a not-present fault (P = 0) flushes nothing', () => {
    const vm = paging32();
    expect(vm.apply(op.access(0x3000, 'write'))).toStrictEqual(quiet(0x3000, 0x2));
  });

  it('a reserved-bit fault (P = 1, RSVD = 1) flushes nothing', () => {
    const vm = paging32();
    expect(vm.apply(op.access(0x00400010))).toStrictEqual(quiet(0x00400010, 0x9));
  });

  it('gva_to_gpa injects nothing, so it never flushes', () => {
    const vm = paging32();
    expect(vm.apply(op.g2g(0x1008, 'write'))).toStrictEqual(quiet(0x1008, 0x3));
    expect(vm.apply(op.g2g(0x1000, 'read', 3))).toStrictEqual(quiet(0x1000, 0x5));
  });

  it('the fault changes no SPTE: the next good access maps as usual', () => {
    const vm = paging32();
    vm.apply(op.access(0x1008, 'write'));
    expect(vm.apply(op.access(0x1008))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x5008,
      hpa: 0x100005008,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x10000, value: q(0x11027) },
        { type: 'set_ad', gpa: 0x11004, value: q(0x5021) },
        { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5377, hi: 0x80000001 } },
      ],
    });
  });

  it('in IA-32e mode the full 64-bit gva is flushed (write and NX faults)', () => {
    const vm = paging64();
    expect(vm.apply(op.access(0xffff_8000_0000_1008n, 'write'))).toStrictEqual(flushed(0xffff_8000_0000_1008n, 0x3));
    expect(vm.apply(op.access(0xffff_8000_0000_2010n, 'fetch'))).toStrictEqual(flushed(0xffff_8000_0000_2010n, 0x11));
    // Non-canonical: #GP before any walk, so no fault and no flush.
    expect(vm.apply(op.access(0x0000_8000_0000_1008n, 'write'))).toStrictEqual({ outcome: 'gp', events: [] });
  });
});
