// The 8-byte header of a decoded input: config, paging mode and the seeded tail. Missing bytes
// read as 0, and 0 everywhere means the richest default: every CPU feature, EPT with A/D bits,
// 4-level paging, a 20-op tail after the records.
import { CPU_FEATURES, type Config, type CpuFeature, type MemslotSpec } from '../../mmus/backend.js';
import type { GuardedOpening } from '../generate/arbitraries/guarded-opening.js';
import type { GenMode } from '../generate/geometry.js';
import { HIGH_SLOT, MAIN_SLOT, RO_SLOT } from '../generate/layout.js';

export const HEADER_BYTES = 8;

/** MAXPHYADDR choices, indexed by 3 header bits (mod 6); 46 at 0. */
const MAXPHYADDRS = [46, 36, 39, 40, 48, 52] as const;
/** Paging modes, indexed by 2 header bits; 4-level at 0. */
const MODES: readonly GenMode[] = ['4-level', '32-bit', 'pae', '5-level'];
/** Fewest seeded tail ops; the header adds 0..63. */
export const TAIL_MIN = 20;

export interface DecodedHeader {
  readonly config: Config;
  readonly mode: GenMode;
  /** Ops of the seeded tail (TAIL_MIN..TAIL_MIN + 63). */
  readonly tailOps: number;
  /** The tail's seed: header bytes 3..6, little-endian. */
  readonly tailSeed: number;
  /** Tail before the records (header byte 7 bit 0) instead of after them. */
  readonly tailFirst: boolean;
  /**
   * Shadow paging: CR4.PSE (32-bit) and EFER.NXE (other modes) of the opening, which the
   * known-KVM-deviation guard then keeps (byte 7 bit 1 set: PSE; bit 2 set: no NXE).
   */
  readonly opening: GuardedOpening;
}

/**
 * Byte 0: bits 0-1 host: 0 EPT with A/D, 2 EPT without A/D, 1 NPT, 3 none (shadow paging, whose
 * guest never has pku); bits 2-3 second slot (none, ROM, RAM at
 * 4 GiB, the same dirty-logged), bits 4-6 MAXPHYADDR, bit 7 slot 0 dirty-logged.
 * Byte 1: bit i set = CPU_FEATURES[i] absent. Byte 2: bits 0-1 mode, bits 2-7 tail length.
 * Bytes 3-6: tail seed. Byte 7: bit 0 tail first, bit 1 CR4.PSE and bit 2 no EFER.NXE in a
 * shadow-paging opening.
 */
export function decodeHeader(bytes: Uint8Array): DecodedHeader {
  const at = (i: number): number => (i < bytes.length ? bytes[i] : 0);
  const b0 = at(0);
  const b1 = at(1);
  const b2 = at(2);
  const tdp = (b0 & 3) === 3 ? 'none' : b0 & 1 ? 'npt' : 'ept';
  const features = new Set<CpuFeature>(CPU_FEATURES.filter((_, i) => ((b1 >> i) & 1) === 0));
  if (tdp === 'none') features.delete('pku');
  const memslots: MemslotSpec[] = [{ ...MAIN_SLOT, flags: b0 & 0x80 ? ['dirty_log'] : [] }];
  const extra = (b0 >> 2) & 3;
  if (extra === 1) memslots.push({ ...RO_SLOT, flags: ['readonly'] });
  else if (extra >= 2) memslots.push({ ...HIGH_SLOT, flags: extra === 3 ? ['dirty_log'] : [] });
  const config: Config = {
    cpu: { maxphyaddr: MAXPHYADDRS[((b0 >> 4) & 7) % MAXPHYADDRS.length], features },
    host: { tdp, eptAd: tdp === 'ept' && (b0 & 2) === 0, mbec: false },
    memslots,
  };
  return {
    config,
    mode: MODES[b2 & 3],
    tailOps: TAIL_MIN + (b2 >> 2),
    tailSeed: (at(3) | (at(4) << 8) | (at(5) << 16) | (at(6) << 24)) >>> 0,
    tailFirst: (at(7) & 1) === 1,
    opening: { pse: (at(7) & 2) !== 0, nxe: (at(7) & 4) === 0 },
  };
}
