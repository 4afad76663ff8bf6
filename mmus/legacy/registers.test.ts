// Register writes: the #GP cases and flush requests of docs/model-contract.md "Register writes"
// and "TLB operations", checked with hand-picked values.
import { describe, expect, it } from 'vitest';
import { CR0_PE_PG, CR4_PAE, EFER_LME, EFER_NXE, Vm, config, op, q } from './test-kit.js';

const GP = { outcome: 'gp', events: [] };
const OK = { outcome: 'ok', events: [] };
const FLUSH_GUEST = { outcome: 'ok', events: [{ type: 'flush', scope: 'guest' }] };
const FLUSH_CURRENT = { outcome: 'ok', events: [{ type: 'flush', scope: 'current' }] };
const CR4_PGE = 1 << 7;
const CR4_LA57 = 1 << 12;
const CR4_VMXE = 1 << 13;
const CR4_PCIDE = 1 << 17;
const CR4_SMEP = 1 << 20;
const CR4_PKE = 1 << 22;

/** 4-level paging with identity-ish tables at 0x10000 (contents irrelevant here). */
function longMode(c = config()): Vm {
  const vm = new Vm(c);
  vm.ok([op.set('cr4', CR4_PAE), op.set('efer', EFER_LME), op.set('cr3', 0x10000), op.set('cr0', CR0_PE_PG)]);
  return vm;
}

describe('CR0', () => {
  it('refuses bits 63:32, NW without CD, PG without PE', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('cr0', 0x1_0000_0011))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr0', 0x20000011))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr0', 0x80000000))).toStrictEqual(GP);
    expect(vm.backend.state().cr0).toBe(0x60000010);
  });

  it('forces ET and drops undefined bits', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('cr0', 0x00000101))).toStrictEqual(OK);
    expect(vm.backend.state().cr0).toBe(0x11);
  });

  it('PG with EFER.LME needs CR4.PAE; sets and clears EFER.LMA', () => {
    const vm = new Vm();
    vm.ok([op.set('efer', EFER_LME)]);
    expect(vm.apply(op.set('cr0', CR0_PE_PG))).toStrictEqual(GP);
    vm.ok([op.set('cr4', CR4_PAE), op.set('cr0', CR0_PE_PG)]);
    expect(vm.backend.state().efer).toBe(0x500);
    // CS.L = 0: leaving IA-32e mode is legal; clearing PG flushes the guest TLB.
    expect(vm.apply(op.set('cr0', 0x1))).toStrictEqual(FLUSH_GUEST);
    expect(vm.backend.state().efer).toBe(0x100);
  });

  it('clearing PG with CR4.PCIDE is #GP', () => {
    const vm = longMode();
    vm.ok([op.set('cr4', CR4_PAE | CR4_PCIDE)]);
    expect(vm.apply(op.set('cr0', 0x1))).toStrictEqual(GP);
  });

  it('a CR0.WP toggle with paging off changes nothing else', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('cr0', 0x60010010))).toStrictEqual(OK);
  });
});

describe('CR3', () => {
  it('refuses GPA bits at or above MAXPHYADDR, and bit 63 without PCIDE', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('cr3', 0x4000_0000_0000))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr3', 0x8000_0000_0000_1000n))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr3', 0x3fff_ffff_f018))).toStrictEqual(FLUSH_GUEST);
    expect(vm.backend.state().cr3).toStrictEqual(q(0x3fff_ffff_f018));
  });

  it('rewriting the same value still flushes', () => {
    const vm = new Vm();
    vm.ok([op.set('cr3', 0x5000)]);
    expect(vm.apply(op.set('cr3', 0x5000))).toStrictEqual(FLUSH_GUEST);
  });

  it('with PCIDE, bit 63 is NOFLUSH and is not stored', () => {
    const vm = longMode();
    vm.ok([op.set('cr4', CR4_PAE | CR4_PCIDE)]);
    expect(vm.apply(op.set('cr3', 0x8000_0000_0002_0005n))).toStrictEqual(OK);
    expect(vm.backend.state().cr3).toStrictEqual(q(0x20005));
    expect(vm.apply(op.set('cr3', 0x20005))).toStrictEqual(FLUSH_GUEST);
  });
});

describe('CR4', () => {
  it('refuses unknown bits, bits 63:32 and features the guest lacks', () => {
    const vm = new Vm(config({ features: ['nx'] }));
    expect(vm.apply(op.set('cr4', CR4_VMXE))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr4', 0x1_0000_0000))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr4', CR4_LA57))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr4', CR4_SMEP))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr4', CR4_PKE))).toStrictEqual(GP);
  });

  it('PCIDE 0->1 needs IA-32e mode and CR3[11:0] = 0', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('cr4', CR4_PCIDE))).toStrictEqual(GP);
    const lm = longMode();
    lm.ok([op.set('cr3', 0x10008)]);
    expect(lm.apply(op.set('cr4', CR4_PAE | CR4_PCIDE))).toStrictEqual(GP);
    lm.ok([op.set('cr3', 0x10000)]);
    expect(lm.apply(op.set('cr4', CR4_PAE | CR4_PCIDE))).toStrictEqual(OK);
    // PCIDE 1->0 flushes every PCID.
    expect(lm.apply(op.set('cr4', CR4_PAE))).toStrictEqual(FLUSH_GUEST);
  });

  it('IA-32e mode keeps PAE and LA57', () => {
    const vm = longMode();
    expect(vm.apply(op.set('cr4', 0))).toStrictEqual(GP);
    expect(vm.apply(op.set('cr4', CR4_PAE | CR4_LA57))).toStrictEqual(GP);
  });

  it('flushes: PGE -> guest, SMEP 0->1 or PAE -> current, SMEP 1->0 -> none', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('cr4', CR4_PGE))).toStrictEqual(FLUSH_GUEST);
    expect(vm.apply(op.set('cr4', CR4_PGE | CR4_SMEP))).toStrictEqual(FLUSH_CURRENT);
    expect(vm.apply(op.set('cr4', CR4_PGE))).toStrictEqual(OK);
    expect(vm.apply(op.set('cr4', CR4_PGE | CR4_PAE))).toStrictEqual(FLUSH_CURRENT);
    expect(vm.apply(op.set('cr4', CR4_SMEP | CR4_PAE))).toStrictEqual(FLUSH_GUEST);
  });
});

describe('EFER, PKRU, RFLAGS', () => {
  it('EFER: NXE needs the nx feature; unknown bits and LME changes under paging are #GP', () => {
    expect(new Vm(config({ features: [] })).apply(op.set('efer', EFER_NXE))).toStrictEqual(GP);
    const vm = new Vm();
    expect(vm.apply(op.set('efer', 0x2))).toStrictEqual(GP);
    expect(vm.apply(op.set('efer', 0x1_0000_0000))).toStrictEqual(GP);
    expect(vm.apply(op.set('efer', EFER_NXE | 0x1))).toStrictEqual(OK);
    vm.ok([op.set('cr0', CR0_PE_PG)]);
    expect(vm.apply(op.set('efer', EFER_LME))).toStrictEqual(GP);
    expect(vm.apply(op.set('efer', 0x1))).toStrictEqual(OK); // NXE may change
  });

  it('EFER.LMA is read-only', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('efer', 0x400))).toStrictEqual(OK);
    expect(vm.backend.state().efer).toBe(0);
    const lm = longMode();
    expect(lm.apply(op.set('efer', EFER_LME))).toStrictEqual(OK);
    expect(lm.backend.state().efer).toBe(0x500);
  });

  it('PKRU needs CR4.PKE and 32 bits', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('pkru', 0x4))).toStrictEqual(GP);
    vm.ok([op.set('cr4', CR4_PKE)]);
    expect(vm.apply(op.set('pkru', 0x1_0000_0000))).toStrictEqual(GP);
    expect(vm.apply(op.set('pkru', 0xfffffffc))).toStrictEqual(OK);
    expect(vm.backend.state().pkru).toBe(0xfffffffc);
  });

  it('RFLAGS: bits 63:32 are #GP, bit 1 reads as 1', () => {
    const vm = new Vm();
    expect(vm.apply(op.set('rflags', 0x1_0000_0000))).toStrictEqual(GP);
    expect(vm.apply(op.set('rflags', 0x40000))).toStrictEqual(OK);
    expect(vm.backend.state().rflags).toBe(0x40002);
  });
});

describe('INVLPG and INVPCID', () => {
  it('INVLPG flushes the (32-bit truncated) gva; a non-canonical one is a no-op', () => {
    const vm = new Vm();
    expect(vm.apply(op.invlpg(0x1_0000_1000))).toStrictEqual({ outcome: 'ok', events: [{ type: 'flush', scope: 'gva', gva: q(0x1000) }] });
    const lm = longMode();
    expect(lm.apply(op.invlpg(0x8000_0000_0000n))).toStrictEqual(OK);
    expect(lm.apply(op.invlpg(0xffff_8000_0000_1000n))).toStrictEqual({
      outcome: 'ok',
      events: [{ type: 'flush', scope: 'gva', gva: q(0xffff_8000_0000_1000n) }],
    });
  });

  it('INVPCID needs the pcid feature, type <= 3, pcid <= 0xfff', () => {
    expect(new Vm(config({ features: ['nx'] })).apply(op.invpcid(2, 0))).toStrictEqual(GP);
    const vm = new Vm();
    expect(vm.apply(op.invpcid(4, 0))).toStrictEqual(GP);
    expect(vm.apply(op.invpcid(2, 0x1000))).toStrictEqual(GP);
    expect(vm.apply(op.invpcid(2, 0xfff))).toStrictEqual(FLUSH_GUEST);
    expect(vm.apply(op.invpcid(3, 0))).toStrictEqual(FLUSH_GUEST);
  });

  it('types 0 and 1 need pcid 0 without PCIDE', () => {
    const vm = new Vm();
    expect(vm.apply(op.invpcid(0, 1, 0x1000))).toStrictEqual(GP);
    expect(vm.apply(op.invpcid(1, 1))).toStrictEqual(GP);
    expect(vm.apply(op.invpcid(0, 0, 0x1000))).toStrictEqual({ outcome: 'ok', events: [{ type: 'flush', scope: 'gva', gva: q(0x1000) }] });
    expect(vm.apply(op.invpcid(1, 0))).toStrictEqual(FLUSH_GUEST);
  });

  it('type 0 flushes only the active PCID and refuses non-canonical addresses', () => {
    const vm = longMode();
    vm.ok([op.set('cr4', CR4_PAE | CR4_PCIDE), op.set('cr3', 0x10005)]);
    expect(vm.apply(op.invpcid(0, 5, 0x2000))).toStrictEqual({ outcome: 'ok', events: [{ type: 'flush', scope: 'gva', gva: q(0x2000) }] });
    expect(vm.apply(op.invpcid(0, 6, 0x2000))).toStrictEqual(OK);
    expect(vm.apply(op.invpcid(0, 5, 0x8000_0000_0000n))).toStrictEqual(GP);
    expect(vm.apply(op.invpcid(1, 7))).toStrictEqual(FLUSH_GUEST);
  });
});
