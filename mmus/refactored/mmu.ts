// struct kvm_mmu after the split (§3.2): page-table building only — page_fault, root, root_role,
// prev_roots, its own page format for SPTEs, and `w`, the walker it builds from. Plus
// kvm_init_mmu / init_kvm_tdp_mmu / kvm_init_shadow_mmu / kvm_mmu_reset_context (§3.4). Models
// arch/x86/kvm/mmu/mmu.c in the kvm-chainsaw tree.
import { calcCpuRole } from './cpu-role.js';
import { KvmPageFormat } from './page-format.js';
import { PT32E_ROOT_LEVEL } from './cpu-role.js';
import { ACC_ALL, type CpuRole, ROLE_ACCESS_SHIFT, ROLE_AD_DISABLED, ROLE_CR0_WP, ROLE_CR4_SMEP, ROLE_DIRECT, ROLE_EFER_NX, ROLE_INVALID, ROLE_LEVEL_MASK, roleLevel } from './page-role.js';
import { initKvmPageWalk, type KvmPageWalk } from './pagewalk.js';
import { updatePermissionBitmask } from './permission-bitmask.js';
import { resetEptSpteRsvdBitsMask, resetNptSpteRsvdBitsMask } from './rsvd-bits.js';
import { freeAllRoots, freeRoot, ShadowRoot, shadowInvalidatePcid, shadowNewPgd } from './shadow/roots.js';
import type { TdpRoot } from './tdp-mmu.js';
import type { Vcpu } from './vcpu.js';

export class KvmMmu {
  /** The role stamped on the pages this MMU builds; starts invalid so the first init runs. */
  rootRole = ROLE_INVALID;
  /** page_fault: kvm_tdp_page_fault or the shadow FNAME(page_fault) once initialized. */
  pageFault: 'tdp' | 'shadow' | null = null;
  /** TDP: the root in use (direct roots are shared per role, see TdpMmu). */
  root: TdpRoot | null = null;
  readonly prevRoots: (TdpRoot | null)[] = [null, null, null];
  /** Shadow paging: root (with the four-root pae_root kinds) and prev_roots[3]. */
  shadowRoot = new ShadowRoot();
  readonly shadowPrevRoots: ShadowRoot[] = [new ShadowRoot(), new ShadowRoot(), new ShadowRoot()];
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

/**
 * kvm_calc_shadow_mmu_root_page_role: the CPU role with level >= 3 and efer_nx forced on;
 * paging off gives direct 1 GiB roots. The SMEP bit holds CR4.SMEP && !CR0.WP (the contract's
 * choice, so a SMEP toggle under CR0.WP = 1 reuses pages as the legacy role does).
 */
export function calcShadowRootRole(cpuRole: CpuRole): number {
  const base = cpuRole.base;
  const level = roleLevel(base);
  if (level === 0) return ((ACC_ALL << ROLE_ACCESS_SHIFT) | ROLE_DIRECT | ROLE_EFER_NX | PT32E_ROOT_LEVEL) >>> 0;
  let role = (base & ~(ROLE_LEVEL_MASK | ROLE_CR4_SMEP)) | ROLE_EFER_NX | Math.max(level, PT32E_ROOT_LEVEL);
  if ((base & ROLE_CR4_SMEP) !== 0 && (base & ROLE_CR0_WP) === 0) role |= ROLE_CR4_SMEP;
  return role >>> 0;
}

/** kvm_init_shadow_mmu: root_mmu builds shadow pages from gva_walk's role. */
function initKvmShadowMmu(v: Vcpu): void {
  const mmu = v.rootMmu;
  // Mutant: the root role is taken from the nested-TDP walker's (never initialized) role.
  const w = v.bug.shadowRootFromNgpaWalk ? v.ngpaWalk : mmu.w;
  const role = calcShadowRootRole(w.cpuRole);
  if (role === mmu.rootRole) return;
  mmu.rootRole = role;
  mmu.pageFault = 'shadow';
}

/** kvm_init_mmu: the CPU walker always gets the current role; then the MMU unless nested. */
export function kvmInitMmu(v: Vcpu): void {
  const role = calcCpuRole(v.cr0, v.cr4, v.efer, v.bug);
  initKvmPageWalk(v, v.gvaWalk, role);
  if (v.mmuIsNested()) return;
  if (v.tdpEnabled) initKvmTdpMmu(v);
  else initKvmShadowMmu(v);
}

/** kvm_mmu_unload: drop the current and previous roots of both MMUs (the pages stay). */
export function kvmMmuUnload(v: Vcpu): void {
  for (const mmu of [v.rootMmu, v.guestMmu]) {
    mmu.root = null;
    mmu.prevRoots.fill(null);
    if (v.bug.prevRootsKeptOnReset) freeRoot(mmu.shadowRoot);
    else freeAllRoots(mmu);
  }
}

/** kvm_mmu_reset_context: unload, then re-init (a no-op where roles did not change). */
export function kvmMmuResetContext(v: Vcpu): void {
  kvmMmuUnload(v);
  kvmInitMmu(v);
}

/**
 * kvm_mmu_new_pgd on a CR3 change (pgd = the new CR3 without NOFLUSH). A direct (TDP) root
 * does not depend on the pgd, so with TDP the fast switch keeps the current root.
 */
export function kvmMmuNewPgd(v: Vcpu, pgdLo: number, pgdHi: number): void {
  if (!v.tdpEnabled) shadowNewPgd(v, pgdLo, pgdHi);
}

/** kvm_invalidate_pcid: TDP asks for a guest TLB flush; shadow paging syncs and drops roots. */
export function kvmInvalidatePcid(v: Vcpu, pcid: number): void {
  if (v.tdpEnabled) v.events.requestFlush('guest');
  else shadowInvalidatePcid(v, pcid);
}
