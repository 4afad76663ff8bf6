// Reserved-bit predicates for present paging-structure entries, one per paging mode, straight from
// the entry-format tables of SDM 4.3 (32-bit), 4.4.2 (PAE) and 4.5.4 (4-/5-level); APM 5.3-5.4.
// A set reserved bit in a present entry is a #PF with P=1 and RSVD=1 (SDM 4.7).
import { PTE_G, PTE_NX_HI, PTE_PS } from '../x86/bits.js';
import type { Machine } from './machine.js';

/** Bits 21:17 of a 4 MiB PDE with PSE-36 (table 4-4, with the address field fixed at 4 bits). */
const PDE4M_RSVD_PSE36 = 0x003e0000;
/** Bits 21:13 of a 4 MiB PDE without PSE-36 (table 4-4 with M = 32: no address bits above 31). */
const PDE4M_RSVD_NO_PSE36 = 0x003fe000;
/** Bits 20:13 of a 2 MiB PDE (tables 4-9, 4-18): between PAT (12) and the frame (21+). */
const PDE2M_RSVD = 0x001fe000;
/** Bits 29:13 of a 1 GiB PDPTE (table 4-16): between PAT (12) and the frame (30+). */
const PDPTE1G_RSVD = 0x3fffe000;

/**
 * 32-bit paging (SDM 4.3). PTEs and PDEs that reference a page table have no reserved bits;
 * a PDE with PS=1 while CR4.PSE=1 maps a 4 MiB page, whose bits 21:13 past the PSE-36 address
 * field are reserved. Ledger 6: the PSE-36 field is always exactly 4 bits (PA[35:32] from
 * PDE[16:13]) whatever MAXPHYADDR, so bits 21:17 are reserved even when M > 36 (the SDM would
 * reserve only 21:(M-19)).
 */
export function isRsvd32(m: Machine, level: number, lo: number, pse: boolean): boolean {
  if (level !== 2 || !pse || (lo & PTE_PS) === 0) return false;
  return (lo & (m.pse36 ? PDE4M_RSVD_PSE36 : PDE4M_RSVD_NO_PSE36)) !== 0;
}

/**
 * PAE paging PDEs and PTEs (SDM 4.4.2, tables 4-9..4-11): bits 62:M reserved, XD (63) reserved
 * when EFER.NXE=0, and a 2 MiB PDE reserves 20:13. PDPTEs are checked when loaded (pdptrs.ts).
 */
export function isRsvdPae(m: Machine, level: number, lo: number, hi: number, nxe: boolean): boolean {
  if ((hi & m.rsvdHi62) !== 0) return true;
  if (!nxe && (hi & PTE_NX_HI) !== 0) return true;
  return level === 2 && (lo & PTE_PS) !== 0 && (lo & PDE2M_RSVD) !== 0;
}

/**
 * 4-level and 5-level paging (SDM 4.5.4, tables 4-14..4-20): bits 51:M reserved at every level;
 * XD reserved when EFER.NXE=0; PS reserved in PML5Es and PML4Es; PS in a PDPTE reserved without
 * 1 GiB page support (CPUID GBPAGES); large-page address gaps 29:13 (1 GiB) and 20:13 (2 MiB).
 * Bits 62:52 are ignored (protection key in 62:59 of a leaf).
 */
export function isRsvdLong(m: Machine, level: number, lo: number, hi: number, nxe: boolean): boolean {
  if ((hi & m.rsvdHi51) !== 0) return true;
  if (!nxe && (hi & PTE_NX_HI) !== 0) return true;
  switch (level) {
    case 5:
    case 4:
      if ((lo & PTE_PS) !== 0) return true;
      // Bit 8 of a PML4E/PML5E is reserved on AMD only (APM 5.3.3 "MBZ"; model-contract
      // "Guest page walk": bit 8 of PML4E/PML5E reserved on npt guests). Intel ignores it.
      return m.amd && (lo & PTE_G) !== 0;
    case 3:
      if ((lo & PTE_PS) === 0) return false;
      return !m.gbpages || (lo & PDPTE1G_RSVD) !== 0;
    case 2:
      return (lo & PTE_PS) !== 0 && (lo & PDE2M_RSVD) !== 0;
    default:
      return false;
  }
}
