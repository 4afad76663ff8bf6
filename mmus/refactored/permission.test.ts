// Permission faults with their exact #PF error codes (SDM 4.6, 4.7): U/S, R/W with CR0.WP, NX,
// SMEP, SMAP with RFLAGS.AC and implicit accesses, protection keys.
import { describe, expect, it } from 'vitest';
import { backend, brief, CR4_PKE, CR4_SMAP, CR4_SMEP, enter4Level, op, setup, tables4 } from './test-kit.js';

const GVA = 0x40201234;
const OK = { outcome: 'ok', gpa: 0x5234, level: 1 };
const pf = (errorCode: number) => ({ outcome: 'page_fault', errorCode });

function walk(leaf: bigint | number, opts: { wp?: boolean; nx?: boolean; cr4?: number; upper?: number } = {}) {
  const b = backend();
  setup(b, tables4(leaf, opts.upper));
  enter4Level(b, opts);
  return b;
}

describe('U/S and R/W', () => {
  it('user access to a supervisor page: P|U (+W)', () => {
    const b = walk(0x5003);
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(pf(0x5));
    expect(brief(b.apply(op.acc(GVA, 'write', 3)))).toEqual(pf(0x7));
    expect(brief(b.apply(op.acc(GVA, 'read', 0)))).toEqual(OK);
  });

  it('U/S=0 at an upper level restricts the whole translation', () => {
    const b = walk(0x5007, { upper: 0x3 });
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(pf(0x5));
  });

  it('writes to a read-only page: user always faults, supervisor only with CR0.WP', () => {
    const b = walk(0x5005);
    expect(brief(b.apply(op.acc(GVA, 'write', 3)))).toEqual(pf(0x7));
    expect(brief(b.apply(op.acc(GVA, 'write', 0)))).toEqual(pf(0x3));
    const c = walk(0x5005, { wp: false });
    expect(brief(c.apply(op.acc(GVA, 'write', 3)))).toEqual(pf(0x7));
    expect(brief(c.apply(op.acc(GVA, 'write', 0)))).toEqual(OK);
  });

  it('R/W=0 at an upper level', () => {
    const b = walk(0x5007, { upper: 0x5 });
    expect(brief(b.apply(op.acc(GVA, 'write', 0)))).toEqual(pf(0x3));
  });
});

describe('NX and SMEP', () => {
  it('fetch from an NX page: P|I/D (+U)', () => {
    const b = walk(0x8000000000005007n);
    expect(brief(b.apply(op.acc(GVA, 'fetch', 3)))).toEqual(pf(0x15));
    expect(brief(b.apply(op.acc(GVA, 'fetch', 0)))).toEqual(pf(0x11));
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(OK);
  });

  it('NX at an upper level', () => {
    const b = backend();
    setup(b, [...tables4(), op.w8(0x2008, 0x8000000000003007n)]);
    enter4Level(b);
    expect(brief(b.apply(op.acc(GVA, 'fetch', 0)))).toEqual(pf(0x11));
  });

  it('SMEP: supervisor fetch from a user page faults; user fetch is fine', () => {
    const b = walk(0x5007, { cr4: CR4_SMEP });
    expect(brief(b.apply(op.acc(GVA, 'fetch', 0)))).toEqual(pf(0x11));
    expect(brief(b.apply(op.acc(GVA, 'fetch', 3)))).toEqual(OK);
    const c = walk(0x5003, { cr4: CR4_SMEP });
    expect(brief(c.apply(op.acc(GVA, 'fetch', 0)))).toEqual(OK);
  });

  it('I/D is reported with SMEP even when EFER.NXE = 0', () => {
    const b = walk(0x5007, { cr4: CR4_SMEP, nx: false });
    expect(brief(b.apply(op.acc(0x40202000, 'fetch', 0)))).toEqual(pf(0x10));
    expect(brief(b.apply(op.acc(GVA, 'fetch', 0)))).toEqual(pf(0x11));
    const c = walk(0x5007, { nx: false });
    expect(brief(c.apply(op.acc(0x40202000, 'fetch', 0)))).toEqual(pf(0x0));
  });
});

describe('SMAP', () => {
  it('supervisor data access to a user page faults unless RFLAGS.AC', () => {
    const b = walk(0x5007, { cr4: CR4_SMAP });
    expect(brief(b.apply(op.acc(GVA, 'read', 0)))).toEqual(pf(0x1));
    expect(brief(b.apply(op.acc(GVA, 'write', 2)))).toEqual(pf(0x3));
    expect(brief(b.apply(op.acc(GVA, 'fetch', 0)))).toEqual(OK);
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(OK);
    setup(b, [op.set('rflags', 0x40000)]);
    expect(brief(b.apply(op.acc(GVA, 'read', 0)))).toEqual(OK);
    expect(brief(b.apply(op.acc(GVA, 'write', 0)))).toEqual(OK);
  });

  it('implicit accesses are supervisor and ignore RFLAGS.AC', () => {
    const b = walk(0x5007, { cr4: CR4_SMAP });
    setup(b, [op.set('rflags', 0x40002)]);
    expect(brief(b.apply(op.acc(GVA, 'read', 3, true)))).toEqual(pf(0x1));
    const c = walk(0x5003);
    expect(brief(c.apply(op.acc(GVA, 'read', 3, true)))).toEqual(OK);
  });
});

describe('protection keys', () => {
  const KEY1 = 0x0800000000005007n; // pkey 1 in bits 62:59
  it('AD blocks data accesses to user pages, not fetches', () => {
    const b = walk(KEY1, { cr4: CR4_PKE });
    setup(b, [op.set('pkru', 0x4)]);
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(pf(0x25));
    expect(brief(b.apply(op.acc(GVA, 'read', 0)))).toEqual(pf(0x21));
    expect(brief(b.apply(op.acc(GVA, 'fetch', 3)))).toEqual(OK);
    // Key 0 is unrestricted.
    setup(b, [op.set('pkru', 0x3)]);
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(OK);
  });

  it('supervisor pages are never key-checked', () => {
    const b = walk(0x0800000000005003n, { cr4: CR4_PKE });
    setup(b, [op.set('pkru', 0xc)]);
    expect(brief(b.apply(op.acc(GVA, 'write', 0)))).toEqual(OK);
  });

  it('WD blocks user writes, and supervisor writes only with CR0.WP', () => {
    const b = walk(KEY1, { cr4: CR4_PKE });
    setup(b, [op.set('pkru', 0x8)]);
    expect(brief(b.apply(op.acc(GVA, 'write', 3)))).toEqual(pf(0x27));
    expect(brief(b.apply(op.acc(GVA, 'read', 3)))).toEqual(OK);
    expect(brief(b.apply(op.acc(GVA, 'write', 0)))).toEqual(pf(0x23));
    setup(b, [op.set('cr0', 0x80000001)]);
    expect(brief(b.apply(op.acc(GVA, 'write', 0)))).toEqual(OK);
  });

  it('PK is reported together with a rights fault', () => {
    const b = walk(0x0800000000005005n, { cr4: CR4_PKE });
    setup(b, [op.set('pkru', 0x8)]);
    expect(brief(b.apply(op.acc(GVA, 'write', 3)))).toEqual(pf(0x27));
  });
});
