// Frame fields of entries and CR3 values as page numbers: bits 12..MAXPHYADDR-1 of a 64-bit value
// (12..31 of a 4-byte entry). Bits from MAXPHYADDR up are reserved, not frame: rewrites keep them.
import type { U64 } from '../../mmus/backend.js';

const PAGES_PER_4G = 0x100000;

/** Mask of the frame bits held in the high half (bits 32..maxphyaddr-1 as bits 0..). */
function highFrameMask(maxphyaddr: number): number {
  const bits = Math.max(0, Math.min(maxphyaddr, 52) - 32);
  return bits >= 32 ? 0xffffffff : ((1 << bits) - 1) >>> 0;
}

/** The page a 4- or 8-byte entry (or a CR3 value, size 8) points to. */
export function entryPage(v: U64, size: number, maxphyaddr: number): number {
  if (size === 4) return v.lo >>> 12;
  return (v.lo >>> 12) + (v.hi & highFrameMask(maxphyaddr)) * PAGES_PER_4G;
}

/** v pointing to `page` instead, every other bit kept. */
export function withEntryPage(v: U64, size: number, page: number, maxphyaddr: number): U64 {
  const lo = (((page % PAGES_PER_4G) << 12) | (v.lo & 0xfff)) >>> 0;
  if (size === 4) return { lo, hi: v.hi };
  const mask = highFrameMask(maxphyaddr);
  return { lo, hi: ((v.hi & ~mask) | (Math.floor(page / PAGES_PER_4G) & mask)) >>> 0 };
}
