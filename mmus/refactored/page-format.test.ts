// Page-format metadata built by hand from §5.2/§5.4/§5.5: reserved masks, the NEW-encoding
// permission table (READ=1 WRITE=2 USER=4 EXEC=8) and the PKRU mask.
import { describe, expect, it } from 'vitest';
import { KvmPageFormat, rsvdIndex } from './page-format.js';
import { updatePermissionBitmask } from './permission-bitmask.js';
import { updatePkruBitmask } from './pkru-mask.js';
import { isRsvdEntry, resetEptSpteRsvdBitsMask, resetX86RsvdBitsMask } from './rsvd-bits.js';

const X86 = { level: 4, maxphyaddr: 46, nx: true, gbpages: true, pse: false, pse36: true, amd: false };

function mask(fmt: KvmPageFormat, ps: number, level: number): [number, number] {
  return [fmt.rsvdLo[rsvdIndex(ps, level)] >>> 0, fmt.rsvdHi[rsvdIndex(ps, level)] >>> 0];
}

describe('reserved-bit masks', () => {
  it('4-level, M = 46, NX on, Intel', () => {
    const f = new KvmPageFormat();
    resetX86RsvdBitsMask(f, X86);
    expect(mask(f, 0, 1)).toEqual([0, 0x000fc000]);
    expect(mask(f, 1, 2)).toEqual([0x001fe000, 0x000fc000]);
    expect(mask(f, 1, 3)).toEqual([0x3fffe000, 0x000fc000]);
    expect(mask(f, 0, 4)).toEqual([0x80, 0x000fc000]);
  });

  it('NX off reserves bit 63; no GBPAGES reserves PS at level 3; AMD reserves bit 8 at level 4/5', () => {
    const f = new KvmPageFormat();
    resetX86RsvdBitsMask(f, { ...X86, level: 5, nx: false, gbpages: false, amd: true });
    expect(mask(f, 0, 1)).toEqual([0, 0x800fc000]);
    expect(mask(f, 1, 3)).toEqual([0x3fffe080, 0x800fc000]);
    expect(mask(f, 0, 4)).toEqual([0x180, 0x800fc000]);
    expect(mask(f, 1, 5)).toEqual([0x180, 0x800fc000]);
  });

  it('PAE reserves bits M..62; 32-bit 4 MiB pages reserve 21:17 (PSE-36) or 21:13', () => {
    const f = new KvmPageFormat();
    resetX86RsvdBitsMask(f, { ...X86, level: 3 });
    expect(mask(f, 0, 1)).toEqual([0, 0x7fffc000]);
    expect(mask(f, 1, 2)).toEqual([0x001fe000, 0x7fffc000]);
    resetX86RsvdBitsMask(f, { ...X86, level: 2, pse: true });
    expect(mask(f, 1, 2)).toEqual([0x003e0000, 0]);
    expect(mask(f, 0, 1)).toEqual([0, 0]);
    resetX86RsvdBitsMask(f, { ...X86, level: 2, pse: true, pse36: false });
    expect(mask(f, 1, 2)).toEqual([0x003fe000, 0]);
    resetX86RsvdBitsMask(f, { ...X86, level: 2, pse: false });
    expect(mask(f, 1, 2)).toEqual([0, 0]);
  });

  it('EPT SPTE masks accept KVM leaves and flag bad memtype/XWR patterns; x86 rebuild clears them', () => {
    const f = new KvmPageFormat();
    resetEptSpteRsvdBitsMask(f, 4);
    expect(isRsvdEntry(f, 0x5377, 0x80000001, 1)).toBe(false);
    expect(isRsvdEntry(f, 0x5002, 0, 1)).toBe(true); // W without R
    expect(isRsvdEntry(f, 0x5011, 0, 1)).toBe(true); // memtype 2
    expect(isRsvdEntry(f, 0x5004, 0, 1)).toBe(true); // execute-only unsupported
    expect(isRsvdEntry(f, 0x5087, 0, 4)).toBe(true); // PS in a PML4E
    resetX86RsvdBitsMask(f, X86);
    expect(isRsvdEntry(f, 0x5011, 0, 1)).toBe(false);
  });
});

describe('permission table (NEW encoding)', () => {
  it('x86 walker, CR0.WP = 1, NX on', () => {
    const f = new KvmPageFormat();
    updatePermissionBitmask(f, { tdp: false, ept: false, smep: false, smap: false, wp: true, nx: true });
    expect(f.permissions[0]).toBe(0x5555); // supervisor read: needs R
    expect(f.permissions[1]).toBe(0x3333); // supervisor write: needs W
    expect(f.permissions[3]).toBe(0x3f3f); // user write: needs W and U
    expect(f.permissions[8]).toBe(0x00ff); // supervisor fetch: needs X
  });

  it('CR0.WP = 0 suppresses the write term for supervisor writes only', () => {
    const f = new KvmPageFormat();
    updatePermissionBitmask(f, { tdp: false, ept: false, smep: false, smap: false, wp: false, nx: true });
    expect(f.permissions[1]).toBe(0);
    expect(f.permissions[3]).toBe(0x3f3f);
  });

  it('SMEP and SMAP terms', () => {
    const f = new KvmPageFormat();
    updatePermissionBitmask(f, { tdp: false, ept: false, smep: true, smap: true, wp: true, nx: false });
    expect(f.permissions[8]).toBe(0xf0f0); // supervisor fetch faults on user pages
    expect(f.permissions[0]).toBe(0xf5f5); // supervisor read: !R or user page (SMAP)
    expect(f.permissions[4]).toBe(0x5555); // ...unless AC (the RSVD slot)
  });

  it('EPT SPTE table: read needs R, write W, fetch X', () => {
    const f = new KvmPageFormat();
    updatePermissionBitmask(f, { tdp: true, ept: true, smep: false, smap: false, wp: true, nx: true });
    expect(f.permissions[0]).toBe(0x5555);
    expect(f.permissions[1]).toBe(0x3333);
    expect(f.permissions[8]).toBe(0x00ff);
  });
});

describe('PKRU mask', () => {
  it('AD for data accesses to user pages; WD for user writes and WP-governed supervisor writes', () => {
    const f = new KvmPageFormat();
    updatePkruBitmask(f, true, true);
    expect(f.pkruMask).toBe(0xdd00);
    updatePkruBitmask(f, true, false);
    expect(f.pkruMask).toBe(0xd500);
    updatePkruBitmask(f, false, true);
    expect(f.pkruMask).toBe(0);
  });
});
