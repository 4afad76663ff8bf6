// A boolean drawn true with a given probability that still shrinks to false, so a shrunk
// counterexample keeps only the flags the failure needs (fc.boolean() would draw 50/50).
import fc from 'fast-check';

/** true with probability ~pTrue (in tenths); shrinks towards false. */
export function weightedBoolean(pTrue: number): fc.Arbitrary<boolean> {
  const falses = Math.max(1, Math.min(9, Math.round(10 * (1 - pTrue))));
  // 0..falses-1 mean false; integers shrink towards 0, i.e. towards false.
  return fc.integer({ min: 0, max: 9 }).map((n) => n >= falses);
}
