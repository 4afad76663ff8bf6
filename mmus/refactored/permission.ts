// permission_fault (§5.3) and the CR0.WP passthrough refresh it starts with (§4.2). Models
// arch/x86/kvm/mmu.h (permission_fault, kvm_mmu_refresh_passthrough_bits) in the kvm-chainsaw tree.
import { CR0_WP, PFERR_FETCH, PFERR_PK, PFERR_PRESENT, PFERR_USER, PFERR_WRITE, RFLAGS_AC } from '../x86/bits.js';
import { ACC_USER, ROLE_CR0_WP } from './page-role.js';
import { type KvmPageWalk, resetGuestPagingMetadata } from './pagewalk.js';
import type { Vcpu } from './vcpu.js';

/**
 * The model's stand-in for KVM's PFERR_IMPLICIT_ACCESS (bit 48, outside 32-bit numbers): an
 * implicit supervisor access, for which RFLAGS.AC does not override SMAP.
 */
export const ACCESS_IMPLICIT = 1 << 30;

/**
 * CR0.WP may be guest-owned under TDP, so before a permission check KVM re-reads it into the
 * walker role. The nested-TDP walker is exempt: L1/L2's CR0.WP does not apply to EPT12/NPT12.
 */
export function refreshPassthroughBits(v: Vcpu, w: KvmPageWalk): void {
  if (!v.tdpEnabled) return;
  const exempt = v.bug.wpToggleNoWalkerReinit ? v.gvaWalk : v.ngpaWalk;
  if (w === exempt) return;
  const wp = (v.cr0 & CR0_WP) !== 0;
  const role = w.cpuRole;
  if (((role.base & ROLE_CR0_WP) !== 0) === wp) return;
  w.cpuRole = Object.freeze({ base: (role.base ^ ROLE_CR0_WP) >>> 0, ext: role.ext });
  resetGuestPagingMetadata(v, w);
}

/**
 * Returns 0 when the access is allowed on a page with rights pteAccess (ACC bits) and key pkey,
 * else PFERR_PRESENT, plus PFERR_PK when the protection key also denies it. `access` holds
 * PFERR W/U/F bits and ACCESS_IMPLICIT; the caller adds W/U/F to a fault.
 */
export function permissionFault(v: Vcpu, w: KvmPageWalk, pteAccess: number, pkey: number, access: number): number {
  const pfec = access & (PFERR_WRITE | PFERR_USER | PFERR_FETCH);
  const explicit = (access & ACCESS_IMPLICIT) === 0 || v.bug.smapImplicitHonorsAc;
  const notSmap = (v.rflags & RFLAGS_AC) !== 0 && explicit ? 1 : 0;
  // The RSVD slot (bit 3) of the index carries "SMAP overridden".
  const idx = (pfec + (notSmap << 3)) >>> 1;

  refreshPassthroughBits(v, w);

  const fmt = w.fmt;
  let fault = (fmt.permissions[idx] >>> pteAccess) & 1;
  let errcode = PFERR_PRESENT;
  if (fmt.pkruMask !== 0) {
    let kbits = (v.pkru >>> (pkey * 2)) & 3;
    // The page's U bit moves into the RSVD slot (bit 3) of the offset.
    const offset = pfec + ((pteAccess & ACC_USER) << 1);
    kbits &= fmt.pkruMask >>> offset;
    if (kbits !== 0) {
      errcode |= PFERR_PK;
      fault = 1;
    }
  }
  return fault !== 0 ? errcode : 0;
}
