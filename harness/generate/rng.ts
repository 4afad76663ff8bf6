// The one random source of the generators: a seeded stream (seedrandom) with labelled forks, so
// any part of a campaign can be rebuilt from (seed, label) alone.
import seedrandom from 'seedrandom';

export class Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string) {
    this.prng = seedrandom.alea(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n); n must be a positive integer (at most 2^32). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Rng.int: expected a positive integer, got ${n}`);
    return Math.floor(this.prng() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p (default 1/2). */
  bool(p = 0.5): boolean {
    return this.prng() < p;
  }

  pick<T>(a: readonly T[]): T {
    if (a.length === 0) throw new RangeError('Rng.pick: empty array');
    return a[this.int(a.length)];
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    return this.prng.int32() >>> 0;
  }

  /** An independent stream determined by (this stream's seed, label) only, not by draws so far. */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }
}
