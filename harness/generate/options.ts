// Constraints of the seeded random generator, with their defaults and validation.

export interface GeneratorOptions {
  /** Fewest ops in a scenario (default 20). */
  readonly minOps: number;
  /** Most ops in a scenario (default 120); setup that does not fit is cut. */
  readonly maxOps: number;
  /**
   * Force the host: ept, npt or none (shadow paging); default: mixed — shadow paging for a share
   * of the scenarios (shadowShare), else ept or npt at random.
   */
  readonly tdp?: 'ept' | 'npt' | 'none';
  /** Share of shadow-paging scenarios when tdp is not forced, 0..1 (default SHADOW_SHARE, 1/3). */
  readonly shadowShare?: number;
  /**
   * Let shadow-paging scenarios reach the triggers of the known KVM deviations
   * (docs/model-contract-shadow.md, "Known KVM deviations"; kvm-deviation-guard.ts). Default
   * false: register writes are adjusted so that they never occur. TDP scenarios do not change.
   */
  readonly kvmDeviations?: boolean;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = Object.freeze({ minOps: 20, maxOps: 120 });
/** About one generated scenario in three runs under shadow paging unless told otherwise. */
export const SHADOW_SHARE = 1 / 3;
export const GENERATOR_HOSTS = ['ept', 'npt', 'none'] as const;

/** Defaults filled in; throws RangeError on nonsense (a harness input error). */
export function resolveGeneratorOptions(opts: Partial<GeneratorOptions> = {}): GeneratorOptions {
  const minOps = opts.minOps ?? (opts.maxOps !== undefined ? Math.min(DEFAULT_GENERATOR_OPTIONS.minOps, opts.maxOps) : DEFAULT_GENERATOR_OPTIONS.minOps);
  const maxOps = opts.maxOps ?? Math.max(DEFAULT_GENERATOR_OPTIONS.maxOps, minOps);
  if (!Number.isInteger(minOps) || minOps < 1) throw new RangeError(`generator: minOps must be a positive integer, got ${minOps}`);
  if (!Number.isInteger(maxOps) || maxOps < minOps) {
    throw new RangeError(`generator: maxOps must be an integer >= minOps (${minOps}), got ${maxOps}`);
  }
  if (opts.tdp !== undefined && !(GENERATOR_HOSTS as readonly string[]).includes(opts.tdp)) {
    throw new RangeError(`generator: tdp must be "ept", "npt" or "none", got ${String(opts.tdp)}`);
  }
  const share = opts.shadowShare;
  if (share !== undefined && !(share >= 0 && share <= 1)) {
    throw new RangeError(`generator: shadowShare must be a number from 0 to 1, got ${String(share)}`);
  }
  if (opts.kvmDeviations !== undefined && typeof opts.kvmDeviations !== 'boolean') {
    throw new RangeError(`generator: kvmDeviations must be true or false, got ${String(opts.kvmDeviations)}`);
  }
  return {
    minOps,
    maxOps,
    ...(opts.tdp !== undefined ? { tdp: opts.tdp } : {}),
    ...(share !== undefined ? { shadowShare: share } : {}),
    // Only when on: campaign files and finding metadata of default campaigns keep their shape.
    ...(opts.kvmDeviations === true ? { kvmDeviations: true } : {}),
  };
}
