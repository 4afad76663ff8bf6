// kvm_calc_cpu_role (§4.1): the guest paging mode being walked, from CR0/CR4/EFER, in the NEW
// layout (base.cr4_smep, ext.has_pferr_fetch). Models arch/x86/kvm/mmu/mmu.c (kvm-chainsaw).
import { CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, CR4_PKE, CR4_PSE, CR4_SMAP, CR4_SMEP, EFER_LMA, EFER_NXE } from '../x86/bits.js';
import type { MutantFlags } from './mutants.js';
import {
  ACC_ALL,
  EXT_CR4_LA57,
  EXT_CR4_PKE,
  EXT_CR4_PSE,
  EXT_CR4_SMAP,
  EXT_EFER_LMA,
  EXT_HAS_PFERR_FETCH,
  EXT_VALID,
  ROLE_ACCESS_SHIFT,
  ROLE_CR0_WP,
  ROLE_CR4_SMEP,
  ROLE_DIRECT,
  ROLE_EFER_NX,
  ROLE_HAS_4_BYTE_GPTE,
  ROLE_SMAP_ANDNOT_WP,
  type CpuRole,
} from './page-role.js';

/** Root levels of the CPU paging modes (0 = paging off). */
export const PT32_ROOT_LEVEL = 2;
export const PT32E_ROOT_LEVEL = 3;
export const PT64_ROOT_4LEVEL = 4;
export const PT64_ROOT_5LEVEL = 5;

/**
 * Returns the CPU role for the given register values. smm and guest_mode are always 0 in this
 * scope (no SMM, no L2).
 */
export function calcCpuRole(cr0: number, cr4: number, efer: number, bug: MutantFlags): CpuRole {
  let base = ACC_ALL << ROLE_ACCESS_SHIFT;
  let ext = EXT_VALID;
  if ((cr0 & CR0_PG) === 0) return Object.freeze({ base: (base | ROLE_DIRECT) >>> 0, ext });

  const nx = (efer & EFER_NXE) !== 0;
  const wp = (cr0 & CR0_WP) !== 0;
  const smep = (cr4 & CR4_SMEP) !== 0;
  const smap = (cr4 & CR4_SMAP) !== 0;
  const pae = (cr4 & CR4_PAE) !== 0;
  const lma = (efer & EFER_LMA) !== 0;
  const la57 = (cr4 & CR4_LA57) !== 0 && !bug.la57IgnoredInRole;

  if (nx) base |= ROLE_EFER_NX;
  if (wp) base |= ROLE_CR0_WP;
  if (smep) base |= ROLE_CR4_SMEP;
  if (smap && !wp) base |= ROLE_SMAP_ANDNOT_WP;
  if (!pae) base |= ROLE_HAS_4_BYTE_GPTE;
  if (lma) base |= la57 ? PT64_ROOT_5LEVEL : PT64_ROOT_4LEVEL;
  else base |= pae ? PT32E_ROOT_LEVEL : PT32_ROOT_LEVEL;

  if (smap) ext |= EXT_CR4_SMAP;
  if ((cr4 & CR4_PSE) !== 0) ext |= EXT_CR4_PSE;
  // Protection keys and LA57 exist only in long mode.
  if (lma && (cr4 & CR4_PKE) !== 0) ext |= EXT_CR4_PKE;
  if (lma && la57) ext |= EXT_CR4_LA57;
  if (lma) ext |= EXT_EFER_LMA;
  // Computed from the real CR4.SMEP (for an NPT walker base.cr4_smep would mean GMET).
  if (nx || (smep && !bug.fetchBitIgnoresSmep)) ext |= EXT_HAS_PFERR_FETCH;
  return Object.freeze({ base: base >>> 0, ext: ext >>> 0 });
}
