// Test helper: a backend Config from a few readable options (defaults: every CPU feature,
// MAXPHYADDR 46, EPT with A/D, one 64 MiB writable memslot at gpa 0).
import { CPU_FEATURES, type Config, type CpuFeature, type MemslotSpec } from '../backend.js';

export const SLOT0: MemslotSpec = Object.freeze({ slot: 0, gpa: 0, size: 0x4000000, flags: [] });

export interface ConfigOptions {
  readonly maxphyaddr?: number;
  readonly features?: readonly CpuFeature[];
  /** Features to drop from `features` (e.g. ['gbpages']). */
  readonly without?: readonly CpuFeature[];
  readonly tdp?: 'ept' | 'npt' | 'none';
  readonly eptAd?: boolean;
  readonly memslots?: readonly MemslotSpec[];
}

export function makeConfig(o: ConfigOptions = {}): Config {
  const drop = new Set(o.without ?? []);
  const features = new Set((o.features ?? CPU_FEATURES).filter((f) => !drop.has(f)));
  return {
    cpu: { maxphyaddr: o.maxphyaddr ?? 46, features },
    host: { tdp: o.tdp ?? 'ept', eptAd: o.tdp === 'none' ? false : (o.eptAd ?? true), mbec: false },
    memslots: o.memslots ?? [SLOT0],
  };
}
