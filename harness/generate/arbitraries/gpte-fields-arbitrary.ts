// fast-check arbitrary of guest page-table entries as records of fields (not one integer), so
// shrinking clears one flag at a time; encodeGpte turns a record into the stored value.
import fc from 'fast-check';
import { weightedBoolean } from './weighted-boolean.js';

/** Reserved-bit positions worth planting: bit MAXPHYADDR, bit 51, and low bits of a large-page frame. */
export type RsvdBit = 'maxphyaddr' | 51 | 13 | 21;
export const RSVD_BITS: readonly RsvdBit[] = ['maxphyaddr', 51, 13, 21];

/** Size of the target pool an entry can point into: 4 fixture frames and 4 config-dependent ones. */
export const TARGET_POOL_SIZE = 8;

export interface GpteFields {
  readonly p: boolean;
  readonly rw: boolean;
  readonly us: boolean;
  readonly pwt: boolean;
  readonly pcd: boolean;
  readonly a: boolean;
  readonly d: boolean;
  readonly ps: boolean;
  readonly g: boolean;
  /** Bit 63 (64-bit formats only). */
  readonly nx: boolean;
  /** Protection key, bits 62:59 (64-bit formats only); 0..3 so PKRU draws hit it often. */
  readonly pkey: number;
  /** One planted reserved bit, or null. */
  readonly rsvdBit: RsvdBit | null;
  /** 0 = keep the entry's original frame; k = the k-th page of the target pool (1..TARGET_POOL_SIZE). */
  readonly target: number;
}

export const gpteFieldsArbitrary: fc.Arbitrary<GpteFields> = fc.record({
  p: weightedBoolean(0.9),
  rw: weightedBoolean(0.7),
  us: weightedBoolean(0.7),
  pwt: weightedBoolean(0.1),
  pcd: weightedBoolean(0.1),
  a: weightedBoolean(0.5),
  d: weightedBoolean(0.5),
  ps: weightedBoolean(0.3),
  g: weightedBoolean(0.2),
  nx: weightedBoolean(0.3),
  pkey: fc.integer({ min: 0, max: 3 }),
  rsvdBit: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(null), weight: 8 },
    { arbitrary: fc.constantFrom(...RSVD_BITS), weight: 1 },
  ),
  // The original frame half the time; cross-shrinking returns to it.
  target: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(0), weight: TARGET_POOL_SIZE },
    { arbitrary: fc.integer({ min: 1, max: TARGET_POOL_SIZE }), weight: TARGET_POOL_SIZE },
  ),
});
