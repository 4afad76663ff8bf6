// Guest-physical layout of generated scenarios and the random config around it: which memslots
// exist, where page tables and data pages go, and which addresses lie outside every slot.
import { CPU_FEATURES, type Config, type CpuFeature, type MemslotFlag, type MemslotSpec } from '../../mmus/backend.js';
import type { GeneratorOptions } from './options.js';
import type { Rng } from './rng.js';

/** A memslot as the generator believes it is now (memslot ops update it). */
export interface SlotShadow {
  slot: number;
  gpa: number;
  size: number;
  readonly: boolean;
  dirtyLog: boolean;
}

/** Slot 0: 64 MiB of RAM at 0, always present. */
export const MAIN_SLOT = { slot: 0, gpa: 0, size: 0x4000000 } as const;
/** Page tables: 1..16 MiB of slot 0, allocated in order. */
export const TABLE_BASE = 0x100000;
export const TABLE_END = 0x1000000;
/** 4 KiB data pages: 16..32 MiB of slot 0. */
export const DATA_BASE = 0x1000000;
export const DATA_PAGES = 0x1000;
/** Large-page targets: 32..64 MiB of slot 0. */
export const LARGE_BASE = 0x2000000;
export const LARGE_END = 0x4000000;
/** Optional small read-only slot (ROM): 2 MiB at 128 MiB. */
export const RO_SLOT = { slot: 1, gpa: 0x8000000, size: 0x200000 } as const;
/** Optional slot above 4 GiB: 4 MiB at 4 GiB (reachable by 64-bit entries and PSE-36 pages). */
export const HIGH_SLOT = { slot: 2, gpa: 0x100000000, size: 0x400000 } as const;
/** Addresses below 4 GiB outside every configured slot (MMIO exits, unbacked tables). */
export const HOLES: readonly number[] = [0x6000000, 0x7f00000, 0xc0000000, 0xfee00000];

const MAXPHYADDRS: readonly number[] = [36, 39, 40, 46, 48, 52];

/**
 * A random config: TDP kind, MAXPHYADDR, a feature set biased to most features, 1-3 memslots.
 * `shadow`: host tdp none (shadow paging), drawn by the caller from its own stream so that the
 * TDP configs of a seed stay what they were; KVM hides PKU from a shadow-paging guest, so its
 * config never lists pku.
 */
export function pickConfig(rng: Rng, opts: GeneratorOptions, shadow = opts.tdp === 'none'): Config {
  const forced = opts.tdp === 'none' ? undefined : opts.tdp;
  const drawn = forced ?? (rng.bool() ? 'ept' : 'npt');
  const tdp = shadow ? 'none' : drawn;
  // Most features most of the time: the interesting interactions need them on together.
  const features = new Set<CpuFeature>(CPU_FEATURES.filter(() => rng.bool(0.8)));
  if (shadow) features.delete('pku');
  const memslots: MemslotSpec[] = [{ ...MAIN_SLOT, flags: rng.bool(0.1) ? ['dirty_log'] : [] }];
  if (rng.bool(0.3)) memslots.push({ ...RO_SLOT, flags: ['readonly'] });
  if (rng.bool(0.4)) {
    const flags: MemslotFlag[] = rng.bool(0.3) ? ['dirty_log'] : [];
    memslots.push({ ...HIGH_SLOT, flags });
  }
  return {
    cpu: { maxphyaddr: rng.pick(MAXPHYADDRS), features },
    host: { tdp, eptAd: tdp === 'ept' ? rng.bool() : false, mbec: false },
    memslots,
  };
}

/** A random 4 KiB data page of slot 0. */
export function dataPage(rng: Rng): number {
  return DATA_BASE + rng.int(DATA_PAGES) * 0x1000;
}

/** A random page-aligned address outside every configured slot, below 4 GiB. */
export function holePage(rng: Rng): number {
  return rng.pick(HOLES) + (rng.bool(0.5) ? 0 : rng.int(16) * 0x1000);
}
