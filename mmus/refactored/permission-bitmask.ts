// __update_permission_bitmask (§5.4, NEW formula): the 16-entry permission table of a page
// format, in the 4-bit ACC encoding (READ=1 WRITE=2 USER/XU=4 EXEC/XS=8). Used for the walker
// (guest rights) and for the TDP SPTE format. Models arch/x86/kvm/mmu/mmu.c (kvm-chainsaw,
// "parameterize update_permission_bitmask()").
import { PFERR_FETCH, PFERR_RSVD, PFERR_USER, PFERR_WRITE } from '../x86/bits.js';
import type { KvmPageFormat } from './page-format.js';
import { ACC_EXEC, ACC_READ, ACC_USER, ACC_WRITE } from './page-role.js';

export interface PermissionParams {
  /** The table checks a nested-TDP or SPTE format rather than a CPU walker's gptes. */
  readonly tdp: boolean;
  /** EPT format (no user/NX/SMEP/SMAP terms; fetch needs X, or XU for user fetches under MBEC). */
  readonly ept: boolean;
  /** CR4.SMEP for CPU walkers; MBEC (EPT) or GMET (NPT) otherwise. */
  readonly smep: boolean;
  readonly smap: boolean;
  readonly wp: boolean;
  readonly nx: boolean;
  /** Mutant: the CR0.WP=0 write suppression ignores the U bit. */
  readonly wp0AppliesToUser?: boolean;
}

/**
 * Fills fmt.permissions. Entry idx describes the access with pfec = idx << 1, whose bit 3 (the
 * RSVD position, never set on input) carries "SMAP overridden" (RFLAGS.AC, explicit access).
 */
export function updatePermissionBitmask(fmt: KvmPageFormat, p: PermissionParams): void {
  for (let idx = 0; idx < 16; idx++) {
    const pfec = idx << 1;
    const w = (pfec & PFERR_WRITE) !== 0;
    const u = (pfec & PFERR_USER) !== 0;
    const notSmap = (pfec & PFERR_RSVD) !== 0;
    const f = (pfec & PFERR_FETCH) !== 0;
    // CR0.WP=0 lets supervisor writes ignore R/W in x86 formats (SDM 4.6.1).
    const suppressWrite = !p.ept && !p.wp && (!u || p.wp0AppliesToUser === true);
    let faults = 0;
    for (let a = 0; a < 16; a++) {
      const r = (a & ACC_READ) !== 0;
      const aw = (a & ACC_WRITE) !== 0;
      const au = (a & ACC_USER) !== 0;
      const ax = (a & ACC_EXEC) !== 0;
      let fault = !w && !f && !r;
      if (w && !aw && !suppressWrite) fault = true;
      if (p.ept) {
        if (f && !(p.smep && u ? au : ax)) fault = true;
      } else {
        // With GMET (tdp && smep) U/S no longer restricts data accesses.
        if (u && !au && !(p.tdp && p.smep)) fault = true;
        if (p.nx && f && !ax) fault = true;
        if (p.smep && f && !u && au) fault = true;
        if (p.smap && !f && !notSmap && !u && au) fault = true;
      }
      if (fault) faults |= 1 << a;
    }
    fmt.permissions[idx] = faults;
  }
}
