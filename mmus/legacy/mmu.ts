// The legacy KVM x86 MMU core (arch/x86/kvm/mmu/mmu.c and mmu.h before the 2026 split, LEG):
// CPU/root role computation, kvm_init_mmu and its role-equality short-circuits (init_kvm_tdp_mmu,
// init_kvm_softmmu), the guest paging metadata (reserved-bit masks, permission bitmap, PKRU
// mask), permission_fault with the CR0.WP passthrough refresh, root load/unload/switch (TDP,
// shadow, PAE/32-bit, direct and dummy roots, prev_roots), kvm_mmu_sync_roots, INVLPG/INVPCID
// invalidation with the shadow INVLPG sync, the nonpaging fault, the vCPU request servicing
// before entry, gfn-range zapping and the paging32/paging64 template instantiations.
//
// THIS IS THE SUBJECT UNDER TEST, MONOLITHIC ON PURPOSE: one struct kvm_mmu per role (root_mmu,
// guest_mmu, nested_mmu) carrying walker, page format and page-table builder together, with
// function-pointer fields swapped by init_kvm_* and vcpu->arch.mmu / walk_mmu pointers choosing
// the instance. It mirrors mmu.c's shape so the differential oracle can test a refactor of it;
// do not restructure it into the split design (that is mmus/refactored's job).
import type { U64 } from '../backend.js';
import {
  CR0_PG,
  CR0_WP,
  CR4_LA57,
  CR4_PAE,
  CR4_PCIDE,
  CR4_PKE,
  CR4_PSE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_LMA,
  EFER_NXE,
  PFERR_FETCH,
  PFERR_PK,
  PFERR_PRESENT,
  PFERR_RSVD,
  PFERR_USER,
  PFERR_WRITE,
  RFLAGS_AC,
} from '../x86/bits.js';
import { kvm_pdptr_read } from './kvm-cache-regs.js';
import {
  ACC_ALL,
  ACC_EXEC_MASK,
  ACC_USER_MASK,
  ACC_WRITE_MASK,
  EXT_CR4_LA57,
  EXT_CR4_PKE,
  EXT_CR4_PSE,
  EXT_CR4_SMAP,
  EXT_CR4_SMEP,
  EXT_EFER_LMA,
  EXT_VALID,
  KVM_REQ_LOAD_MMU_PGD,
  KVM_REQ_MMU_SYNC,
  KVM_REQ_TLB_FLUSH,
  KVM_REQ_TLB_FLUSH_GUEST,
  KvmCpuRole,
  PG_LEVEL_4K,
  RET_PF_EMULATE,
  RET_PF_INVALID,
  RET_PF_WRITE_PROTECTED,
  SP_DUMMY_ROOT,
  SP_PAE_ROOT,
  SP_SHADOW,
  type KvmMmuPage,
  type KvmPageFault,
  PF_VECTOR,
  PT32E_ROOT_LEVEL,
  PT32_ROOT_LEVEL,
  PT64_ROOT_4LEVEL,
  PT64_ROOT_5LEVEL,
  PFERR_IMPLICIT_ACCESS,
  ROLE_ACCESS_SHIFT,
  ROLE_CR0_WP,
  ROLE_DIRECT,
  ROLE_EFER_NX,
  ROLE_GUEST_MODE,
  ROLE_HAS_4_BYTE_GPTE,
  ROLE_INVALID,
  ROLE_LEVEL_MASK,
  ROLE_QUADRANT_MASK,
  ROLE_QUADRANT_SHIFT,
  ROLE_SMAP_ANDNOT_WP,
  ROLE_SMEP_ANDNOT_WP,
  ROLE_SMM_SHIFT,
  ROLE_AD_DISABLED,
  kvm_make_request,
  mmu_is_nested,
  type Kvm,
  type KvmMmu,
  type KvmMmuRootInfo,
  type KvmVcpu,
  type RsvdBitsValidate,
  type X86Exception,
} from './kvm-host.js';
import { PTTYPE_32, PTTYPE_64, instantiatePagingTmpl } from './paging-tmpl.js';
import {
  SPTE_SPAN,
  SYNC_SPTE_FAILED,
  SYNC_SPTE_NO_FLUSH,
  clear_sp_write_flooding_count,
  drop_leaf_spte,
  is_current_mmio_spte,
  page_fault_handle_page_track,
  kvm_mmu_child_role,
  kvm_mmu_get_child_sp,
  mmu_get_root_page,
  mmu_set_spte,
  mmu_sync_children,
  shadow_index,
  shadow_leaf_table,
  shadow_page_table_clear_flood,
  shadow_root_for,
  sp_needs_sync,
} from './shadow-mmu.js';
import { kvm_tdp_mmu_get_vcpu_root, kvm_tdp_mmu_wrprot_slot, kvm_tdp_mmu_zap_leafs, kvm_tdp_page_fault } from './tdp-mmu.js';
import { kvm_inject_emulated_page_fault } from './x86.js';

const TWO_32 = 4294967296;

// ---------------------------------------------------------------------------------------------
// #include "paging_tmpl.h" twice.
// ---------------------------------------------------------------------------------------------
// x86.c and mmu.c call each other; the injection hook binds late.
const tmpl_hooks = {
  permission_fault,
  inject_emulated_page_fault: (vcpu: KvmVcpu, fault: X86Exception) => kvm_inject_emulated_page_fault(vcpu, fault),
};
const paging32 = instantiatePagingTmpl(PTTYPE_32, tmpl_hooks);
const paging64 = instantiatePagingTmpl(PTTYPE_64, tmpl_hooks);
export const paging32_gva_to_gpa = paging32.gva_to_gpa;
export const paging64_gva_to_gpa = paging64.gva_to_gpa;

// ---------------------------------------------------------------------------------------------
// Role accessors (mmu.c's BUILD_MMU_ROLE_ACCESSOR family).
// ---------------------------------------------------------------------------------------------
function is_cr0_pg(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.base & ROLE_LEVEL_MASK) > 0;
}
function is_cr0_wp(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.base & ROLE_CR0_WP) !== 0;
}
function is_cr4_pae(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.base & ROLE_HAS_4_BYTE_GPTE) === 0;
}
function is_efer_nx(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.base & ROLE_EFER_NX) !== 0;
}
function is_cr4_pse(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.ext & EXT_CR4_PSE) !== 0;
}
function is_cr4_smep(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.ext & EXT_CR4_SMEP) !== 0;
}
function is_cr4_smap(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.ext & EXT_CR4_SMAP) !== 0;
}
function is_cr4_pke(mmu: KvmMmu): boolean {
  return (mmu.cpu_role.ext & EXT_CR4_PKE) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Role computation.
// ---------------------------------------------------------------------------------------------

/** struct kvm_mmu_role_regs: CR0/CR4 restricted to the role bits, full EFER. */
interface KvmMmuRoleRegs {
  readonly cr0: number;
  readonly cr4: number;
  readonly efer: number;
}

const KVM_MMU_CR0_ROLE_BITS = (CR0_PG | CR0_WP) >>> 0;
const KVM_MMU_CR4_ROLE_BITS = CR4_PSE | CR4_PAE | CR4_LA57 | CR4_SMEP | CR4_SMAP | CR4_PKE;

function vcpu_to_role_regs(vcpu: KvmVcpu): KvmMmuRoleRegs {
  const a = vcpu.arch;
  return { cr0: (a.cr0 & KVM_MMU_CR0_ROLE_BITS) >>> 0, cr4: a.cr4 & KVM_MMU_CR4_ROLE_BITS, efer: a.efer };
}

/** kvm_calc_cpu_role (§4.1, LEG). SMM and guest mode are never active in this scope. */
function kvm_calc_cpu_role(regs: KvmMmuRoleRegs): KvmCpuRole {
  const role = new KvmCpuRole();
  const smm = 0;
  const guest_mode = false;
  role.base = (ACC_ALL << ROLE_ACCESS_SHIFT) | (smm << ROLE_SMM_SHIFT) | (guest_mode ? ROLE_GUEST_MODE : 0);
  role.ext = EXT_VALID;
  if ((regs.cr0 & CR0_PG) === 0) {
    role.base |= ROLE_DIRECT;
    return role;
  }
  const wp = (regs.cr0 & CR0_WP) !== 0;
  const pae = (regs.cr4 & CR4_PAE) !== 0;
  const lma = (regs.efer & EFER_LMA) !== 0;
  const smep = (regs.cr4 & CR4_SMEP) !== 0;
  const smap = (regs.cr4 & CR4_SMAP) !== 0;
  const la57 = (regs.cr4 & CR4_LA57) !== 0;
  if (regs.efer & EFER_NXE) role.base |= ROLE_EFER_NX;
  if (wp) role.base |= ROLE_CR0_WP;
  if (smep && !wp) role.base |= ROLE_SMEP_ANDNOT_WP;
  if (smap && !wp) role.base |= ROLE_SMAP_ANDNOT_WP;
  if (!pae) role.base |= ROLE_HAS_4_BYTE_GPTE;
  let level: number;
  if (lma) level = la57 ? PT64_ROOT_5LEVEL : PT64_ROOT_4LEVEL;
  else if (pae) level = PT32E_ROOT_LEVEL;
  else level = PT32_ROOT_LEVEL;
  role.base |= level;
  if (smep) role.ext |= EXT_CR4_SMEP;
  if (smap) role.ext |= EXT_CR4_SMAP;
  if (regs.cr4 & CR4_PSE) role.ext |= EXT_CR4_PSE;
  // PKEY and LA57 are active iff long mode is active.
  if (lma && (regs.cr4 & CR4_PKE) !== 0) role.ext |= EXT_CR4_PKE;
  if (lma && la57) role.ext |= EXT_CR4_LA57;
  if (lma) role.ext |= EXT_EFER_LMA;
  role.base >>>= 0;
  return role;
}

/** kvm_mmu_get_tdp_level. */
function kvm_mmu_get_tdp_level(vcpu: KvmVcpu): number {
  return vcpu.kvm.tdp_root_level;
}

/** kvm_calc_tdp_mmu_root_page_role (§2.3). */
function kvm_calc_tdp_mmu_root_page_role(vcpu: KvmVcpu, cpu_role: KvmCpuRole): number {
  let role = (ACC_ALL << ROLE_ACCESS_SHIFT) | ROLE_CR0_WP | ROLE_EFER_NX | ROLE_DIRECT;
  role |= cpu_role.base & ((0xff << ROLE_SMM_SHIFT) | ROLE_GUEST_MODE);
  if (vcpu.kvm.spte_masks.ad_disabled) role |= ROLE_AD_DISABLED;
  role |= kvm_mmu_get_tdp_level(vcpu);
  return role >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Guest paging metadata: reserved bits (§5.2), permissions (§5.4), PKRU mask (§5.5).
// ---------------------------------------------------------------------------------------------

/** rsvd_bits(s, e) as [lo, hi]; empty when e < s. */
function rsvd_bits(s: number, e: number): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let b = s; b <= e; b++) {
    if (b < 32) lo |= 1 << b;
    else hi |= 1 << (b - 32);
  }
  return [lo >>> 0, hi >>> 0];
}

function or64(...parts: [number, number][]): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const p of parts) {
    lo |= p[0];
    hi |= p[1];
  }
  return [lo >>> 0, hi >>> 0];
}

const NONE: [number, number] = [0, 0];

function set_rsvd(rc: RsvdBitsValidate, ps: number, level: number, mask: [number, number]): void {
  rc.rsvd_bits_mask_lo[ps * 5 + level - 1] = mask[0];
  rc.rsvd_bits_mask_hi[ps * 5 + level - 1] = mask[1];
}

function get_rsvd(rc: RsvdBitsValidate, ps: number, level: number): [number, number] {
  return [rc.rsvd_bits_mask_lo[ps * 5 + level - 1], rc.rsvd_bits_mask_hi[ps * 5 + level - 1]];
}

/** __reset_rsvds_bits_mask for the x86 gpte formats. */
function __reset_rsvds_bits_mask(
  rc: RsvdBitsValidate,
  maxphyaddr: number,
  level: number,
  nx: boolean,
  gbpages: boolean,
  pse: boolean,
  amd: boolean,
  pse36: boolean,
): void {
  rc.rsvd_bits_mask_lo.fill(0);
  rc.rsvd_bits_mask_hi.fill(0);
  rc.bad_mt_xwr_lo = 0;
  rc.bad_mt_xwr_hi = 0;

  const exb_bit_rsvd = nx ? NONE : rsvd_bits(63, 63);
  const nonleaf_bit8_rsvd = amd ? rsvd_bits(8, 8) : NONE;
  const gbpages_bit_rsvd = gbpages ? NONE : rsvd_bits(7, 7);
  // reserved_gpa_bits = rsvd_bits(M, 63), clipped to what the format can hold as address bits.
  const high_bits_rsvd = level === PT32E_ROOT_LEVEL ? rsvd_bits(maxphyaddr, 62) : rsvd_bits(maxphyaddr, 51);

  switch (level) {
    case PT32_ROOT_LEVEL:
      // No reserved bits in 4 KiB PTEs or table PDEs; 4 MiB PDEs per PSE/PSE-36.
      set_rsvd(rc, 1, 2, !pse ? NONE : pse36 ? rsvd_bits(17, 21) : rsvd_bits(13, 21));
      break;
    case PT32E_ROOT_LEVEL:
      set_rsvd(rc, 0, 3, or64(rsvd_bits(63, 63), high_bits_rsvd, rsvd_bits(5, 8), rsvd_bits(1, 2))); // PDPTE
      set_rsvd(rc, 0, 2, or64(exb_bit_rsvd, high_bits_rsvd));
      set_rsvd(rc, 0, 1, or64(exb_bit_rsvd, high_bits_rsvd));
      set_rsvd(rc, 1, 2, or64(exb_bit_rsvd, high_bits_rsvd, rsvd_bits(13, 20)));
      set_rsvd(rc, 1, 1, get_rsvd(rc, 0, 1));
      break;
    case PT64_ROOT_5LEVEL:
    case PT64_ROOT_4LEVEL:
      if (level === PT64_ROOT_5LEVEL) {
        set_rsvd(rc, 0, 5, or64(exb_bit_rsvd, nonleaf_bit8_rsvd, rsvd_bits(7, 7), high_bits_rsvd));
        set_rsvd(rc, 1, 5, get_rsvd(rc, 0, 5));
      }
      set_rsvd(rc, 0, 4, or64(exb_bit_rsvd, nonleaf_bit8_rsvd, rsvd_bits(7, 7), high_bits_rsvd));
      set_rsvd(rc, 0, 3, or64(exb_bit_rsvd, gbpages_bit_rsvd, high_bits_rsvd));
      set_rsvd(rc, 0, 2, or64(exb_bit_rsvd, high_bits_rsvd));
      set_rsvd(rc, 0, 1, or64(exb_bit_rsvd, high_bits_rsvd));
      set_rsvd(rc, 1, 4, get_rsvd(rc, 0, 4));
      set_rsvd(rc, 1, 3, or64(exb_bit_rsvd, gbpages_bit_rsvd, high_bits_rsvd, rsvd_bits(13, 29)));
      set_rsvd(rc, 1, 2, or64(exb_bit_rsvd, high_bits_rsvd, rsvd_bits(13, 20)));
      set_rsvd(rc, 1, 1, get_rsvd(rc, 0, 1));
      break;
  }
}

/** reset_guest_rsvds_bits_mask: from the walker's role and the guest CPUID. */
function reset_guest_rsvds_bits_mask(vcpu: KvmVcpu, mmu: KvmMmu): void {
  const caps = vcpu.kvm.caps;
  __reset_rsvds_bits_mask(
    mmu.guest_rsvd_check,
    caps.maxphyaddr,
    mmu.cpu_role.base & ROLE_LEVEL_MASK,
    is_efer_nx(mmu),
    caps.gbpages,
    is_cr4_pse(mmu),
    caps.vendor === 'amd',
    caps.pse36,
  );
}

/**
 * update_permission_bitmask for the x86 walker (LEG formula, §5.4). permissions[pfec >> 1] has
 * bit a set iff an access with that pfec faults on ACC rights a; the RSVD slot of pfec carries
 * "SMAP overridden" (EFLAGS.AC on an explicit access).
 */
function update_permission_bitmask(mmu: KvmMmu, ept: boolean): void {
  if (ept) throw new Error('legacy: EPT walker permissions are out of scope (no nested EPT)');
  const cr4_smep = is_cr4_smep(mmu);
  const cr4_smap = is_cr4_smap(mmu);
  const cr0_wp = is_cr0_wp(mmu);
  const efer_nx = is_efer_nx(mmu);
  for (let byte = 0; byte < 16; byte++) {
    const pfec = byte << 1;
    const w = (pfec & PFERR_WRITE) !== 0;
    const u = (pfec & PFERR_USER) !== 0;
    const s = (pfec & PFERR_RSVD) !== 0;
    const f = (pfec & PFERR_FETCH) !== 0;
    let bits = 0;
    for (let a = 0; a < 8; a++) {
      const ax = (a & ACC_EXEC_MASK) !== 0;
      const aw = (a & ACC_WRITE_MASK) !== 0;
      const au = (a & ACC_USER_MASK) !== 0;
      const fault =
        (f && !ax && efer_nx) ||
        (u && !au) ||
        (w && !aw && (u || cr0_wp)) ||
        (cr4_smep && f && !u && au) ||
        (cr4_smap && !f && !s && !u && au);
      if (fault) bits |= 1 << a;
    }
    mmu.permissions[byte] = bits;
  }
}

/**
 * update_pkru_bitmask (§5.5): two bits per pfec >> 1 (with the RSVD slot standing for the
 * page's U bit): AD applies to data accesses to user pages, WD additionally needs a write that
 * is a user write or happens with CR0.WP = 1.
 */
function update_pkru_bitmask(mmu: KvmMmu): void {
  mmu.pkru_mask = 0;
  if (!is_cr4_pke(mmu)) return;
  const wp = is_cr0_wp(mmu);
  let mask = 0;
  for (let bit = 0; bit < 16; bit++) {
    const pfec = bit << 1;
    const ff = (pfec & PFERR_FETCH) !== 0;
    const uf = (pfec & PFERR_USER) !== 0;
    const wf = (pfec & PFERR_WRITE) !== 0;
    const pte_user = (pfec & PFERR_RSVD) !== 0;
    const check_pkey = !ff && pte_user;
    const check_write = check_pkey && wf && (uf || wp);
    const pkey_bits = (check_pkey ? 1 : 0) | (check_write ? 2 : 0);
    mask |= pkey_bits << pfec;
  }
  mmu.pkru_mask = mask >>> 0;
}

/** reset_guest_paging_metadata: skipped while CR0.PG = 0 (the tables keep stale contents). */
function reset_guest_paging_metadata(vcpu: KvmVcpu, mmu: KvmMmu): void {
  if (!is_cr0_pg(mmu)) return;
  reset_guest_rsvds_bits_mask(vcpu, mmu);
  update_permission_bitmask(mmu, false);
  update_pkru_bitmask(mmu);
}

/**
 * __kvm_mmu_refresh_passthrough_bits: with EPT, CR0.WP may be guest-owned, so the role's copy can
 * be stale. Only base.cr0_wp is refreshed (smep/smap_andnot_wp keep their old values, as in LEG).
 */
export function __kvm_mmu_refresh_passthrough_bits(vcpu: KvmVcpu, mmu: KvmMmu): void {
  const cr0_wp = (vcpu.arch.cr0 & CR0_WP) !== 0;
  if (is_cr0_wp(mmu) === cr0_wp) return;
  mmu.cpu_role.base = (cr0_wp ? mmu.cpu_role.base | ROLE_CR0_WP : mmu.cpu_role.base & ~ROLE_CR0_WP) >>> 0;
  reset_guest_paging_metadata(vcpu, mmu);
}

/** kvm_mmu_refresh_passthrough_bits: every walker but guest_mmu (the nested-TDP one), TDP only. */
function kvm_mmu_refresh_passthrough_bits(vcpu: KvmVcpu, mmu: KvmMmu): void {
  if (!vcpu.kvm.tdp_enabled || mmu === vcpu.arch.guest_mmu) return;
  __kvm_mmu_refresh_passthrough_bits(vcpu, mmu);
}

/**
 * permission_fault (mmu.h, §5.3): 0, or PFERR_PRESENT (| PFERR_PK). The caller adds W/U/F.
 * `access` carries W/U/F and PFERR_IMPLICIT_ACCESS; the pfec used as index drops the flag.
 */
export function permission_fault(vcpu: KvmVcpu, mmu: KvmMmu, pte_access: number, pte_pkey: number, access: number): number {
  const pfec = access & ~PFERR_IMPLICIT_ACCESS;
  // SMAP is overridden by EFLAGS.AC only for explicit supervisor accesses.
  const not_smap = (vcpu.arch.rflags & RFLAGS_AC) !== 0 && (access & PFERR_IMPLICIT_ACCESS) === 0;
  const index = (pfec + (not_smap ? PFERR_RSVD : 0)) >>> 1;
  let errcode = PFERR_PRESENT;

  kvm_mmu_refresh_passthrough_bits(vcpu, mmu);

  let fault = (mmu.permissions[index] >>> pte_access) & 1;
  if (mmu.pkru_mask !== 0) {
    let pkru_bits = (vcpu.arch.pkru >>> (pte_pkey * 2)) & 3;
    // Clear the present bit, put the page's U bit in the RSVD slot.
    const offset = (pfec & ~1) + ((pte_access & ACC_USER_MASK) << 1);
    pkru_bits &= mmu.pkru_mask >>> offset;
    if (pkru_bits !== 0) {
      errcode |= PFERR_PK;
      fault = 1;
    }
  }
  return fault !== 0 ? errcode : 0;
}

// ---------------------------------------------------------------------------------------------
// Callbacks installed into struct kvm_mmu.
// ---------------------------------------------------------------------------------------------

/** get_guest_cr3. */
function get_guest_cr3(vcpu: KvmVcpu): number {
  return vcpu.arch.cr3;
}

/** nonpaging_gva_to_gpa: identity (kvm_translate_gpa is the identity outside nested paging). */
function nonpaging_gva_to_gpa(vcpu: KvmVcpu, _mmu: KvmMmu, addr_lo: number, addr_hi: number, _access: number, exception: X86Exception): number {
  exception.error_code = 0;
  vcpu.arch.walker.level = 0;
  return addr_hi * TWO_32 + addr_lo;
}

/** kvm_inject_page_fault (x86.c): queue #PF with the faulting address as payload (CR2). */
export function kvm_inject_page_fault(vcpu: KvmVcpu, fault: X86Exception): void {
  const e = vcpu.arch.exception;
  e.pending = true;
  e.vector = PF_VECTOR;
  e.has_error_code = true;
  e.error_code = fault.error_code;
  e.payload_lo = fault.address_lo;
  e.payload_hi = fault.address_hi;
}

// ---------------------------------------------------------------------------------------------
// kvm_init_mmu and friends (§2.3).
// ---------------------------------------------------------------------------------------------

function cpu_role_equal(a: KvmCpuRole, b: KvmCpuRole): boolean {
  return a.base === b.base && a.ext === b.ext;
}

/** init_kvm_tdp_mmu: re-initializes root_mmu only if the CPU role or the root role changed. */
function init_kvm_tdp_mmu(vcpu: KvmVcpu, cpu_role: KvmCpuRole): void {
  const context = vcpu.arch.root_mmu;
  const root_role = kvm_calc_tdp_mmu_root_page_role(vcpu, cpu_role);
  if (cpu_role_equal(cpu_role, context.cpu_role) && root_role === context.root_role) return;

  context.cpu_role.base = cpu_role.base;
  context.cpu_role.ext = cpu_role.ext;
  context.root_role = root_role;
  context.page_fault = kvm_tdp_page_fault;
  context.sync_spte = null;
  context.get_guest_pgd = get_guest_cr3;
  context.get_pdptr = kvm_pdptr_read;
  context.inject_page_fault = kvm_inject_page_fault;

  if (!is_cr0_pg(context)) context.gva_to_gpa = nonpaging_gva_to_gpa;
  else if (is_cr4_pae(context)) context.gva_to_gpa = paging64_gva_to_gpa;
  else context.gva_to_gpa = paging32_gva_to_gpa;

  reset_guest_paging_metadata(vcpu, context);
  // reset_tdp_shadow_zero_bits_mask: SPTE sanity masks only; this model never consults them.
}

/**
 * kvm_calc_shadow_mmu_root_page_role: the CPU role with level at least 3 (KVM shadows
 * non-long-mode guests with PAE tables) and efer_nx forced on (shadow SPTEs always use NX).
 */
function kvm_calc_shadow_mmu_root_page_role(cpu_role: KvmCpuRole): number {
  let role = cpu_role.base;
  const level = Math.max(role & ROLE_LEVEL_MASK, PT32E_ROOT_LEVEL);
  role = (role & ~ROLE_LEVEL_MASK) | level | ROLE_EFER_NX;
  return role >>> 0;
}

/** shadow_mmu_init_context: install the callbacks of the guest's paging mode. */
function shadow_mmu_init_context(vcpu: KvmVcpu, context: KvmMmu, cpu_role: KvmCpuRole, root_role: number): void {
  if (cpu_role_equal(cpu_role, context.cpu_role) && root_role === context.root_role) return;
  context.cpu_role.base = cpu_role.base;
  context.cpu_role.ext = cpu_role.ext;
  context.root_role = root_role;
  if (!is_cr0_pg(context)) {
    // nonpaging_init_context
    context.page_fault = nonpaging_page_fault;
    context.gva_to_gpa = nonpaging_gva_to_gpa;
    context.sync_spte = null;
  } else if (is_cr4_pae(context)) {
    context.page_fault = paging64.page_fault;
    context.gva_to_gpa = paging64_gva_to_gpa;
    context.sync_spte = paging64.sync_spte;
  } else {
    context.page_fault = paging32.page_fault;
    context.gva_to_gpa = paging32_gva_to_gpa;
    context.sync_spte = paging32.sync_spte;
  }
  reset_guest_paging_metadata(vcpu, context);
  // reset_shadow_zero_bits_mask: SPTE sanity masks only; this model never consults them.
}

/** init_kvm_softmmu: root_mmu as a shadow MMU of the guest's own tables. */
function init_kvm_softmmu(vcpu: KvmVcpu, cpu_role: KvmCpuRole): void {
  const context = vcpu.arch.root_mmu;
  shadow_mmu_init_context(vcpu, context, cpu_role, kvm_calc_shadow_mmu_root_page_role(cpu_role));
  context.get_guest_pgd = get_guest_cr3;
  context.get_pdptr = kvm_pdptr_read;
  context.inject_page_fault = kvm_inject_page_fault;
}

/** kvm_init_mmu: recompute the CPU role and (re)initialize the MMU that owns it. */
export function kvm_init_mmu(vcpu: KvmVcpu): void {
  const cpu_role = kvm_calc_cpu_role(vcpu_to_role_regs(vcpu));
  if (mmu_is_nested(vcpu)) throw new Error('legacy: init_kvm_nested_mmu is out of scope (no nested virtualization)');
  else if (vcpu.kvm.tdp_enabled) init_kvm_tdp_mmu(vcpu, cpu_role);
  else init_kvm_softmmu(vcpu, cpu_role);
}

/** kvm_mmu_create: the three instances; vcpu->arch.mmu = walk_mmu = &root_mmu. */
export function kvm_mmu_create(vcpu: KvmVcpu): void {
  vcpu.arch.mmu = vcpu.arch.root_mmu;
  vcpu.arch.walk_mmu = vcpu.arch.root_mmu;
}

// ---------------------------------------------------------------------------------------------
// Roots.
// ---------------------------------------------------------------------------------------------

export const KVM_MMU_ROOT_CURRENT = 1 << 0;
export function KVM_MMU_ROOT_PREVIOUS(i: number): number {
  return 1 << (1 + i);
}
const KVM_MMU_ROOTS_ALL = (1 << 4) - 1;

function is_valid_root(root: KvmMmuRootInfo): boolean {
  return root.hpa !== null;
}

/**
 * mmu_free_root_page: drops the vCPU's reference. TDP MMU roots stay alive until invalidated
 * (kvm_tdp_mmu_put_root), so a later load of the same role finds the same tables; shadow root
 * pages stay in the hash for reuse by the same (gfn, role). The PAE root page drops its four.
 */
function mmu_free_root_page(mmu: KvmMmu, root: KvmMmuRootInfo): void {
  const hpa = root.hpa;
  if (hpa !== null) {
    if (hpa.kind === SP_SHADOW) hpa.root_count--;
    else if (hpa.kind === SP_PAE_ROOT) {
      for (let i = 0; i < 4; i++) {
        const sp = mmu.pae_root[i];
        if (sp !== null) sp.root_count--;
        mmu.pae_root[i] = null;
      }
    }
  }
  root.hpa = null;
  root.pgd = 0;
}

/** kvm_mmu_free_roots. */
export function kvm_mmu_free_roots(_kvm: Kvm, mmu: KvmMmu, roots_to_free: number): void {
  for (let i = 0; i < 3; i++) {
    if (roots_to_free & KVM_MMU_ROOT_PREVIOUS(i)) mmu_free_root_page(mmu, mmu.prev_roots[i]);
  }
  if (roots_to_free & KVM_MMU_ROOT_CURRENT) mmu_free_root_page(mmu, mmu.root);
}

/** kvm_mmu_unload: drop current and previous roots of root_mmu and guest_mmu. */
export function kvm_mmu_unload(vcpu: KvmVcpu): void {
  kvm_mmu_free_roots(vcpu.kvm, vcpu.arch.root_mmu, KVM_MMU_ROOTS_ALL);
  kvm_mmu_free_roots(vcpu.kvm, vcpu.arch.guest_mmu, KVM_MMU_ROOTS_ALL);
  // vcpu_clear_mmio_info: the model keeps no MMIO cache.
}

/** kvm_mmu_reset_context = unload + init. */
export function kvm_mmu_reset_context(vcpu: KvmVcpu): void {
  kvm_mmu_unload(vcpu);
  kvm_init_mmu(vcpu);
}

/** kvm_mmu_after_set_cpuid: invalidate every role so the next init recomputes from CPUID. */
export function kvm_mmu_after_set_cpuid(vcpu: KvmVcpu): void {
  const a = vcpu.arch;
  for (const mmu of [a.root_mmu, a.guest_mmu, a.nested_mmu]) {
    mmu.root_role = (mmu.root_role | ROLE_INVALID) >>> 0;
    mmu.cpu_role.ext &= ~EXT_VALID;
  }
  kvm_mmu_reset_context(vcpu);
}

/** mmu_alloc_direct_roots (TDP MMU flavour). */
function mmu_alloc_direct_roots(vcpu: KvmVcpu): void {
  const mmu = vcpu.arch.mmu;
  mmu.root.hpa = kvm_tdp_mmu_get_vcpu_root(vcpu);
  mmu.root.pgd = 0;
}

/** The root of (gfn, role with this level and quadrant), found or created (mmu_alloc_root). */
function mmu_alloc_root(vcpu: KvmVcpu, gfn: number, quadrant: number, level: number): KvmMmuPage {
  let role = vcpu.arch.mmu.root_role & ~(ROLE_LEVEL_MASK | ROLE_QUADRANT_MASK);
  role |= level | (quadrant << ROLE_QUADRANT_SHIFT);
  return mmu_get_root_page(vcpu, gfn, role >>> 0);
}

/** mmu_alloc_direct_roots with shadow paging (CR0.PG = 0): four 1 GiB direct roots. */
function mmu_alloc_shadow_direct_roots(vcpu: KvmVcpu): void {
  const mmu = vcpu.arch.mmu;
  for (let i = 0; i < 4; i++) mmu.pae_root[i] = mmu_alloc_root(vcpu, i * SPTE_SPAN[3], 0, PT32_ROOT_LEVEL);
  mmu.root.hpa = vcpu.kvm.pae_root_page;
  mmu.root.pgd = 0;
}

/**
 * mmu_alloc_shadow_roots: one root page for 4/5-level guests; four level-2 roots for PAE
 * (one per present cached PDPTE) and 32-bit guests (the CR3 page in quarters); the dummy root
 * while the CR3 page is outside every memslot.
 */
function mmu_alloc_shadow_roots(vcpu: KvmVcpu): void {
  const kvm = vcpu.kvm;
  const mmu = vcpu.arch.mmu;
  const root_pgd = mmu.get_guest_pgd(vcpu);
  const level = mmu.cpu_role.base & ROLE_LEVEL_MASK;
  // KVM takes the root gfn from the whole CR3 value, even outside long mode where the walker
  // reads only bits 31:12 (a CR3 with high bits set there gives the dummy root).
  const root_gfn = Math.floor(root_pgd / 4096);
  mmu.root.pgd = root_pgd;
  if (kvm.memory.findSlot(root_gfn) === undefined) {
    mmu.root.hpa = kvm.dummy_root_page;
    return;
  }
  if (level >= PT64_ROOT_4LEVEL) {
    mmu.root.hpa = mmu_alloc_root(vcpu, root_gfn, 0, mmu.root_role & ROLE_LEVEL_MASK);
    return;
  }
  const pdpte = vcpu.arch.walker.pdpte;
  for (let i = 0; i < 4; i++) {
    let gfn = root_gfn;
    if (level === PT32E_ROOT_LEVEL) {
      mmu.get_pdptr(vcpu, i, pdpte);
      // A PDPTE that is not present, or points outside every memslot, has no root.
      gfn = (pdpte[1] & 0xfffff) * TWO_32 / 4096 + (pdpte[0] >>> 12);
      if ((pdpte[0] & 1) === 0 || kvm.memory.findSlot(gfn) === undefined) {
        mmu.pae_root[i] = null;
        continue;
      }
    }
    mmu.pae_root[i] = mmu_alloc_root(vcpu, gfn, level === PT32_ROOT_LEVEL ? i : 0, PT32_ROOT_LEVEL);
  }
  mmu.root.hpa = kvm.pae_root_page;
}

/**
 * kvm_mmu_load: allocate the root (then, with shadow paging, sync it). KVM also flushes the
 * current TLB context with a direct hardware call (not a request); no event for it.
 */
function kvm_mmu_load(vcpu: KvmVcpu): void {
  if (vcpu.kvm.tdp_enabled) {
    mmu_alloc_direct_roots(vcpu);
    return;
  }
  if (vcpu.arch.mmu.root_role & ROLE_DIRECT) mmu_alloc_shadow_direct_roots(vcpu);
  else mmu_alloc_shadow_roots(vcpu);
  kvm_mmu_sync_roots(vcpu);
}

/** kvm_mmu_sync_roots: sync the unsync pages below the current root(s). */
export function kvm_mmu_sync_roots(vcpu: KvmVcpu): void {
  const mmu = vcpu.arch.mmu;
  if (mmu.root_role & ROLE_DIRECT) return;
  const hpa = mmu.root.hpa;
  if (hpa === null || hpa.kind === SP_DUMMY_ROOT) return;
  if (hpa.kind === SP_SHADOW) {
    if (!hpa.invalid && sp_needs_sync(hpa)) mmu_sync_children(vcpu, hpa);
    return;
  }
  for (let i = 0; i < 4; i++) {
    const sp = mmu.pae_root[i];
    if (sp !== null && !sp.invalid && sp_needs_sync(sp)) mmu_sync_children(vcpu, sp);
  }
}

/** kvm_mmu_sync_prev_roots: a prev root with unsync pages below it is simply freed. */
function kvm_mmu_sync_prev_roots(vcpu: KvmVcpu): void {
  const mmu = vcpu.arch.mmu;
  let roots_to_free = 0;
  for (let i = 0; i < 3; i++) {
    const hpa = mmu.prev_roots[i].hpa;
    if (hpa !== null && hpa.kind === SP_SHADOW && sp_needs_sync(hpa)) roots_to_free |= KVM_MMU_ROOT_PREVIOUS(i);
  }
  kvm_mmu_free_roots(vcpu.kvm, mmu, roots_to_free);
}

/** is_obsolete_root: a zapped root page, or a PAE root page with a zapped quarter. */
function is_obsolete_root(mmu: KvmMmu, hpa: KvmMmuPage | null): boolean {
  if (hpa === null) return false;
  if (hpa.kind === SP_SHADOW) return hpa.invalid;
  if (hpa.kind === SP_PAE_ROOT) {
    for (let i = 0; i < 4; i++) if (mmu.pae_root[i]?.invalid) return true;
  }
  return false;
}

/**
 * kvm_mmu_free_obsolete_roots: roots zapped under the vCPU go; a dummy root goes after any
 * memslot update (the CR3 page may have become visible).
 */
function kvm_mmu_free_obsolete_roots(vcpu: KvmVcpu): void {
  const mmu = vcpu.arch.mmu;
  let roots_to_free = 0;
  const cur = mmu.root.hpa;
  if (is_obsolete_root(mmu, cur) || (cur !== null && cur.kind === SP_DUMMY_ROOT && vcpu.kvm.memslots_updated)) roots_to_free |= KVM_MMU_ROOT_CURRENT;
  for (let i = 0; i < 3; i++) if (is_obsolete_root(mmu, mmu.prev_roots[i].hpa)) roots_to_free |= KVM_MMU_ROOT_PREVIOUS(i);
  kvm_mmu_free_roots(vcpu.kvm, mmu, roots_to_free);
}

/**
 * The requests vcpu_enter_guest services before entry, in its order (shadow paging; model
 * contract "Service step"): obsolete roots, MMU_SYNC, TLB_FLUSH_GUEST (sync the roots and drop
 * prev roots with unsync pages), then the root load. Flush requests were already reported
 * when made.
 */
export function kvm_vcpu_service_requests(vcpu: KvmVcpu): void {
  if (vcpu.kvm.tdp_enabled) return;
  const req = vcpu.kvm.log.requests;
  kvm_mmu_free_obsolete_roots(vcpu);
  if (req & KVM_REQ_MMU_SYNC) kvm_mmu_sync_roots(vcpu);
  if (req & KVM_REQ_TLB_FLUSH_GUEST) {
    kvm_mmu_sync_roots(vcpu);
    kvm_mmu_sync_prev_roots(vcpu);
  }
  kvm_mmu_reload(vcpu);
}

/** kvm_mmu_reload: load a root if the current one was dropped (runs on every VM entry). */
export function kvm_mmu_reload(vcpu: KvmVcpu): void {
  if (vcpu.arch.mmu.root.hpa !== null) return;
  kvm_mmu_load(vcpu);
}

/** is_root_usable: valid, pgd equal unless direct, and the same role (never a special root). */
function is_root_usable(root: KvmMmuRootInfo, pgd: number, role: number): boolean {
  if (root.hpa === null) return false;
  if ((role & ROLE_DIRECT) === 0 && pgd !== root.pgd) return false;
  if (root.hpa.kind === SP_PAE_ROOT || root.hpa.kind === SP_DUMMY_ROOT || root.hpa.invalid) return false;
  return root.hpa.role === role;
}

function swap_roots(a: KvmMmuRootInfo, b: KvmMmuRootInfo): void {
  const pgd = a.pgd;
  const hpa = a.hpa;
  a.pgd = b.pgd;
  a.hpa = b.hpa;
  b.pgd = pgd;
  b.hpa = hpa;
}

/** cached_root_find_and_keep_current: rotate the current root through prev_roots. */
function cached_root_find_and_keep_current(kvm: Kvm, mmu: KvmMmu, new_pgd: number, new_role: number): boolean {
  if (is_root_usable(mmu.root, new_pgd, new_role)) return true;
  for (let i = 0; i < 3; i++) {
    swap_roots(mmu.root, mmu.prev_roots[i]);
    if (is_root_usable(mmu.root, new_pgd, new_role)) return true;
  }
  kvm_mmu_free_roots(kvm, mmu, KVM_MMU_ROOT_CURRENT);
  return false;
}

/** cached_root_find_without_current: take the first usable prev root, bubble the rest up. */
function cached_root_find_without_current(_kvm: Kvm, mmu: KvmMmu, new_pgd: number, new_role: number): boolean {
  let i = 0;
  for (; i < 3; i++) if (is_root_usable(mmu.prev_roots[i], new_pgd, new_role)) break;
  if (i === 3) return false;
  swap_roots(mmu.root, mmu.prev_roots[i]);
  for (; i < 2; i++) swap_roots(mmu.prev_roots[i], mmu.prev_roots[i + 1]);
  mmu.prev_roots[2].hpa = null;
  mmu.prev_roots[2].pgd = 0;
  return true;
}

/** fast_pgd_switch: special roots (PAE, dummy) are never cached, only freed. */
function fast_pgd_switch(kvm: Kvm, mmu: KvmMmu, new_pgd: number, new_role: number): boolean {
  const hpa = mmu.root.hpa;
  if (hpa !== null && (hpa.kind === SP_PAE_ROOT || hpa.kind === SP_DUMMY_ROOT)) kvm_mmu_free_roots(kvm, mmu, KVM_MMU_ROOT_CURRENT);
  if (is_valid_root(mmu.root)) return cached_root_find_and_keep_current(kvm, mmu, new_pgd, new_role);
  return cached_root_find_without_current(kvm, mmu, new_pgd, new_role);
}

/** kvm_mmu_new_pgd: on a CR3 change, reuse a cached root when possible. */
export function kvm_mmu_new_pgd(vcpu: KvmVcpu, new_pgd: number): void {
  const mmu = vcpu.arch.mmu;
  if (!fast_pgd_switch(vcpu.kvm, mmu, new_pgd, mmu.root_role)) return;
  kvm_make_request(KVM_REQ_LOAD_MMU_PGD, vcpu);
  // force_flush_and_sync_on_reuse is off; the MMIO cache is not modelled. A reused shadow root
  // starts a fresh write-flooding count (direct roots have none).
  const sp = mmu.root.hpa;
  if ((mmu.root_role & ROLE_DIRECT) === 0 && sp !== null && sp.kind === SP_SHADOW) clear_sp_write_flooding_count(sp);
}

// ---------------------------------------------------------------------------------------------
// Invalidation.
// ---------------------------------------------------------------------------------------------

/**
 * Canonical check for INVLPG/INVPCID targets (model contract: with LMA = 0 every gva was already
 * truncated to 32 bits; with LMA = 1 bits 63..N-1 must be equal, N = 57 with CR4.LA57 else 48).
 */
export function is_noncanonical_address(addr: U64, vcpu: KvmVcpu): boolean {
  if ((vcpu.arch.efer & EFER_LMA) === 0) return false;
  if (vcpu.arch.cr4 & CR4_LA57) {
    const top = addr.hi >>> 24; // bits 63:56
    return top !== 0 && top !== 0xff;
  }
  const top = addr.hi >>> 15; // bits 63:47
  return top !== 0 && top !== 0x1ffff;
}

/**
 * kvm_mmu_invalidate_addr: a hardware flush of the gva for every MMU but guest_mmu (whose
 * "addresses" are L2 GPAs), then the sync of unsync shadow pages — none with TDP (sync_spte NULL).
 */
export function kvm_mmu_invalidate_addr(vcpu: KvmVcpu, mmu: KvmMmu, addr: U64, roots: number): void {
  if (mmu !== vcpu.arch.guest_mmu) {
    if (is_noncanonical_address(addr, vcpu)) return;
    vcpu.kvm.log.flushGva(addr); // kvm_x86_ops.flush_tlb_gva
  }
  if (mmu.sync_spte === null) return;
  if (roots & KVM_MMU_ROOT_CURRENT) __kvm_mmu_invalidate_addr(vcpu, mmu, addr, mmu.root);
  for (let i = 0; i < 3; i++) {
    if (roots & KVM_MMU_ROOT_PREVIOUS(i) && is_valid_root(mmu.prev_roots[i])) __kvm_mmu_invalidate_addr(vcpu, mmu, addr, mmu.prev_roots[i]);
  }
}

/**
 * The INVLPG sync of one root: down the gva's shadow path, re-derive the SPTE of every unsync
 * level-1 page met (drop it if the gpte cannot be read), flushing when one changed.
 */
function __kvm_mmu_invalidate_addr(vcpu: KvmVcpu, mmu: KvmMmu, addr: U64, root: KvmMmuRootInfo): void {
  const sync_spte = mmu.sync_spte!;
  let sp = shadow_root_for(vcpu, root, addr.lo);
  while (sp !== null && !sp.invalid) {
    const i = shadow_index(sp.level, addr.lo, addr.hi);
    if (sp.unsync && sp.spte_lo![i] !== 0) {
      const r = sync_spte(vcpu, sp, i);
      if (r === SYNC_SPTE_FAILED) drop_leaf_spte(vcpu.kvm, sp, i, 'sync');
      if (r !== SYNC_SPTE_NO_FLUSH) vcpu.kvm.log.request(KVM_REQ_TLB_FLUSH);
    }
    if (sp.children === null || sp.unsync_children === 0) break;
    sp = sp.children[i];
  }
}


/** kvm_mmu_invlpg: the walker's MMU, all roots. */
export function kvm_mmu_invlpg(vcpu: KvmVcpu, gva: U64): void {
  kvm_mmu_invalidate_addr(vcpu, vcpu.arch.walk_mmu, gva, KVM_MMU_ROOTS_ALL);
}

/** kvm_get_pcid / kvm_get_active_pcid. */
function kvm_get_pcid(vcpu: KvmVcpu, cr3: number): number {
  return vcpu.arch.cr4 & CR4_PCIDE ? cr3 & 0xfff : 0;
}

export function kvm_get_active_pcid(vcpu: KvmVcpu): number {
  return kvm_get_pcid(vcpu, vcpu.arch.cr3);
}

/** kvm_mmu_invpcid_gva (LEG passes vcpu->arch.mmu): roots whose PCID matches. */
export function kvm_mmu_invpcid_gva(vcpu: KvmVcpu, gva: U64, pcid: number): void {
  const mmu = vcpu.arch.mmu;
  let roots = 0;
  if (pcid === kvm_get_active_pcid(vcpu)) roots |= KVM_MMU_ROOT_CURRENT;
  for (let i = 0; i < 3; i++) {
    const prev = mmu.prev_roots[i];
    if (is_valid_root(prev) && pcid === kvm_get_pcid(vcpu, prev.pgd)) roots |= KVM_MMU_ROOT_PREVIOUS(i);
  }
  if (roots !== 0) kvm_mmu_invalidate_addr(vcpu, mmu, gva, roots);
}

// ---------------------------------------------------------------------------------------------
// Faults and VM-wide operations.
// ---------------------------------------------------------------------------------------------

/**
 * kvm_mmu_page_fault for a TDP violation (EPT violation / #NPF exit): builds struct
 * kvm_page_fault and calls the MMU's page_fault. Returns RET_PF_*.
 */
/**
 * handle_mmio_page_fault: a reserved-bit fault on an MMIO SPTE of the current memslot
 * generation is emulated at once (the recorded gpa and level) when the rights recorded with it
 * (W and U only, as KVM's MMIO access mask keeps) permit the access under the controls of now;
 * a stale one, a fetch or a refused access is a normal fault.
 */
function handle_mmio_page_fault(vcpu: KvmVcpu, fault: KvmPageFault): number {
  const sp = shadow_leaf_table(vcpu, fault.addr, fault.addr_hi);
  if (sp === null) return RET_PF_INVALID;
  const i = shadow_index(PG_LEVEL_4K, fault.addr, fault.addr_hi);
  if (!is_current_mmio_spte(vcpu.kvm, sp, i)) return RET_PF_INVALID;
  if (fault.exec) return RET_PF_INVALID;
  const mmu = vcpu.arch.mmu;
  if (is_cr0_pg(mmu)) {
    const access = fault.access & (PFERR_WRITE | PFERR_USER | PFERR_FETCH | PFERR_IMPLICIT_ACCESS);
    if (permission_fault(vcpu, mmu, sp.access![i] & (ACC_WRITE_MASK | ACC_USER_MASK), 0, access) !== 0) return RET_PF_INVALID;
  }
  fault.gfn = sp.gfns![i];
  // Normally no slot (MMIO); but a sync may have re-stamped the SPTE after a memslot add covered
  // its gfn, and then the emulator finds RAM there.
  fault.slot = vcpu.kvm.memory.findSlot(fault.gfn);
  fault.result_gpa = sp.gfns![i] * 4096 + (fault.addr & 0xfff);
  fault.result_level = vcpu.kvm.shadow_walk_guest_level;
  return RET_PF_EMULATE;
}

/**
 * kvm_mmu_page_fault for a shadow page fault (#PF exit): addr is the gva as halves, error_code
 * the hardware error code plus PFERR_IMPLICIT_ACCESS for implicit accesses. Returns RET_PF_*;
 * fault (vcpu.arch.page_fault) says what the access resolved to.
 */
export function kvm_mmu_shadow_page_fault(vcpu: KvmVcpu, addr_lo: number, addr_hi: number, error_code: number): number {
  const fault = vcpu.arch.page_fault;
  fault.addr = addr_lo;
  fault.addr_hi = addr_hi;
  fault.access = error_code;
  fault.error_code = error_code;
  fault.exec = (error_code & PFERR_FETCH) !== 0;
  fault.write = (error_code & PFERR_WRITE) !== 0;
  fault.present = (error_code & PFERR_PRESENT) !== 0;
  fault.user = (error_code & PFERR_USER) !== 0;
  fault.prefetch = false;
  fault.is_tdp = false;
  fault.gfn = 0;
  fault.slot = undefined;
  fault.result_gpa = 0;
  fault.result_level = 0;
  if (error_code & PFERR_RSVD) {
    const r = handle_mmio_page_fault(vcpu, fault);
    if (r === RET_PF_EMULATE) return r;
  }
  const r = vcpu.arch.mmu.page_fault!(vcpu, fault);
  // A write that could not get a writable SPTE: emulated (never unprotect-and-retry), after
  // clearing the flooding counts on the way, as for a write-tracked gfn.
  if (r === RET_PF_WRITE_PROTECTED) {
    shadow_page_table_clear_flood(vcpu, addr_lo, addr_hi);
    return RET_PF_EMULATE;
  }
  return r;
}

/**
 * nonpaging_page_fault (direct_page_fault with CR0.PG = 0): gpa = gva; writes to read-only
 * slots and write-tracked gfns are emulated; else direct_map.
 */
function nonpaging_page_fault(vcpu: KvmVcpu, fault: KvmPageFault): number {
  const kvm = vcpu.kvm;
  const gpa = fault.addr_hi * TWO_32 + fault.addr;
  fault.gfn = Math.floor(gpa / 4096);
  fault.slot = kvm.memory.findSlot(fault.gfn);
  fault.result_gpa = gpa;
  fault.result_level = 0;
  if (page_fault_handle_page_track(vcpu, fault) === RET_PF_EMULATE) return RET_PF_EMULATE;
  return direct_map(vcpu, fault);
}

/** direct_map: direct pages from the root down to level 1, then the leaf with ACC_ALL. */
function direct_map(vcpu: KvmVcpu, fault: KvmPageFault): number {
  let sp = shadow_root_for(vcpu, vcpu.arch.mmu.root, fault.addr);
  if (sp === null) return RET_PF_RETRY_NO_ROOT;
  while (sp.level > PG_LEVEL_4K) {
    const idx = shadow_index(sp.level, fault.addr, fault.addr_hi);
    const base_gfn = fault.gfn - (fault.gfn % SPTE_SPAN[sp.level]);
    sp = kvm_mmu_get_child_sp(vcpu, sp, idx, base_gfn, kvm_mmu_child_role(sp, idx, true, ACC_ALL));
  }
  return mmu_set_spte(vcpu, sp, shadow_index(PG_LEVEL_4K, fault.addr, fault.addr_hi), ACC_ALL, fault.gfn, fault.slot, fault.write);
}

const RET_PF_RETRY_NO_ROOT = 1; // RET_PF_RETRY

export function kvm_mmu_page_fault(vcpu: KvmVcpu, gpa: number, error_code: number): number {
  const fault = vcpu.arch.page_fault;
  const mmu = vcpu.arch.mmu;
  fault.addr = gpa;
  fault.error_code = error_code;
  fault.exec = (error_code & PFERR_FETCH) !== 0;
  fault.write = (error_code & PFERR_WRITE) !== 0;
  fault.present = (error_code & PFERR_PRESENT) !== 0;
  fault.user = (error_code & PFERR_USER) !== 0;
  fault.prefetch = false;
  fault.is_tdp = true;
  fault.gfn = Math.floor(gpa / 4096);
  fault.slot = vcpu.kvm.memory.findSlot(fault.gfn);
  fault.pfn = 0;
  fault.map_writable = false;
  fault.goal_level = 1;
  if (mmu.page_fault === null) throw new Error('legacy: MMU without page_fault');
  return mmu.page_fault(vcpu, fault);
}

/** kvm_zap_gfn_range: zap leaf SPTEs of [start, end) in every root, then a ranged remote flush. */
export function kvm_zap_gfn_range(kvm: Kvm, gfn_start: number, gfn_end: number): void {
  const flush = kvm_tdp_mmu_zap_leafs(kvm, gfn_start, gfn_end);
  if (flush) kvm.log.request(KVM_REQ_TLB_FLUSH); // kvm_flush_remote_tlbs_range
}

/** kvm_mmu_slot_remove_write_access at 4 KiB (dirty logging enabled), flushing if anything changed. */
export function kvm_mmu_slot_remove_write_access(kvm: Kvm, base_gfn: number, npages: number): void {
  const flush = kvm_tdp_mmu_wrprot_slot(kvm, base_gfn, base_gfn + npages);
  if (flush) kvm.log.request(KVM_REQ_TLB_FLUSH); // kvm_flush_remote_tlbs_memslot
}
