// 64-bit values as two unsigned 32-bit halves: exact (NX is bit 63, LA57 GVAs have 57 bits)
// without BigInt on the hot path. BigInt is used only at the parse/print boundary.

/** An exact unsigned 64-bit value. `lo` and `hi` are unsigned 32-bit integers. */
export interface U64 {
  readonly lo: number;
  readonly hi: number;
}

export const U64_ZERO: U64 = Object.freeze({ lo: 0, hi: 0 });

export function u64(lo: number, hi = 0): U64 {
  return { lo: lo >>> 0, hi: hi >>> 0 };
}

/** From a non-negative integer below 2^53 (GPAs always are: MAXPHYADDR <= 52). */
export function u64FromNumber(n: number): U64 {
  return { lo: n >>> 0, hi: Math.floor(n / 0x1_0000_0000) >>> 0 };
}

/** The value as a JS number; exact only when hi < 2^21. */
export function u64ToNumber(v: U64): number {
  return v.hi * 0x1_0000_0000 + v.lo;
}

export function u64FromBigInt(b: bigint): U64 {
  return { lo: Number(b & 0xffff_ffffn), hi: Number((b >> 32n) & 0xffff_ffffn) };
}

export function u64ToBigInt(v: U64): bigint {
  return (BigInt(v.hi) << 32n) | BigInt(v.lo);
}

/** "0x..." lower-case, no leading zeros ("0x0" for zero). */
export function u64ToHex(v: U64): string {
  if (v.hi === 0) return '0x' + v.lo.toString(16);
  return '0x' + v.hi.toString(16) + v.lo.toString(16).padStart(8, '0');
}

/** Parses "0x..." (at most 16 hex digits). Returns undefined when malformed or too wide. */
export function u64FromHex(s: string): U64 | undefined {
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(s)) return undefined;
  return u64FromBigInt(BigInt(s));
}

export function u64Eq(a: U64, b: U64): boolean {
  return a.lo === b.lo && a.hi === b.hi;
}

export function u64And(a: U64, b: U64): U64 {
  return { lo: (a.lo & b.lo) >>> 0, hi: (a.hi & b.hi) >>> 0 };
}

export function u64Or(a: U64, b: U64): U64 {
  return { lo: (a.lo | b.lo) >>> 0, hi: (a.hi | b.hi) >>> 0 };
}

export function u64AndNot(a: U64, b: U64): U64 {
  return { lo: (a.lo & ~b.lo) >>> 0, hi: (a.hi & ~b.hi) >>> 0 };
}

export function u64IsZero(a: U64): boolean {
  return a.lo === 0 && a.hi === 0;
}

/** Bit n (0..63) of v. */
export function u64Bit(v: U64, n: number): boolean {
  return n < 32 ? ((v.lo >>> n) & 1) === 1 : ((v.hi >>> (n - 32)) & 1) === 1;
}

/** Mask of bits lo..hi inclusive (empty when hi < lo), as halves. */
export function u64Mask(loBit: number, hiBit: number): U64 {
  if (hiBit < loBit) return U64_ZERO;
  let lo = 0;
  let hi = 0;
  for (let b = loBit; b <= hiBit; b++) {
    if (b < 32) lo |= 1 << b;
    else hi |= 1 << (b - 32);
  }
  return { lo: lo >>> 0, hi: hi >>> 0 };
}
