// Permission faults and their error codes, written from SDM vol. 3A 4.6 (access rights), 4.6.2
// (protection keys) and 4.7 (error code: P=1 W=2 U=4 RSVD=8 I/D=0x10 PK=0x20), plus KVM's rule
// for the I/D bit (set iff EFER.NXE or CR4.SMEP, kvm-mmu-model §5.7).
import { describe, expect, it } from 'vitest';
import { CR0_PE_PG, CR0_PE_PG_WP, CR4_PAE, CR4_PSE, EFER_LME, EFER_NXE, Vm, config, op, q } from './test-kit.js';

const CR4_SMEP = 1 << 20;
const CR4_SMAP = 1 << 21;
const CR4_PKE = 1 << 22;
const RFLAGS_AC = 1 << 18;

const P = 1, W = 2, U = 4, A = 0x20, D = 0x40;
const NX = 0x8000_0000_0000_0000n;

/** PTE i maps gva i * 4 KiB to 0x20000 + i * 4 KiB with the given low flags (A|D preset). */
function pte(i: number, flags: number, high = 0n): ReturnType<typeof op.write> {
  return op.write(0x13000 + 8 * i, (BigInt(0x20000 + i * 0x1000) | BigInt(flags | A | D)) | high);
}

/** 4-level tables with user-writable upper levels; CR0.WP=1, EFER.NXE=1 unless told. */
function longMode(o: { cr4?: number; efer?: number; cr0?: number } = {}): Vm {
  const vm = new Vm(config());
  vm.ok([
    op.write(0x10000, 0x11027),
    op.write(0x11000, 0x12027),
    op.write(0x12000, 0x13027),
    pte(1, P | U), // user, read-only
    pte(2, P | W), // supervisor, writable
    pte(3, P | W | U, NX),
    pte(5, P | W | U),
    pte(7, P | W | U, 1n << 59n), // protection key 1
    pte(8, P | U, 1n << 59n), // read-only, key 1
    pte(9, P | W, 1n << 59n), // supervisor page, key 1
    op.set('cr4', CR4_PAE | (o.cr4 ?? 0)),
    op.set('efer', o.efer ?? EFER_LME | EFER_NXE),
    op.set('cr3', 0x10000),
    op.set('cr0', o.cr0 ?? CR0_PE_PG_WP),
  ]);
  return vm;
}

function pf(gva: number, errorCode: number) {
  return { outcome: 'page_fault', errorCode, address: q(gva), to: 'L1', events: [] };
}

/** An access's protection fault (P=1, RSVD=0): injecting it flushes the faulting gva first. */
function pfFlushed(gva: number, errorCode: number) {
  return { outcome: 'page_fault', errorCode, address: q(gva), to: 'L1', events: [{ type: 'flush', scope: 'gva', gva: q(gva) }] };
}

describe('U/S and R/W', () => {
  it('user accesses need U and, for writes, W', () => {
    const vm = longMode();
    expect(vm.apply(op.g2g(0x1000, 'read', 3)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x1000, 'write', 3))).toStrictEqual(pf(0x1000, P | W | U));
    expect(vm.apply(op.g2g(0x2000, 'read', 3))).toStrictEqual(pf(0x2000, P | U));
    expect(vm.apply(op.access(0x2000, 'fetch', 3))).toStrictEqual(pfFlushed(0x2000, P | U | 0x10));
  });

  it('CPL 0-2 are supervisor accesses', () => {
    const vm = longMode();
    expect(vm.apply(op.g2g(0x2000, 'write', 2)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x1000, 'write', 1))).toStrictEqual(pf(0x1000, P | W));
  });

  it('CR0.WP=0 lets supervisor writes ignore R/W, never user writes', () => {
    const vm = longMode();
    expect(vm.apply(op.g2g(0x1000, 'write', 0))).toStrictEqual(pf(0x1000, P | W));
    // WP-only change with paging on: walker re-initialized, no flush, roots kept.
    expect(vm.apply(op.set('cr0', CR0_PE_PG))).toStrictEqual({ outcome: 'ok', events: [] });
    expect(vm.apply(op.access(0x1000, 'write', 0))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x21000,
      hpa: 0x100021000,
      level: 1,
      events: [{ type: 'map', gfn: 0x21, level: 1, spte: { lo: 0x21377, hi: 0x80000001 } }],
    });
    expect(vm.apply(op.g2g(0x1000, 'write', 3))).toStrictEqual(pf(0x1000, P | W | U));
    expect(vm.apply(op.set('cr0', CR0_PE_PG_WP)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x1000, 'write', 0))).toStrictEqual(pf(0x1000, P | W));
  });

  it('rights are the AND of every level', () => {
    const vm = longMode();
    vm.ok([op.write(0x12000, 0x13023)]); // PDE without U
    expect(vm.apply(op.g2g(0x5000, 'read', 3))).toStrictEqual(pf(0x5000, P | U));
    vm.ok([op.write(0x12000, 0x13025)]); // PDE without W
    expect(vm.apply(op.g2g(0x5000, 'write', 3))).toStrictEqual(pf(0x5000, P | W | U));
  });
});

describe('NX and the I/D bit', () => {
  it('NX blocks fetches only, at every CPL', () => {
    const vm = longMode();
    expect(vm.apply(op.g2g(0x3000, 'fetch', 0))).toStrictEqual(pf(0x3000, P | 0x10));
    expect(vm.apply(op.g2g(0x3000, 'fetch', 3))).toStrictEqual(pf(0x3000, P | U | 0x10));
    expect(vm.apply(op.g2g(0x3000, 'write', 3)).outcome).toBe('ok');
  });

  it('NX on any level blocks fetches', () => {
    const vm = longMode();
    vm.ok([op.write(0x11000, 0x8000_0000_0001_2027n)]);
    expect(vm.apply(op.g2g(0x5000, 'fetch', 0))).toStrictEqual(pf(0x5000, P | 0x10));
  });

  it('with EFER.NXE=0 bit 63 is reserved and I/D is not reported', () => {
    const vm = longMode({ efer: EFER_LME });
    expect(vm.apply(op.g2g(0x3000, 'read', 0))).toStrictEqual(pf(0x3000, P | 8));
    expect(vm.apply(op.g2g(0x3000, 'fetch', 0))).toStrictEqual(pf(0x3000, P | 8));
    expect(vm.apply(op.g2g(0x4000, 'fetch', 3))).toStrictEqual(pf(0x4000, U));
  });

  it('SMEP alone turns I/D on', () => {
    const vm = longMode({ efer: EFER_LME, cr4: CR4_SMEP });
    expect(vm.apply(op.g2g(0x4000, 'fetch', 3))).toStrictEqual(pf(0x4000, U | 0x10));
  });

  it('32-bit paging with EFER.NXE=1 reports I/D (KVM rule, no PAE needed)', () => {
    const vm = new Vm();
    vm.ok([op.write(0x1000, 0x2007, 4), op.set('efer', EFER_NXE), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
    expect(vm.apply(op.g2g(0x5000, 'fetch', 0))).toStrictEqual(pf(0x5000, 0x10));
    const plain = new Vm();
    plain.ok([op.write(0x1000, 0x2007, 4), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
    expect(plain.apply(op.g2g(0x5000, 'fetch', 0))).toStrictEqual(pf(0x5000, 0));
  });
});

describe('SMEP and SMAP', () => {
  it('SMEP: supervisor fetches from user pages fault', () => {
    const vm = longMode({ cr4: CR4_SMEP });
    expect(vm.apply(op.g2g(0x5000, 'fetch', 0))).toStrictEqual(pf(0x5000, P | 0x10));
    expect(vm.apply(op.g2g(0x5000, 'fetch', 3)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x2000, 'fetch', 0)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x5000, 'read', 0)).outcome).toBe('ok');
  });

  it('SMAP: supervisor data accesses to user pages fault unless EFLAGS.AC on an explicit access', () => {
    const vm = longMode({ cr4: CR4_SMAP });
    expect(vm.apply(op.g2g(0x5000, 'read', 0))).toStrictEqual(pf(0x5000, P));
    expect(vm.apply(op.g2g(0x5000, 'write', 2))).toStrictEqual(pf(0x5000, P | W));
    expect(vm.apply(op.g2g(0x5000, 'fetch', 0)).outcome).toBe('ok');
    expect(vm.apply(op.set('rflags', RFLAGS_AC)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x5000, 'read', 0)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x5000, 'write', 0)).outcome).toBe('ok');
    // Implicit supervisor accesses ignore AC, even from CPL 3.
    expect(vm.apply(op.g2g(0x5000, 'read', 3, true))).toStrictEqual(pf(0x5000, P));
    expect(vm.apply(op.g2g(0x2000, 'read', 3, true)).outcome).toBe('ok');
  });

  it('SMAP with CR0.WP=0: AC lets a supervisor write hit a read-only user page', () => {
    const vm = longMode({ cr4: CR4_SMAP, cr0: CR0_PE_PG });
    expect(vm.apply(op.g2g(0x1000, 'write', 0))).toStrictEqual(pf(0x1000, P | W));
    vm.ok([op.set('rflags', RFLAGS_AC)]);
    expect(vm.apply(op.g2g(0x1000, 'write', 0)).outcome).toBe('ok');
  });
});

describe('protection keys', () => {
  it('PKRU.AD blocks data accesses to user pages at any CPL, not fetches or supervisor pages', () => {
    const vm = longMode({ cr4: CR4_PKE });
    vm.ok([op.set('pkru', 0x4)]); // AD for key 1
    expect(vm.apply(op.g2g(0x7000, 'read', 3))).toStrictEqual(pf(0x7000, P | U | 0x20));
    expect(vm.apply(op.g2g(0x7000, 'read', 0))).toStrictEqual(pf(0x7000, P | 0x20));
    expect(vm.apply(op.g2g(0x7000, 'fetch', 3)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x9000, 'read', 0)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x5000, 'read', 3)).outcome).toBe('ok'); // key 0
  });

  it('PKRU.WD blocks user writes, and supervisor writes only with CR0.WP=1', () => {
    const vm = longMode({ cr4: CR4_PKE });
    vm.ok([op.set('pkru', 0x8)]); // WD for key 1
    expect(vm.apply(op.g2g(0x7000, 'read', 3)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x7000, 'write', 3))).toStrictEqual(pf(0x7000, P | W | U | 0x20));
    expect(vm.apply(op.g2g(0x7000, 'write', 0))).toStrictEqual(pf(0x7000, P | W | 0x20));
    // A user write to a read-only page with WD: both faults, reported together.
    expect(vm.apply(op.g2g(0x8000, 'write', 3))).toStrictEqual(pf(0x8000, P | W | U | 0x20));
    vm.ok([op.set('cr0', CR0_PE_PG)]);
    expect(vm.apply(op.g2g(0x7000, 'write', 0)).outcome).toBe('ok');
    expect(vm.apply(op.g2g(0x7000, 'write', 3))).toStrictEqual(pf(0x7000, P | W | U | 0x20));
  });

  it('keys only apply in IA-32e mode', () => {
    const vm = new Vm();
    vm.ok([
      op.write(0x3000, 0x4001),
      op.write(0x4000, 0x5027),
      op.write(0x5000, 0x9067),
      op.set('cr4', CR4_PAE | CR4_PKE),
      op.set('cr3', 0x3000),
      op.set('cr0', CR0_PE_PG_WP),
      op.set('pkru', 0xffffffff),
    ]);
    expect(vm.apply(op.g2g(0x0, 'write', 3)).outcome).toBe('ok');
    // Bits 62:59 are reserved address bits in PAE entries.
    vm.ok([op.write(0x5000, 0x0800_0000_0000_9067n)]);
    expect(vm.apply(op.g2g(0x0, 'read', 3))).toStrictEqual(pf(0x0, P | U | 8));
  });
});

describe('paging-mode changes', () => {
  it('clearing CR0.PG flushes the guest TLB and switches to the identity walker', () => {
    const vm = new Vm();
    vm.ok([op.write(0x1000, 0x00400087, 4), op.set('cr4', CR4_PSE), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG_WP)]);
    expect(vm.apply(op.g2g(0x1234, 'write', 3))).toStrictEqual({ outcome: 'ok', gpa: 0x401234, level: 2, events: [{ type: 'set_ad', gpa: 0x1000, value: q(0x004000e7) }] });
    expect(vm.apply(op.set('cr0', 0x60000011)).events).toStrictEqual([{ type: 'flush', scope: 'guest' }]);
    expect(vm.apply(op.g2g(0x1234, 'write', 3))).toStrictEqual({ outcome: 'ok', gpa: 0x1234, level: 0, events: [] });
  });
});
