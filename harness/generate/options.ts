// Constraints of the seeded random generator, with their defaults and validation.

export interface GeneratorOptions {
  /** Fewest ops in a scenario (default 20). */
  readonly minOps: number;
  /** Most ops in a scenario (default 120); setup that does not fit is cut. */
  readonly maxOps: number;
  /** Force the host TDP kind; default: ept or npt at random per scenario. */
  readonly tdp?: 'ept' | 'npt';
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = Object.freeze({ minOps: 20, maxOps: 120 });

/** Defaults filled in; throws RangeError on nonsense (a harness input error). */
export function resolveGeneratorOptions(opts: Partial<GeneratorOptions> = {}): GeneratorOptions {
  const minOps = opts.minOps ?? (opts.maxOps !== undefined ? Math.min(DEFAULT_GENERATOR_OPTIONS.minOps, opts.maxOps) : DEFAULT_GENERATOR_OPTIONS.minOps);
  const maxOps = opts.maxOps ?? Math.max(DEFAULT_GENERATOR_OPTIONS.maxOps, minOps);
  if (!Number.isInteger(minOps) || minOps < 1) throw new RangeError(`generator: minOps must be a positive integer, got ${minOps}`);
  if (!Number.isInteger(maxOps) || maxOps < minOps) {
    throw new RangeError(`generator: maxOps must be an integer >= minOps (${minOps}), got ${maxOps}`);
  }
  if (opts.tdp !== undefined && opts.tdp !== 'ept' && opts.tdp !== 'npt') {
    throw new RangeError(`generator: tdp must be "ept" or "npt", got ${String(opts.tdp)}`);
  }
  return opts.tdp === undefined ? { minOps, maxOps } : { minOps, maxOps, tdp: opts.tdp };
}
