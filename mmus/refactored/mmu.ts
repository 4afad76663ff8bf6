// struct kvm_mmu after the split (§3.2): page-table building only — page_fault, root, root_role,
// prev_roots, its own page format for SPTEs, and `w`, the walker it builds from. Plus
// kvm_init_mmu / init_kvm_tdp_mmu / kvm_mmu_reset_context (§3.4). Models
// arch/x86/kvm/mmu/mmu.c in the kvm-chainsaw tree.
import { calcCpuRole } from './cpu-role.js';
import { KvmPageFormat } from './page-format.js';
import { ACC_ALL, ROLE_ACCESS_SHIFT, ROLE_AD_DISABLED, ROLE_CR0_WP, ROLE_DIRECT, ROLE_EFER_NX, ROLE_INVALID } from './page-role.js';
import { initKvmPageWalk, type KvmPageWalk } from './pagewalk.js';
import { updatePermissionBitmask } from './permission-bitmask.js';
import { resetEptSpteRsvdBitsMask, resetNptSpteRsvdBitsMask } from './rsvd-bits.js';
import type { TdpRoot } from './tdp-mmu.js';
import type { Vcpu } from './vcpu.js';

export class KvmMmu {
  /** The role stamped on the pages this MMU builds; starts invalid so the first init runs. */
  rootRole = ROLE_INVALID;
  /** page_fault: kvm_tdp_page_fault once initialized (shadow paging is out of scope). */
  pageFault: 'tdp' | null = null;
  root: TdpRoot | null = null;
  readonly prevRoots: (TdpRoot | null)[] = [null, null, null];
  /** SPTE format: reserved masks and the SPTE permission table. */
  readonly fmt = new KvmPageFormat();

  constructor(
    readonly name: 'root_mmu' | 'guest_mmu',
    /** The walker this MMU builds from (gva_walk for root_mmu, ngpa_walk for guest_mmu). */
    readonly w: KvmPageWalk,
  ) {}
}

/** TDP root level: 5-level EPT/NPT only when the guest needs more than 48 address bits. */
export function tdpRootLevel(v: Vcpu): number {
  return v.maxphyaddr > 48 ? 5 : 4;
}

/** kvm_calc_tdp_mmu_root_page_role: synthetic, ACC_ALL, WP and NX forced on (§2.3). */
export function calcTdpRootRole(v: Vcpu): number {
  let role = (ACC_ALL << ROLE_ACCESS_SHIFT) | ROLE_CR0_WP | ROLE_EFER_NX | ROLE_DIRECT | tdpRootLevel(v);
  // EPT without A/D bits uses access tracking; NPT always has A/D. smm/guest_mode are 0 here,
  // and cr4_smep (L0's MBEC/GMET) is off: mbec configs are refused.
  if (v.intel && !v.eptAd) role |= ROLE_AD_DISABLED;
  return role >>> 0;
}

/** init_kvm_tdp_mmu: re-initializes root_mmu only when its root role changed. */
function initKvmTdpMmu(v: Vcpu): void {
  const mmu = v.rootMmu;
  const role = calcTdpRootRole(v);
  if (role === mmu.rootRole) return;
  mmu.rootRole = role;
  mmu.pageFault = 'tdp';
  updatePermissionBitmask(mmu.fmt, { tdp: true, ept: v.intel, smep: false, smap: false, wp: true, nx: true });
  if (v.intel) resetEptSpteRsvdBitsMask(mmu.fmt, tdpRootLevel(v));
  else resetNptSpteRsvdBitsMask(mmu.fmt, tdpRootLevel(v));
}

/** kvm_init_mmu: the CPU walker always gets the current role; then the MMU unless nested. */
export function kvmInitMmu(v: Vcpu): void {
  const role = calcCpuRole(v.cr0, v.cr4, v.efer, v.bug);
  initKvmPageWalk(v, v.gvaWalk, role);
  if (!v.mmuIsNested()) initKvmTdpMmu(v);
}

/** kvm_mmu_unload: drop the current and previous roots of both MMUs (the TDP pages stay). */
export function kvmMmuUnload(v: Vcpu): void {
  for (const mmu of [v.rootMmu, v.guestMmu]) {
    mmu.root = null;
    mmu.prevRoots.fill(null);
  }
}

/** kvm_mmu_reset_context: unload, then re-init (a no-op where roles did not change). */
export function kvmMmuResetContext(v: Vcpu): void {
  kvmMmuUnload(v);
  kvmInitMmu(v);
}

/**
 * kvm_mmu_new_pgd on a CR3 change: a direct (TDP) root does not depend on the pgd, so the
 * fast switch always finds the current root usable and nothing changes.
 */
export function kvmMmuNewPgd(_v: Vcpu): void {}
