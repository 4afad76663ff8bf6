// Paging geometry of each guest mode (SDM 4.3-4.5): levels, entry sizes, index bits and the GVA
// arithmetic the generator needs to aim at what it mapped. Facts only; no walk.
import type { U64 } from '../../mmus/x86/u64.js';

export type GenMode = '32-bit' | 'pae' | '4-level' | '5-level';
export const GEN_MODES: readonly GenMode[] = ['32-bit', 'pae', '4-level', '5-level'];

/** Level of the root table (PAE: the PDPT, level 3). */
export function topLevel(mode: GenMode): number {
  return mode === '32-bit' ? 2 : mode === 'pae' ? 3 : mode === '4-level' ? 4 : 5;
}

export function entrySize(mode: GenMode): 4 | 8 {
  return mode === '32-bit' ? 4 : 8;
}

/** Bit position of the lowest GVA bit indexing a table at `level`. */
export function levelShift(mode: GenMode, level: number): number {
  if (mode === '32-bit') return level === 1 ? 12 : 22;
  return 12 + 9 * (level - 1);
}

/** Number of GVA bits indexing a table at `level`. */
export function indexBits(mode: GenMode, level: number): number {
  if (mode === '32-bit') return 10;
  if (mode === 'pae' && level === 3) return 2;
  return 9;
}

/** Bytes mapped by a leaf at `level` (4 KiB, 2/4 MiB, 1 GiB). */
export function pageBytes(mode: GenMode, level: number): number {
  return 2 ** levelShift(mode, level);
}

export function isLongMode(mode: GenMode): boolean {
  return mode === '4-level' || mode === '5-level';
}

/** Linear-address width for canonicality (SDM 3.3.7.1): 48 or 57; 32 outside long mode. */
export function gvaWidth(mode: GenMode): number {
  return mode === '5-level' ? 57 : mode === '4-level' ? 48 : 32;
}

/** Bits [shift, shift+width) of v; width <= 10 so the result fits easily. */
export function bitsOf(v: U64, shift: number, width: number): number {
  const mask = (1 << width) - 1;
  if (shift >= 32) return (v.hi >>> (shift - 32)) & mask;
  if (shift + width <= 32) return (v.lo >>> shift) & mask;
  return ((v.lo >>> shift) | (v.hi << (32 - shift))) & mask;
}

/** v with bits [shift, shift+width) replaced by x. */
export function withBits(v: U64, shift: number, width: number, x: number): U64 {
  const mask = (1 << width) - 1;
  x &= mask;
  let { lo, hi } = v;
  if (shift >= 32) {
    hi = (hi & ~(mask << (shift - 32))) | (x << (shift - 32));
  } else if (shift + width <= 32) {
    lo = (lo & ~(mask << shift)) | (x << shift);
  } else {
    lo = (lo & ~(mask << shift)) | (x << shift);
    const hiWidth = shift + width - 32;
    const hiMask = (1 << hiWidth) - 1;
    hi = (hi & ~hiMask) | (x >>> (32 - shift));
  }
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

/** The table index `level` uses for gva. */
export function gvaIndex(mode: GenMode, gva: U64, level: number): number {
  return bitsOf(gva, levelShift(mode, level), indexBits(mode, level));
}

/** gva sign-extended from bit width-1 (width 48 or 57); 32-bit widths clear the high half. */
export function canonicalize(gva: U64, width: number): U64 {
  if (width <= 32) return { lo: gva.lo >>> 0, hi: 0 };
  const signBit = width - 1 - 32;
  const keep = (2 ** (signBit + 1) - 1) >>> 0;
  const neg = ((gva.hi >>> signBit) & 1) === 1;
  return { lo: gva.lo >>> 0, hi: (neg ? gva.hi | ~keep : gva.hi & keep) >>> 0 };
}

/** The canonical GVA whose table index at each level L is indices[L] (levels below `from` are 0). */
export function gvaFromIndices(mode: GenMode, indices: Readonly<Record<number, number>>): U64 {
  let v: U64 = { lo: 0, hi: 0 };
  for (let level = topLevel(mode); level >= 1; level--) {
    const idx = indices[level];
    if (idx !== undefined) v = withBits(v, levelShift(mode, level), indexBits(mode, level), idx);
  }
  return canonicalize(v, gvaWidth(mode));
}

/** gva + off for a page-aligned gva and 0 <= off < the page size (so no carry out of the page). */
export function gvaPlus(gva: U64, off: number): U64 {
  if (off < 2 ** 32 && gva.lo + off < 2 ** 32) return { lo: (gva.lo + off) >>> 0, hi: gva.hi };
  const sum = gva.lo + off;
  return { lo: sum >>> 0, hi: (gva.hi + Math.floor(sum / 2 ** 32)) >>> 0 };
}
