import { describe, it, expect } from 'vitest';
import { u64, u64ToHex } from '../../mmus/x86/u64.js';
import { entryFrame, makeEntry, withFrame } from './entry-bits.js';
import { canonicalize, gvaFromIndices, gvaIndex, withBits, bitsOf, gvaPlus } from './geometry.js';

describe('GVA geometry', () => {
  it('builds canonical GVAs from table indices and reads them back', () => {
    const g4 = gvaFromIndices('4-level', { 4: 511, 3: 510, 2: 3, 1: 7 });
    expect(u64ToHex(g4)).toBe('0xffffffff80607000');
    for (const [l, i] of [[4, 511], [3, 510], [2, 3], [1, 7]]) expect(gvaIndex('4-level', g4, l)).toBe(i);
    const g5 = gvaFromIndices('5-level', { 5: 256, 4: 0 });
    expect(u64ToHex(g5)).toBe('0xff00000000000000');
    expect(u64ToHex(gvaFromIndices('5-level', { 5: 0, 4: 256 }))).toBe('0x800000000000');
    expect(u64ToHex(gvaFromIndices('pae', { 3: 3, 2: 1, 1: 2 }))).toBe('0xc0202000');
    expect(u64ToHex(gvaFromIndices('32-bit', { 2: 0x300, 1: 5 }))).toBe('0xc0005000');
  });

  it('handles fields straddling the halves', () => {
    const v = withBits(u64(0, 0), 30, 9, 0x1ff);
    expect(u64ToHex(v)).toBe('0x7fc0000000');
    expect(bitsOf(v, 30, 9)).toBe(0x1ff);
    expect(u64ToHex(canonicalize(u64(0, 0x8000), 48))).toBe('0xffff800000000000');
    expect(u64ToHex(canonicalize(u64(0, 0xffff7fff), 48))).toBe('0x7fff00000000');
    expect(u64ToHex(gvaPlus(u64(0xfffff000, 1), 0xfff))).toBe('0x1ffffffff');
  });
});

describe('entry bits', () => {
  it('round-trips frames in every format', () => {
    const f = { low: 0x67, nx: true, pkey: 5 };
    const e = makeEntry('4-level', 0x123456789000, f, false);
    expect(u64ToHex(e)).toBe('0xa800123456789067');
    expect(entryFrame('4-level', e, false)).toBe(0x123456789000);
    expect(entryFrame('4-level', withFrame('4-level', e, 0x5000, false), false)).toBe(0x5000);
    // PSE-36: PA[35:32] in PDE bits 16:13.
    const pde = makeEntry('32-bit', 0x300400000, { low: 0x7, nx: false, pkey: 0 }, true);
    expect(u64ToHex(pde)).toBe('0x406087');
    expect(entryFrame('32-bit', pde, true)).toBe(0x300400000);
    expect(entryFrame('32-bit', makeEntry('32-bit', 0xfffff000, { low: 1, nx: false, pkey: 0 }, false), false)).toBe(0xfffff000);
  });
});
