// Which paging mode the registers select (SDM 4.1.1, table 4-1; APM 5.1) and the linear-address
// rules that depend on it (truncation outside IA-32e mode, canonicality, SDM 3.3.7.1).
import { CR0_PG, CR4_LA57, CR4_PAE, EFER_LMA } from '../x86/bits.js';
import type { Registers } from './registers.js';

export const MODE_OFF = 0;
export const MODE_32BIT = 1;
export const MODE_PAE = 2;
export const MODE_4LEVEL = 3;
export const MODE_5LEVEL = 4;
export type PagingMode = typeof MODE_OFF | typeof MODE_32BIT | typeof MODE_PAE | typeof MODE_4LEVEL | typeof MODE_5LEVEL;

/**
 * SDM 4.1.1: CR0.PG=0 → no paging; else CR4.PAE=0 → 32-bit; else EFER.LMA=0 → PAE;
 * else CR4.LA57 selects 5-level over 4-level. (LMA=1 with PAE=0 cannot arise: MOV CR0 and
 * MOV CR4 refuse it.)
 */
export function pagingMode(r: Registers): PagingMode {
  if ((r.cr0 & CR0_PG) === 0) return MODE_OFF;
  if ((r.cr4 & CR4_PAE) === 0) return MODE_32BIT;
  if ((r.efer & EFER_LMA) === 0) return MODE_PAE;
  return (r.cr4 & CR4_LA57) !== 0 ? MODE_5LEVEL : MODE_4LEVEL;
}

/** IA-32e mode (EFER.LMA): linear addresses are 64 bits wide, otherwise 32. */
export function isLongMode(r: Registers): boolean {
  return (r.efer & EFER_LMA) !== 0;
}

/**
 * Canonical (SDM 3.3.7.1, 4.5.1): bits 63..N-1 all equal, N = 57 with CR4.LA57 else 48.
 * Reads the high half as int32 so an arithmetic shift yields 0 or -1 exactly when canonical.
 */
export function isCanonical(r: Registers, gvaHi: number): boolean {
  const top = (r.cr4 & CR4_LA57) !== 0 ? gvaHi >> 24 : gvaHi >> 15;
  return top === 0 || top === -1;
}
