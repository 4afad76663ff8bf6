// Bit-level helpers over U64 halves for the value-shrinking steps (not a hot path).
import type { U64 } from '../../mmus/backend.js';

export function hasBit(v: U64, b: number): boolean {
  return b < 32 ? ((v.lo >>> b) & 1) === 1 : ((v.hi >>> (b - 32)) & 1) === 1;
}

export function flipBit(v: U64, b: number): U64 {
  return b < 32 ? { lo: (v.lo ^ (1 << b)) >>> 0, hi: v.hi } : { lo: v.lo, hi: (v.hi ^ (1 << (b - 32))) >>> 0 };
}

/** v with bits [from, to] (inclusive) cleared. */
export function clearBits(v: U64, from: number, to: number): U64 {
  let r = v;
  for (let b = from; b <= to; b++) if (hasBit(r, b)) r = flipBit(r, b);
  return r;
}

export function sameU64(a: U64, b: U64): boolean {
  return a.lo === b.lo && a.hi === b.hi;
}

export const ZERO: U64 = Object.freeze({ lo: 0, hi: 0 });
