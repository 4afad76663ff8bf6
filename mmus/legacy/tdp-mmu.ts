// The TDP MMU for root_mmu (arch/x86/kvm/mmu/tdp_mmu.c plus the direct-fault parts of mmu.c):
// a direct map of the memslots, one tree of shadow pages per root role from the root down to
// level 1. kvm_tdp_page_fault (fast path, pfn lookup, map), leaf zapping of a gfn range and
// dirty-logging write protection. Events: map, dirty, zap, wrprot (model contract "TDP SPTEs").
// Shadow-page roles stay in the LEG layout; zap events convert them to the kvm-chainsaw layout.
import {
  ACC_ALL,
  ACC_EXEC_MASK,
  ACC_USER_MASK,
  ACC_WRITE_MASK,
  KvmMmuPage,
  PG_LEVEL_4K,
  RET_PF_EMULATE,
  RET_PF_FIXED,
  RET_PF_INVALID,
  RET_PF_SPURIOUS,
  ROLE_ACCESS_MASK,
  ROLE_ACCESS_SHIFT,
  ROLE_LEVEL_MASK,
  type Kvm,
  type KvmPageFault,
  type KvmVcpu,
} from './kvm-host.js';
import {
  is_executable_pte,
  is_mmu_writable_spte,
  is_shadow_present_pte,
  is_writable_pte,
  make_spte,
  spte_clear_writable,
  spte_event_hi,
  spte_event_lo,
  spte_set_writable,
  type SpteMasks,
} from './spte.js';

/** gfns covered by one SPTE of a level-L table: 512^(L-1). */
const SPTE_SPAN = [0, 1, 512, 262144, 134217728, 68719476736];

function spte_index(sp: KvmMmuPage, gfn: number): number {
  return Math.floor((gfn - sp.gfn) / SPTE_SPAN[sp.level]);
}

/**
 * Converts a LEG-layout kvm_mmu_page_role to the kvm-chainsaw (NEW) layout used by `zap` events
 * (kvm-mmu-model §1.2): access widens to R=1 W=2 U=4 X=8 (every LEG mapping is readable), the
 * flags above it move up one bit, smep_andnot_wp disappears (NEW bit 20, cr4_smep, means "TDP
 * uses MBEC/GMET" for a TDP root: never here).
 */
export function role_to_chainsaw_layout(role: number): number {
  const acc = (role & ROLE_ACCESS_MASK) >>> ROLE_ACCESS_SHIFT;
  const newAcc = 1 | (acc & ACC_WRITE_MASK) | (acc & ACC_USER_MASK) | (acc & ACC_EXEC_MASK ? 8 : 0);
  const low = role & 0xff; // level, has_4_byte_gpte, quadrant, direct
  const moved = ((role >>> 11) & 0x7) << 12; // invalid, efer_nx, cr0_wp -> bits 12..14
  const kept = role & ((1 << 15) | (1 << 16) | (1 << 17) | (1 << 18) | (0xff << 24)); // smap_andnot_wp, ad_disabled, guest_mode, passthrough, smm
  return (low | (newAcc << 8) | moved | kept) >>> 0;
}

/** kvm_tdp_mmu_get_vcpu_root_hpa: the valid root of the vCPU's root_role, created on demand. */
export function kvm_tdp_mmu_get_vcpu_root(vcpu: KvmVcpu): KvmMmuPage {
  const kvm = vcpu.kvm;
  const role = vcpu.arch.mmu.root_role;
  for (const root of kvm.tdp_mmu_roots) if (root.role === role) return root;
  const root = new KvmMmuPage(0, role);
  kvm.tdp_mmu_roots.push(root);
  return root;
}

/** The level-1 table mapping gfn under root, or null when an upper level is non-present. */
export function tdp_mmu_leaf_table(root: KvmMmuPage, gfn: number): KvmMmuPage | null {
  let sp = root;
  while (sp.level > PG_LEVEL_4K) {
    const child = sp.children![spte_index(sp, gfn)];
    if (child === null) return null;
    sp = child;
  }
  return sp;
}

/** is_access_allowed (LEG): exec needs X, write needs W, a read needs the present bit. */
export function is_access_allowed(m: SpteMasks, fault_exec: boolean, fault_write: boolean, lo: number, hi: number): boolean {
  if (fault_exec) return is_executable_pte(m, lo, hi);
  if (fault_write) return is_writable_pte(lo);
  return (lo & 1) !== 0;
}

function mark_page_dirty_in_slot(kvm: Kvm, fault: KvmPageFault): void {
  if (fault.slot !== undefined && fault.slot.dirtyLog) kvm.log.push({ type: 'dirty', gfn: fault.gfn });
}

/** page_fault_can_be_fast: a present-SPTE write fault, or any fault when KVM runs A/D-less. */
function page_fault_can_be_fast(kvm: Kvm, fault: KvmPageFault): boolean {
  if (!fault.present) return kvm.spte_masks.ad_disabled;
  return fault.write;
}

/** fast_page_fault: fix a write-protected but MMU-writable SPTE without the slow path. */
function fast_page_fault(vcpu: KvmVcpu, fault: KvmPageFault): number {
  const kvm = vcpu.kvm;
  const m = kvm.spte_masks;
  if (!page_fault_can_be_fast(kvm, fault)) return RET_PF_INVALID;
  const root = vcpu.arch.mmu.root.hpa;
  if (root === null) return RET_PF_INVALID;
  const sp = tdp_mmu_leaf_table(root, fault.gfn);
  if (sp === null) return RET_PF_INVALID;
  const i = spte_index(sp, fault.gfn);
  const lo = sp.spte_lo![i];
  const hi = sp.spte_hi![i];
  if (!is_shadow_present_pte(lo)) return RET_PF_INVALID;
  if (is_access_allowed(m, fault.exec, fault.write, lo, hi)) return RET_PF_SPURIOUS;
  let new_lo = lo;
  if (fault.write && is_mmu_writable_spte(m, lo, hi)) new_lo = spte_set_writable(m, lo);
  if (new_lo === lo || !is_access_allowed(m, fault.exec, fault.write, new_lo, hi)) return RET_PF_INVALID;
  // fast_pf_fix_direct_spte
  sp.spte_lo![i] = new_lo;
  if (is_writable_pte(new_lo) && !is_writable_pte(lo)) mark_page_dirty_in_slot(kvm, fault);
  return RET_PF_FIXED;
}

/** kvm_faultin_pfn for a direct fault: MMIO and read-only-slot writes are emulated. */
function kvm_faultin_pfn(_vcpu: KvmVcpu, fault: KvmPageFault): number {
  const slot = fault.slot;
  if (slot === undefined) return RET_PF_EMULATE; // kvm_handle_noslot_fault: MMIO
  if (fault.write && slot.readonly) return RET_PF_EMULATE; // KVM_PFN_ERR_RO_FAULT
  fault.pfn = slot.hostBasePfn + (fault.gfn - slot.baseGfn);
  fault.map_writable = !slot.readonly;
  return RET_PF_INVALID;
}

/**
 * kvm_tdp_mmu_map: walk from the root to level 1 creating child tables (role = parent role one
 * level down, gfn = base of the range covered), then install the leaf.
 */
function kvm_tdp_mmu_map(vcpu: KvmVcpu, fault: KvmPageFault): number {
  const gfn = fault.gfn;
  let sp = vcpu.arch.mmu.root.hpa!;
  while (sp.level > fault.goal_level) {
    const i = spte_index(sp, gfn);
    let child = sp.children![i];
    if (child === null) {
      const child_level = sp.level - 1;
      const span = SPTE_SPAN[child_level] * 512;
      child = new KvmMmuPage(gfn - (gfn % span), ((sp.role & ~ROLE_LEVEL_MASK) | child_level) >>> 0);
      sp.children![i] = child;
    }
    sp = child;
  }
  return tdp_mmu_map_handle_target_level(vcpu, fault, sp);
}

function tdp_mmu_map_handle_target_level(vcpu: KvmVcpu, fault: KvmPageFault, sp: KvmMmuPage): number {
  const kvm = vcpu.kvm;
  const m = kvm.spte_masks;
  const i = spte_index(sp, fault.gfn);
  const old_lo = sp.spte_lo![i];
  const old_hi = sp.spte_hi![i];
  const out = kvm.spte_scratch;
  make_spte(m, ACC_ALL, fault.pfn, fault.map_writable, out);
  const lo = out[0];
  const hi = out[1];
  if (lo === old_lo && hi === old_hi) return RET_PF_SPURIOUS;
  sp.spte_lo![i] = lo;
  sp.spte_hi![i] = hi;
  kvm.log.push({ type: 'map', gfn: fault.gfn, level: sp.level, spte: { lo: spte_event_lo(m, lo), hi: spte_event_hi(m, hi) } });
  // make_spte logs a writable SPTE's gfn at once, whatever the fault kind: the guest may now
  // write the page without another exit.
  if (is_writable_pte(lo)) mark_page_dirty_in_slot(kvm, fault);
  return RET_PF_FIXED;
}

/** kvm_tdp_page_fault: the page_fault callback of a TDP root_mmu. */
export function kvm_tdp_page_fault(vcpu: KvmVcpu, fault: KvmPageFault): number {
  // page_fault_handle_page_track: no gfn is write-tracked with TDP in this scope.
  const r = fast_page_fault(vcpu, fault);
  if (r !== RET_PF_INVALID) return r;
  const f = kvm_faultin_pfn(vcpu, fault);
  if (f !== RET_PF_INVALID) return f;
  return kvm_tdp_mmu_map(vcpu, fault);
}

/**
 * tdp_root_for_each_leaf_pte over [start, end) in ascending gfn order, calling fn on each present
 * leaf. fn returns true when it changed the SPTE.
 */
function for_each_present_leaf(sp: KvmMmuPage, start: number, end: number, fn: (sp: KvmMmuPage, i: number) => boolean): boolean {
  const span = SPTE_SPAN[sp.level];
  const first = Math.max(0, Math.floor((start - sp.gfn) / span));
  const last = Math.min(511, Math.floor((end - 1 - sp.gfn) / span));
  let changed = false;
  if (sp.level === PG_LEVEL_4K) {
    const lo = sp.spte_lo!;
    for (let i = first; i <= last; i++) if (is_shadow_present_pte(lo[i]) && fn(sp, i)) changed = true;
    return changed;
  }
  const children = sp.children!;
  for (let i = first; i <= last; i++) {
    const child = children[i];
    if (child !== null && for_each_present_leaf(child, start, end, fn)) changed = true;
  }
  return changed;
}

/** kvm_tdp_mmu_zap_leafs over every root: zap events; returns whether a flush is needed. */
export function kvm_tdp_mmu_zap_leafs(kvm: Kvm, start: number, end: number): boolean {
  if (end <= start) return false;
  let flush = false;
  for (const root of kvm.tdp_mmu_roots) {
    const zapped = for_each_present_leaf(root, start, end, (sp, i) => {
      sp.spte_lo![i] = 0;
      sp.spte_hi![i] = 0;
      kvm.log.push({ type: 'zap', gfn: sp.gfn + i, level: sp.level, role: role_to_chainsaw_layout(sp.role), reason: 'memslot' });
      return true;
    });
    if (zapped) flush = true;
  }
  return flush;
}

/** kvm_tdp_mmu_wrprot_slot: clear W on every writable leaf of the range; wrprot events. */
export function kvm_tdp_mmu_wrprot_slot(kvm: Kvm, start: number, end: number): boolean {
  if (end <= start) return false;
  const m = kvm.spte_masks;
  let flush = false;
  for (const root of kvm.tdp_mmu_roots) {
    const changed = for_each_present_leaf(root, start, end, (sp, i) => {
      const lo = sp.spte_lo![i];
      if (!is_writable_pte(lo)) return false;
      sp.spte_lo![i] = spte_clear_writable(m, lo);
      kvm.log.push({ type: 'wrprot', gfn: sp.gfn + i, level: sp.level });
      return true;
    });
    if (changed) flush = true;
  }
  return flush;
}
