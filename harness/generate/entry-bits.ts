// Building and editing guest paging-structure entries as the generator writes them (SDM 4.3-4.5
// layouts): frame placement per format and level, flags kept apart from the address.
import type { U64 } from '../../mmus/x86/u64.js';
import { PTE_NX_HI, PTE_PKEY_SHIFT_HI, PTE_PS } from '../../mmus/x86/bits.js';
import type { GenMode } from './geometry.js';

export interface EntryFlags {
  /** Low-byte flag bits (P RW US PWT PCD A D G; PS is added for large leaves). */
  readonly low: number;
  readonly nx: boolean;
  /** Protection key 0..15 (64-bit leaves only). */
  readonly pkey: number;
}

const LOW_FLAG_MASK = 0x1ff;

/**
 * The entry mapping `gpa` (aligned to the page or table it points at) with `flags`.
 * `largeLeaf` adds PS; 32-bit 4 MiB entries carry PA[35:32] in bits 16:13 (PSE-36).
 */
export function makeEntry(mode: GenMode, gpa: number, flags: EntryFlags, largeLeaf: boolean): U64 {
  const low = (flags.low & LOW_FLAG_MASK) | (largeLeaf ? PTE_PS : 0);
  const high = Math.floor(gpa / 2 ** 32);
  if (mode === '32-bit') {
    if (largeLeaf) return { lo: ((gpa & 0xffc00000) | ((high & 0xf) << 13) | low) >>> 0, hi: 0 };
    return { lo: ((gpa & 0xfffff000) | low) >>> 0, hi: 0 };
  }
  const hi = (high & 0xfffff) | (flags.nx ? PTE_NX_HI : 0) | ((flags.pkey & 0xf) << PTE_PKEY_SHIFT_HI);
  return { lo: ((gpa & 0xfffff000) | low) >>> 0, hi: hi >>> 0 };
}

/** The frame address an entry points at (bits 51:12; 32-bit: 31:12, or the 4 MiB frame with PSE-36 bits). */
export function entryFrame(mode: GenMode, value: U64, largeLeaf: boolean): number {
  if (mode === '32-bit') {
    if (largeLeaf) return ((value.lo & 0xffc00000) >>> 0) + ((value.lo >>> 13) & 0xf) * 2 ** 32;
    return (value.lo & 0xfffff000) >>> 0;
  }
  return ((value.lo & 0xfffff000) >>> 0) + (value.hi & 0xfffff) * 2 ** 32;
}

/** value with its frame replaced by gpa, every flag (and NX, pkey, ignored bits) kept. */
export function withFrame(mode: GenMode, value: U64, gpa: number, largeLeaf: boolean): U64 {
  const high = Math.floor(gpa / 2 ** 32);
  if (mode === '32-bit') {
    if (largeLeaf) return { lo: ((value.lo & 0x1fff) | (gpa & 0xffc00000) | ((high & 0xf) << 13)) >>> 0, hi: 0 };
    return { lo: ((value.lo & 0xfff) | (gpa & 0xfffff000)) >>> 0, hi: 0 };
  }
  return { lo: ((value.lo & 0xfff) | (gpa & 0xfffff000)) >>> 0, hi: ((value.hi & 0xfff00000) | (high & 0xfffff)) >>> 0 };
}

/** value with bit n (0..63) toggled. */
export function toggleBit(value: U64, n: number): U64 {
  return n < 32 ? { lo: (value.lo ^ (1 << n)) >>> 0, hi: value.hi } : { lo: value.lo, hi: (value.hi ^ (1 << (n - 32))) >>> 0 };
}

/** value with bit n (0..63) set. */
export function setBit(value: U64, n: number): U64 {
  return n < 32 ? { lo: (value.lo | (1 << n)) >>> 0, hi: value.hi } : { lo: value.lo, hi: (value.hi | (1 << (n - 32))) >>> 0 };
}

export function isPresent(value: U64): boolean {
  return (value.lo & 1) === 1;
}

export function hasPs(value: U64): boolean {
  return (value.lo & PTE_PS) !== 0;
}
