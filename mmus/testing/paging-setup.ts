// Test helper: the register writes that turn paging on from architectural reset, in an order the
// contract accepts (CR3 and CR4 while CR0.PG = 0, EFER.LME before PG for long mode).
import type { Op } from '../backend.js';
import {
  CR0_ET,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_LA57,
  CR4_PAE,
  EFER_LME,
  EFER_NXE,
} from '../x86/bits.js';
import { setReg } from './ops.js';
import type { PagingMode, Wide } from './page-tables.js';

/** CR0 with protection and paging on (CD and NW cleared), optionally CR0.WP. */
export function cr0Paging(wp: boolean): number {
  return (CR0_PG | CR0_PE | CR0_ET | (wp ? CR0_WP : 0)) >>> 0;
}

/** CR0 with protection on and paging off. */
export const CR0_PROTECTED = CR0_PE | CR0_ET;

export interface PagingSetup {
  /** CR3 value (page-table root, plus PCID / PWT / PCD bits if wanted). */
  readonly cr3: Wide;
  /** CR4 bits beyond those the mode needs (PAE, LA57), e.g. PSE, SMEP, SMAP, PKE. */
  readonly cr4?: number;
  /** EFER.NXE. */
  readonly nxe?: boolean;
  /** CR0.WP (default true). */
  readonly wp?: boolean;
}

/** CR4 bits a mode needs. */
export function cr4ForMode(mode: PagingMode): number {
  switch (mode) {
    case '32bit':
      return 0;
    case 'pae':
    case 'long4':
      return CR4_PAE;
    case 'long5':
      return CR4_PAE | CR4_LA57;
  }
}

/** EFER for a mode (LME for long modes) plus NXE. */
export function eferForMode(mode: PagingMode, nxe: boolean): number {
  const lme = mode === 'long4' || mode === 'long5' ? EFER_LME : 0;
  return lme | (nxe ? EFER_NXE : 0);
}

/** set cr3, cr4, efer (when non-zero), then cr0 with PG: paging is on after the last op. */
export function enablePaging(mode: PagingMode, s: PagingSetup): Op[] {
  const ops: Op[] = [setReg('cr3', s.cr3)];
  const cr4 = cr4ForMode(mode) | (s.cr4 ?? 0);
  if (cr4 !== 0) ops.push(setReg('cr4', cr4));
  const efer = eferForMode(mode, s.nxe ?? false);
  if (efer !== 0) ops.push(setReg('efer', efer));
  ops.push(setReg('cr0', cr0Paging(s.wp ?? true)));
  return ops;
}
