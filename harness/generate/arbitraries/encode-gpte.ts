// The boundary between a GpteFields record and the value stored in guest memory: frame, flags,
// NX/PKEY (64-bit formats) and the planted reserved bit, laid out per paging mode (SDM 4.3-4.5).
import { u64, type U64 } from '../../../mmus/x86/u64.js';
import { PTE_A, PTE_D, PTE_G, PTE_NX_HI, PTE_P, PTE_PCD, PTE_PKEY_SHIFT_HI, PTE_PS, PTE_PWT, PTE_RW, PTE_US } from '../../../mmus/x86/bits.js';
import { pageBytes, type GenMode } from '../geometry.js';
import type { GpteFields } from './gpte-fields-arbitrary.js';

const TWO_32 = 2 ** 32;

/** Where the entry lives: its mode and level, the guest MAXPHYADDR and the frames it may point to. */
export interface GpteSite {
  readonly mode: GenMode;
  readonly level: number;
  readonly maxphyaddr: number;
  /** The frame the fixture hierarchy put there (target 0). */
  readonly original: number;
  /** The target pool (target k = pool[k - 1]). */
  readonly pool: readonly number[];
}

/**
 * The entry value for `f` at `site`. With PS at level 2 or 3 the frame is aligned down to the page
 * size, so only the planted reserved bit can make it reserved; a 32-bit 4 MiB page carries
 * PA[35:32] in bits 16:13 (PSE-36). A 4-byte entry drops everything above bit 31.
 */
export function encodeGpte(f: GpteFields, site: GpteSite): U64 {
  const wide = site.mode !== '32-bit';
  let pa = f.target === 0 ? site.original : site.pool[(f.target - 1) % site.pool.length];
  const large = f.ps && (site.level === 2 || (wide && site.level === 3));
  if (large) pa -= pa % pageBytes(site.mode, site.level);
  let lo: number;
  let hi: number;
  if (!wide) {
    lo = large ? (pa % TWO_32) | ((Math.floor(pa / TWO_32) & 0xf) << 13) : pa % TWO_32;
    hi = 0;
  } else {
    lo = pa % TWO_32;
    hi = Math.floor(pa / TWO_32);
    if (f.nx) hi |= PTE_NX_HI;
    hi |= f.pkey << PTE_PKEY_SHIFT_HI;
  }
  lo |=
    (f.p ? PTE_P : 0) |
    (f.rw ? PTE_RW : 0) |
    (f.us ? PTE_US : 0) |
    (f.pwt ? PTE_PWT : 0) |
    (f.pcd ? PTE_PCD : 0) |
    (f.a ? PTE_A : 0) |
    (f.d ? PTE_D : 0) |
    (f.ps ? PTE_PS : 0) |
    (f.g ? PTE_G : 0);
  const bit = f.rsvdBit === 'maxphyaddr' ? (site.maxphyaddr < 52 ? site.maxphyaddr : -1) : (f.rsvdBit ?? -1);
  if (bit >= 0 && bit < 32) lo |= 1 << bit;
  else if (bit >= 32 && wide) hi |= 1 << (bit - 32);
  return u64(lo, hi);
}
