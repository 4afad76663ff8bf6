// The legacy Shadow MMU's page machinery (arch/x86/kvm/mmu/mmu.c before the split, the parts
// that are not the walker template): the mmu_page_hash keyed by (gfn, role), shadow page
// allocation and accounting (write tracking, write protection), kvm_mmu_get_child_sp, parent
// links and unsync propagation, mmu_try_to_unsync_pages, mmu_sync_children / kvm_sync_page,
// kvm_mmu_prepare_zap_page, kvm_mmu_track_write (misaligned / flooding / pte_write), the
// memslot fast zap, dirty-logging write protection and mmu_set_spte. Roles stay in the LEG
// layout; events carry the common layout (docs/model-contract-shadow.md "Roles").
//
// MONOLITHIC ON PURPOSE like mmu.c: functions take the vCPU and reach the VM through it.
import type { ZapReason } from '../backend.js';
import { CR4_PAE, PFERR_RSVD } from '../x86/bits.js';
import type { Memslot } from '../memory/memslot.js';
import {
  ACC_WRITE_MASK,
  KVM_REQ_MMU_FREE_OBSOLETE_ROOTS,
  KVM_REQ_TLB_FLUSH,
  KvmMmuPage,
  PG_LEVEL_4K,
  RET_PF_EMULATE,
  RET_PF_FIXED,
  RET_PF_SPURIOUS,
  RET_PF_WRITE_PROTECTED,
  ROLE_ACCESS_MASK,
  ROLE_ACCESS_SHIFT,
  ROLE_DIRECT,
  ROLE_HAS_4_BYTE_GPTE,
  ROLE_LEVEL_MASK,
  ROLE_PASSTHROUGH,
  ROLE_QUADRANT_MASK,
  ROLE_QUADRANT_SHIFT,
  SP_DUMMY_ROOT,
  SP_PAE_ROOT,
  SP_SHADOW,
  type Kvm,
  type KvmMmuRootInfo,
  type KvmPageFault,
  type KvmVcpu,
  type RmapEntry,
} from './kvm-host.js';
import {
  MMIO_SPTE_HI,
  MMIO_SPTE_LO,
  SHADOW_SPTE_HOST_WRITABLE,
  SHADOW_SPTE_SW_LO,
  is_mmio_spte,
  is_shadow_present_pte,
  is_mmu_writable_shadow_spte,
  is_writable_pte,
  make_shadow_spte,
  shadow_spte_clear_writable,
  spte_to_pfn,
} from './spte.js';
import { role_to_chainsaw_layout } from './tdp-mmu.js';

/** gfns covered by one SPTE of a level-L table: 512^(L-1). */
export const SPTE_SPAN = [0, 1, 512, 262144, 134217728, 68719476736];

/** Index of gva (as halves) in a shadow table of `level` (8-byte SPTEs, 9 bits a level). */
export function shadow_index(level: number, lo: number, hi: number): number {
  switch (level) {
    case 1:
      return (lo >>> 12) & 511;
    case 2:
      return (lo >>> 21) & 511;
    case 3:
      return ((lo >>> 30) | (hi << 2)) & 511;
    case 4:
      return (hi >>> 7) & 511;
    default:
      return (hi >>> 16) & 511;
  }
}

/** The role as events and digests show it (common layout; SMEP bit dropped, invalid never set). */
export function sp_event_role(sp: KvmMmuPage): number {
  return role_to_chainsaw_layout(sp.role);
}

function role_access(role: number): number {
  return (role & ROLE_ACCESS_MASK) >>> ROLE_ACCESS_SHIFT;
}

/** The contract's page order: ascending (gfn, level, role); LEG-only bits break ties. */
export function sp_cmp(a: KvmMmuPage, b: KvmMmuPage): number {
  if (a.gfn !== b.gfn) return a.gfn - b.gfn;
  if (a.level !== b.level) return a.level - b.level;
  const ra = sp_event_role(a);
  const rb = sp_event_role(b);
  if (ra !== rb) return ra - rb;
  return (a.role >>> 0) - (b.role >>> 0);
}

/** Order of SPTE holders for wrprot batches: (holder gfn, holder role, index). */
function rmap_cmp(a: RmapEntry, b: RmapEntry): number {
  if (a.sp !== b.sp) {
    if (a.sp.gfn !== b.sp.gfn) return a.sp.gfn - b.sp.gfn;
    const ra = sp_event_role(a.sp);
    const rb = sp_event_role(b.sp);
    if (ra !== rb) return ra - rb;
    if (a.sp.role !== b.sp.role) return (a.sp.role >>> 0) - (b.sp.role >>> 0);
  }
  return a.i - b.i;
}

function sp_has_gptes(sp: KvmMmuPage): boolean {
  return (sp.role & ROLE_DIRECT) === 0;
}

// ---------------------------------------------------------------------------------------------
// Write tracking and the writable-SPTE rmap.
// ---------------------------------------------------------------------------------------------

export function kvm_gfn_is_write_tracked(kvm: Kvm, gfn: number): boolean {
  return (kvm.write_track.get(gfn) ?? 0) > 0;
}

function rmap_add(kvm: Kvm, sp: KvmMmuPage, i: number, gfn: number): void {
  const list = kvm.writable_rmap.get(gfn);
  if (list === undefined) kvm.writable_rmap.set(gfn, [{ sp, i }]);
  else list.push({ sp, i });
}

function rmap_remove(kvm: Kvm, sp: KvmMmuPage, i: number, gfn: number): void {
  const list = kvm.writable_rmap.get(gfn);
  if (list === undefined) return;
  for (let k = 0; k < list.length; k++) {
    if (list[k].sp === sp && list[k].i === i) {
      list.splice(k, 1);
      break;
    }
  }
  if (list.length === 0) kvm.writable_rmap.delete(gfn);
}

/**
 * Stores a leaf SPTE of a shadow level-1 page (its gfn already in sp.gfns), keeping the
 * MMU-writable rmap in step.
 */
function mmu_spte_set(kvm: Kvm, sp: KvmMmuPage, i: number, lo: number, hi: number): void {
  const old_lo = sp.spte_lo![i];
  const gfn = sp.gfns![i];
  const was = is_shadow_present_pte(old_lo) && is_mmu_writable_shadow_spte(old_lo);
  const now = is_shadow_present_pte(lo) && is_mmu_writable_shadow_spte(lo);
  if (was && !now) rmap_remove(kvm, sp, i, gfn);
  else if (now && !was) rmap_add(kvm, sp, i, gfn);
  sp.spte_lo![i] = lo;
  sp.spte_hi![i] = hi;
}

/** drop_spte without an event: the SPTE becomes non-present. */
function mmu_spte_clear(kvm: Kvm, sp: KvmMmuPage, i: number): void {
  mmu_spte_set(kvm, sp, i, 0, 0);
}

/**
 * kvm_mmu_slot_gfn_write_protect at 4 KiB for a shadowed guest page table (pt_protect): every
 * MMU-writable leaf SPTE mapping gfn loses W and MMU-writable; a `wrprot` event for each one
 * that had W (ascending holder order). One that dirty logging had already made read-only only
 * loses MMU-writable, silently, but still needs the flush (KVM's mmu_spte_update). Returns
 * whether a flush is needed.
 */
export function kvm_write_protect_gfn(kvm: Kvm, gfn: number): boolean {
  const list = kvm.writable_rmap.get(gfn);
  if (list === undefined) return false;
  kvm.writable_rmap.delete(gfn);
  const sorted = list.slice().sort(rmap_cmp);
  for (const { sp, i } of sorted) {
    const lo = sp.spte_lo![i];
    sp.spte_lo![i] = shadow_spte_clear_writable(lo, true);
    if (is_writable_pte(lo)) kvm.log.push({ type: 'wrprot', gfn, level: PG_LEVEL_4K });
  }
  return sorted.length > 0;
}

/**
 * kvm_mmu_slot_remove_write_access (shadow, dirty logging): every writable leaf of [start, end)
 * loses W and keeps MMU-writable, ascending (gfn, holder). Returns whether any SPTE changed.
 */
export function kvm_shadow_wrprot_slot(kvm: Kvm, start: number, end: number): boolean {
  const gfns: number[] = [];
  for (const gfn of kvm.writable_rmap.keys()) if (gfn >= start && gfn < end) gfns.push(gfn);
  gfns.sort((a, b) => a - b);
  let changed = false;
  for (const gfn of gfns) {
    const sorted = kvm.writable_rmap.get(gfn)!.slice().sort(rmap_cmp);
    for (const { sp, i } of sorted) {
      const lo = sp.spte_lo![i];
      if (!is_writable_pte(lo)) continue;
      sp.spte_lo![i] = shadow_spte_clear_writable(lo, false);
      kvm.log.push({ type: 'wrprot', gfn, level: PG_LEVEL_4K });
      changed = true;
    }
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Unsync propagation (mark_unsync / kvm_mmu_mark_parents_unsync, kept exact).
// ---------------------------------------------------------------------------------------------

function is_unsync_or_has_unsync(sp: KvmMmuPage): boolean {
  return sp.unsync || sp.unsync_children > 0;
}

/** sp's "unsync or has unsync children" flipped: tell every parent SPTE. */
function propagate_unsync(sp: KvmMmuPage, delta: 1 | -1): void {
  const parents = sp.parent_sps;
  for (let k = 0; k < parents.length; k++) {
    const p = parents[k];
    const before = is_unsync_or_has_unsync(p);
    p.unsync_children += delta;
    if (before !== is_unsync_or_has_unsync(p)) propagate_unsync(p, delta);
  }
}

function set_sp_unsync(sp: KvmMmuPage, unsync: boolean): void {
  if (sp.unsync === unsync) return;
  const before = is_unsync_or_has_unsync(sp);
  sp.unsync = unsync;
  if (before !== is_unsync_or_has_unsync(sp)) propagate_unsync(sp, unsync ? 1 : -1);
}

/** Whether a root has unsync descendants (is_unsync_root). */
export function sp_needs_sync(sp: KvmMmuPage): boolean {
  return is_unsync_or_has_unsync(sp);
}

/** link_shadow_page: parent[idx] now points to child (mmu_page_add_parent_pte). */
function link_shadow_page(parent: KvmMmuPage, idx: number, child: KvmMmuPage): void {
  parent.children![idx] = child;
  child.parent_sps.push(parent);
  child.parent_idx.push(idx);
  if (is_unsync_or_has_unsync(child)) {
    const before = is_unsync_or_has_unsync(parent);
    parent.unsync_children++;
    if (!before) propagate_unsync(parent, 1);
  }
}

/** drop_parent_pte: clear parent[idx] and forget the link. */
function drop_parent_pte(parent: KvmMmuPage, idx: number): void {
  const child = parent.children![idx];
  if (child === null) return;
  parent.children![idx] = null;
  for (let k = 0; k < child.parent_sps.length; k++) {
    if (child.parent_sps[k] === parent && child.parent_idx[k] === idx) {
      child.parent_sps.splice(k, 1);
      child.parent_idx.splice(k, 1);
      break;
    }
  }
  if (is_unsync_or_has_unsync(child)) {
    const before = is_unsync_or_has_unsync(parent);
    parent.unsync_children--;
    if (before !== is_unsync_or_has_unsync(parent)) propagate_unsync(parent, -1);
  }
}

// ---------------------------------------------------------------------------------------------
// The hash.
// ---------------------------------------------------------------------------------------------

/** for_each_gfn_valid_sp_with_gptes, in the contract's order (ascending level, then role). */
export function gfn_sps_with_gptes(kvm: Kvm, gfn: number): KvmMmuPage[] {
  const list = kvm.mmu_page_hash.get(gfn);
  if (list === undefined) return [];
  const out: KvmMmuPage[] = [];
  for (const sp of list) if (sp_has_gptes(sp) && !sp.invalid) out.push(sp);
  return out.sort(sp_cmp);
}

/** Whether gfn has indirect shadow pages (of any level). */
function gfn_has_sps_with_gptes(kvm: Kvm, gfn: number): boolean {
  const list = kvm.mmu_page_hash.get(gfn);
  if (list === undefined) return false;
  for (const sp of list) if (sp_has_gptes(sp)) return true;
  return false;
}

/** Every valid shadow page, ascending (gfn, level, role). */
export function all_shadow_pages(kvm: Kvm): KvmMmuPage[] {
  const out: KvmMmuPage[] = [];
  for (const list of kvm.mmu_page_hash.values()) for (const sp of list) out.push(sp);
  return out.sort(sp_cmp);
}

function hash_remove(kvm: Kvm, sp: KvmMmuPage): void {
  const list = kvm.mmu_page_hash.get(sp.gfn);
  if (list === undefined) return;
  const k = list.indexOf(sp);
  if (k >= 0) list.splice(k, 1);
  if (list.length === 0) kvm.mmu_page_hash.delete(sp.gfn);
}

/** kvm_mmu_child_role: the parent role one level down, with the given access and directness. */
export function kvm_mmu_child_role(parent: KvmMmuPage, idx: number, direct: boolean, access: number): number {
  let role = parent.role & ~(ROLE_LEVEL_MASK | ROLE_ACCESS_MASK | ROLE_DIRECT | ROLE_PASSTHROUGH);
  role |= parent.level - 1;
  role |= (access << ROLE_ACCESS_SHIFT) & ROLE_ACCESS_MASK;
  if (direct) role |= ROLE_DIRECT;
  // A 4-byte guest PT covers 4 MiB, shadowed by two 2 MiB PAE tables: the low bit of the PDE
  // index says which half this one is.
  if (role & ROLE_HAS_4_BYTE_GPTE) role = (role & ~ROLE_QUADRANT_MASK) | ((idx & 1) << ROLE_QUADRANT_SHIFT);
  return role >>> 0;
}

/** __clear_sp_write_flooding_count. */
export function clear_sp_write_flooding_count(sp: KvmMmuPage): void {
  sp.write_flooding_count = 0;
}

/**
 * kvm_mmu_alloc_shadow_page + account_shadowed: the `sp` event, then the accounting of an
 * indirect page: level >= 2 write-tracks the gfn; either level write-protects every writable
 * SPTE that maps the gfn (flush if one changed).
 */
function kvm_mmu_alloc_shadow_page(vcpu: KvmVcpu, gfn: number, role: number): KvmMmuPage {
  const kvm = vcpu.kvm;
  const sp = new KvmMmuPage(gfn, role, SP_SHADOW);
  const list = kvm.mmu_page_hash.get(gfn);
  if (list === undefined) kvm.mmu_page_hash.set(gfn, [sp]);
  else list.push(sp);
  kvm.log.push({ type: 'sp', gfn, level: sp.level, role: sp_event_role(sp) });
  if (sp_has_gptes(sp)) {
    if (sp.level > PG_LEVEL_4K) kvm.write_track.set(gfn, (kvm.write_track.get(gfn) ?? 0) + 1);
    if (kvm_write_protect_gfn(kvm, gfn)) kvm.log.request(KVM_REQ_TLB_FLUSH);
  }
  return sp;
}

/**
 * kvm_mmu_get_shadow_page: the valid page of (gfn, role), or a new one. The lookup of an
 * upper-level role first zaps the gfn's unsync pages (they would have to be write-protected);
 * a found unsync page has its SPTEs synced, staying unsync (zapped, and then re-created, if
 * that fails).
 */
export function kvm_mmu_get_shadow_page(vcpu: KvmVcpu, gfn: number, role: number): { sp: KvmMmuPage; created: boolean } {
  const kvm = vcpu.kvm;
  if ((role & ROLE_LEVEL_MASK) > PG_LEVEL_4K && kvm.mmu_page_hash.has(gfn)) {
    let zapped = false;
    for (const sp of gfn_sps_with_gptes(kvm, gfn)) {
      if (sp.unsync && sp.role !== role && kvm_mmu_prepare_zap_page(kvm, sp, 'unsync_upper')) zapped = true;
    }
    if (zapped) kvm.log.request(KVM_REQ_TLB_FLUSH);
  }
  const list = kvm.mmu_page_hash.get(gfn);
  if (list !== undefined) {
    let found: KvmMmuPage | null = null;
    for (const sp of list) if (sp.role === role && !sp.invalid) found = sp;
    if (found !== null) {
      if (found.role & ROLE_DIRECT) return { sp: found, created: false };
      if (found.unsync) {
        // kvm_sync_page: re-derive the SPTEs but neither write-protect the gfn nor mark the
        // page synced (that waits for the guest's TLB flush); a failure zaps it.
        kvm.log.push({ type: 'sync', gfn: found.gfn, role: sp_event_role(found) });
        const r = kvm_sync_page_sptes(vcpu, found);
        if (r < 0) kvm_mmu_prepare_zap_page(kvm, found, 'sync');
        if (r !== 0) kvm.log.request(KVM_REQ_TLB_FLUSH);
      }
      if (!found.invalid) {
        clear_sp_write_flooding_count(found);
        return { sp: found, created: false };
      }
    }
  }
  return { sp: kvm_mmu_alloc_shadow_page(vcpu, gfn, role), created: true };
}

/**
 * kvm_mmu_get_child_sp + link_shadow_page: reuse the child linked at parent[idx] when it is the
 * page of (gfn, role); otherwise unlink it (flushing) and link the page found or created.
 */
export function kvm_mmu_get_child_sp(vcpu: KvmVcpu, parent: KvmMmuPage, idx: number, gfn: number, role: number): KvmMmuPage {
  const existing = parent.children![idx];
  if (existing !== null) {
    if (existing.gfn === gfn && existing.role === role && !existing.invalid) return existing;
    drop_parent_pte(parent, idx);
    vcpu.kvm.log.request(KVM_REQ_TLB_FLUSH);
  }
  const { sp: child, created } = kvm_mmu_get_shadow_page(vcpu, gfn, role);
  // A page found again may have unsync children the guest changed without a flush: sync them
  // before linking, since the guest need not flush a not-present -> present change.
  if (!created && child.level > PG_LEVEL_4K && child.unsync_children > 0) mmu_sync_children(vcpu, child);
  link_shadow_page(parent, idx, child);
  return child;
}

/** mmu_alloc_root's lookup: the root page of (gfn, role), referenced once more. */
export function mmu_get_root_page(vcpu: KvmVcpu, gfn: number, role: number): KvmMmuPage {
  const { sp } = kvm_mmu_get_shadow_page(vcpu, gfn, role);
  sp.root_count++;
  return sp;
}

// ---------------------------------------------------------------------------------------------
// Unsync.
// ---------------------------------------------------------------------------------------------

/**
 * mmu_try_to_unsync_pages (no prefetch): a write-tracked gfn refuses (true); a gfn without
 * shadow pages allows W; a sync rebuild (`synchronizing`) refuses when the gfn has any; else
 * every synced level-1 page of the gfn goes unsync (ascending role) and W is allowed.
 */
export function mmu_try_to_unsync_pages(kvm: Kvm, gfn: number, synchronizing: boolean): boolean {
  if (kvm_gfn_is_write_tracked(kvm, gfn)) return true;
  if (!kvm.mmu_page_hash.has(gfn)) return false;
  const sps = gfn_sps_with_gptes(kvm, gfn);
  if (sps.length === 0) return false;
  if (synchronizing) return true;
  for (const sp of sps) {
    if (sp.unsync) continue;
    kvm.log.push({ type: 'unsync', gfn, role: sp_event_role(sp) });
    set_sp_unsync(sp, true);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sync.
// ---------------------------------------------------------------------------------------------

/** Return values of the sync_spte callback: the gptes cannot be read, no flush, flush needed. */
export const SYNC_SPTE_FAILED = -1;
export const SYNC_SPTE_NO_FLUSH = 0;
export const SYNC_SPTE_FLUSH = 1;

/**
 * mmu_spte_update's verdict (model contract): replacing a present SPTE needs a TLB flush when
 * it takes away MMU-writability, which a CPU may have cached as W.
 */
export function spte_update_needs_flush(old_lo: number, new_lo: number): boolean {
  return is_shadow_present_pte(old_lo) && is_mmu_writable_shadow_spte(old_lo) && !is_writable_pte(new_lo);
}

/** Whether two SPTEs show the same value in `map` events (software bits left out). */
function same_reported_spte(lo1: number, hi1: number, lo2: number, hi2: number): boolean {
  return hi1 === hi2 && ((lo1 ^ lo2) & ~SHADOW_SPTE_SW_LO) === 0;
}

/** Drops leaf i of a level-1 page with a `zap` event (drop_spte). */
export function drop_leaf_spte(kvm: Kvm, sp: KvmMmuPage, i: number, reason: ZapReason): void {
  kvm.log.push({ type: 'zap', gfn: sp.gfns![i], level: sp.level, role: sp_event_role(sp), reason });
  mmu_spte_clear(kvm, sp, i);
}

/**
 * The SPTE rebuild of a sync: make_spte with `synchronizing` (W kept from an old writable SPTE
 * without D; else allowed only when the gfn has no shadow page), a `map` event when the value
 * changed, no `dirty`. Returns whether mmu_spte_update asks for a flush.
 */
export function sync_rebuild_spte(kvm: Kvm, sp: KvmMmuPage, i: number, pte_access: number): number {
  const lo = sp.spte_lo![i];
  const hi = sp.spte_hi![i];
  sp.access![i] = pte_access;
  const host_writable = (lo & SHADOW_SPTE_HOST_WRITABLE) !== 0;
  let access = host_writable ? pte_access : pte_access & ~ACC_WRITE_MASK;
  let dirty = true;
  if (access & ACC_WRITE_MASK) {
    if (is_writable_pte(lo)) dirty = false;
    else if (mmu_try_to_unsync_pages(kvm, sp.gfns![i], true)) access &= ~ACC_WRITE_MASK;
  }
  const out = kvm.spte_scratch;
  make_shadow_spte(access, spte_to_pfn(lo, hi), host_writable, out, dirty);
  const new_lo = out[0];
  const new_hi = out[1];
  if (new_lo === lo && new_hi === hi) return SYNC_SPTE_NO_FLUSH;
  const flush = spte_update_needs_flush(lo, new_lo);
  mmu_spte_set(kvm, sp, i, new_lo, new_hi);
  // `map` reports the value without software bits: an MMU-writable-only change is silent.
  if (same_reported_spte(lo, hi, new_lo, new_hi)) return flush ? SYNC_SPTE_FLUSH : SYNC_SPTE_NO_FLUSH;
  kvm.log.push({ type: 'map', gfn: sp.gfns![i], level: PG_LEVEL_4K, spte: { lo: (new_lo & ~SHADOW_SPTE_SW_LO) >>> 0, hi: new_hi } });
  return flush ? SYNC_SPTE_FLUSH : SYNC_SPTE_NO_FLUSH;
}

/**
 * sync_mmio_spte: an MMIO SPTE whose gpte still maps the same gfn is re-stamped with the
 * current generation; one whose gpte now maps another gfn is cleared (a `zap`, no flush: the
 * hardware never caches it).
 */
export function sync_mmio_spte(kvm: Kvm, sp: KvmMmuPage, i: number, gfn: number, pte_access: number): void {
  if (gfn !== sp.gfns![i]) {
    drop_leaf_spte(kvm, sp, i, 'sync');
    return;
  }
  sp.access![i] = pte_access;
  sp.mmio_gen![i] = kvm.memslots_gen;
}

/** Whether SPTE i of a level-1 page is an MMIO SPTE. */
export function is_mmio_leaf(sp: KvmMmuPage, i: number): boolean {
  return is_mmio_spte(sp.spte_lo![i], sp.spte_hi![i]);
}

/**
 * kvm_sync_page's loop (sync_page): sync_spte on every present SPTE. Returns -1 when the gptes
 * cannot be read (the caller zaps the page), else whether a flush is needed (an SPTE dropped).
 */
function kvm_sync_page_sptes(vcpu: KvmVcpu, sp: KvmMmuPage): number {
  const kvm = vcpu.kvm;
  const sync_spte = vcpu.arch.mmu.sync_spte;
  if (sync_spte === null || kvm.memory.findSlot(sp.gfn) === undefined) return -1;
  let flush = 0;
  const lo = sp.spte_lo!;
  for (let i = 0; i < 512; i++) {
    if (lo[i] === 0) continue; // present and MMIO SPTEs alike
    const r = sync_spte(vcpu, sp, i);
    if (r === SYNC_SPTE_FAILED) return -1;
    if (r === SYNC_SPTE_FLUSH) flush = 1;
  }
  return flush;
}

/**
 * One page of mmu_sync_children (its gfn already write-protected): synced, `sync`, then its
 * SPTEs re-derived (the page is zapped if its gptes cannot be read). Returns whether a remote
 * flush is needed.
 */
function sync_one_page(vcpu: KvmVcpu, sp: KvmMmuPage): boolean {
  const kvm = vcpu.kvm;
  set_sp_unsync(sp, false);
  kvm.log.push({ type: 'sync', gfn: sp.gfn, role: sp_event_role(sp) });
  const r = kvm_sync_page_sptes(vcpu, sp);
  if (r < 0) {
    kvm_mmu_prepare_zap_page(kvm, sp, 'sync');
    return true;
  }
  return r > 0;
}

/** The unsync pages below parent, each once, ascending (gfn, level, role) (mmu_unsync_walk). */
function collect_unsync_descendants(kvm: Kvm, parent: KvmMmuPage): KvmMmuPage[] {
  const out: KvmMmuPage[] = [];
  const stamp = ++kvm.visit_stamp;
  const walk = (sp: KvmMmuPage): void => {
    const children = sp.children;
    if (children === null) return;
    for (let i = 0; i < 512; i++) {
      const child = children[i];
      if (child === null || child.visit === stamp || !is_unsync_or_has_unsync(child)) continue;
      child.visit = stamp;
      if (child.unsync) out.push(child);
      walk(child);
    }
  };
  walk(parent);
  return out.sort(sp_cmp);
}

/**
 * mmu_sync_children (one batch): write-protect the gfn of every unsync page below parent, one
 * flush if any SPTE lost W, then sync each page in ascending (gfn, level, role).
 */
export function mmu_sync_children(vcpu: KvmVcpu, parent: KvmMmuPage): void {
  const kvm = vcpu.kvm;
  const pages = collect_unsync_descendants(kvm, parent);
  let protect = false;
  for (const sp of pages) if (kvm_write_protect_gfn(kvm, sp.gfn)) protect = true;
  if (protect) kvm.log.request(KVM_REQ_TLB_FLUSH);
  for (const sp of pages) {
    if (sp.invalid || !sp.unsync) continue;
    if (sync_one_page(vcpu, sp)) kvm.log.request(KVM_REQ_TLB_FLUSH);
  }
}

// ---------------------------------------------------------------------------------------------
// Zap.
// ---------------------------------------------------------------------------------------------

/**
 * kvm_mmu_prepare_zap_page (+ commit; the caller requests the flush): `zap_sp`, then the page's
 * unsync descendants with the same reason (unless `alone`), its SPTEs cleared without events,
 * its parents unlinked, the gfn un-tracked; a root in use is left invalid for the service step.
 * Returns false when the page was already gone.
 */
export function kvm_mmu_prepare_zap_page(kvm: Kvm, sp: KvmMmuPage, reason: ZapReason, alone = false): boolean {
  if (sp.invalid) return false;
  kvm.log.push({ type: 'zap_sp', gfn: sp.gfn, level: sp.level, role: sp_event_role(sp), reason });
  const descendants = !alone && sp.unsync_children > 0 ? collect_unsync_descendants(kvm, sp) : null;
  sp.invalid = true;
  hash_remove(kvm, sp);
  if (descendants !== null) for (const d of descendants) kvm_mmu_prepare_zap_page(kvm, d, reason, true);

  // kvm_mmu_page_unlink_children
  if (sp.children !== null) {
    for (let i = 0; i < 512; i++) if (sp.children[i] !== null) drop_parent_pte(sp, i);
  } else {
    const lo = sp.spte_lo!;
    for (let i = 0; i < 512; i++) if (lo[i] !== 0) mmu_spte_clear(kvm, sp, i);
  }
  // kvm_mmu_unlink_parents
  while (sp.parent_sps.length > 0) drop_parent_pte(sp.parent_sps[sp.parent_sps.length - 1], sp.parent_idx[sp.parent_idx.length - 1]);
  // unaccount_shadowed
  if (sp_has_gptes(sp) && sp.level > PG_LEVEL_4K) {
    const n = (kvm.write_track.get(sp.gfn) ?? 0) - 1;
    if (n > 0) kvm.write_track.set(sp.gfn, n);
    else kvm.write_track.delete(sp.gfn);
  }
  set_sp_unsync(sp, false);
  if (sp.root_count > 0) kvm.log.requests |= KVM_REQ_MMU_FREE_OBSOLETE_ROOTS;
  return true;
}

/** kvm_mmu_zap_all_fast (memslot delete/move, SLOT_ZAP_ALL quirk): every page, ascending. */
export function kvm_mmu_zap_all_fast(kvm: Kvm): void {
  const pages = all_shadow_pages(kvm);
  for (const sp of pages) kvm_mmu_prepare_zap_page(kvm, sp, 'memslot', true);
  if (pages.length > 0) kvm.log.request(KVM_REQ_TLB_FLUSH);
}

/** mmu_page_zap_pte with a `zap` event for a present SPTE; returns whether it was present. */
function mmu_page_zap_pte(kvm: Kvm, sp: KvmMmuPage, i: number, reason: ZapReason): boolean {
  if (sp.children !== null) {
    const child = sp.children[i];
    if (child === null) return false;
    kvm.log.push({ type: 'zap', gfn: child.gfn, level: sp.level, role: sp_event_role(sp), reason });
    drop_parent_pte(sp, i);
    return true;
  }
  const lo = sp.spte_lo![i];
  if (is_shadow_present_pte(lo)) {
    drop_leaf_spte(kvm, sp, i, reason);
    return true;
  }
  // An MMIO SPTE goes too (reported, but it was not present: no flush).
  if (is_mmio_spte(lo, sp.spte_hi![i])) drop_leaf_spte(kvm, sp, i, reason);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Emulated writes to shadowed guest page tables.
// ---------------------------------------------------------------------------------------------

function detect_write_misaligned(sp: KvmMmuPage, gpa: number, bytes: number): boolean {
  const offset = gpa % 4096;
  const pte_size = sp.role & ROLE_HAS_4_BYTE_GPTE ? 4 : 8;
  // A one-byte write at the start of a gpte (clearing a status bit) is fine.
  if ((offset & (pte_size - 1)) === 0 && bytes === 1) return false;
  return ((offset ^ (offset + bytes - 1)) & ~(pte_size - 1)) !== 0 || bytes < 4;
}

/** detect_write_flooding: the third emulated write to an unused upper-level page. */
function detect_write_flooding(sp: KvmMmuPage): boolean {
  if (sp.level === PG_LEVEL_4K) return false;
  return ++sp.write_flooding_count >= 3;
}

/** kvm_mmu_track_write: an emulated store of `bytes` at gpa reached shadowed guest tables. */
export function kvm_mmu_track_write(vcpu: KvmVcpu, gpa: number, bytes: number): void {
  const kvm = vcpu.kvm;
  // A PAE guest writing half of a gpte: treat it as the whole gpte.
  if ((vcpu.arch.cr4 & CR4_PAE) !== 0 && bytes === 4) {
    gpa -= gpa % 8;
    bytes = 8;
  }
  const gfn = Math.floor(gpa / 4096);
  let flush = false;
  for (const sp of gfn_sps_with_gptes(kvm, gfn)) {
    if (sp.invalid) continue;
    if (detect_write_misaligned(sp, gpa, bytes)) {
      kvm_mmu_prepare_zap_page(kvm, sp, 'misaligned');
      flush = true;
      continue;
    }
    if (detect_write_flooding(sp)) {
      kvm_mmu_prepare_zap_page(kvm, sp, 'flood');
      flush = true;
      continue;
    }
    // get_written_sptes
    let offset = gpa % 4096;
    let n = 1;
    if (sp.role & ROLE_HAS_4_BYTE_GPTE) {
      offset <<= 1;
      if (sp.level === 2) {
        // A 4 MiB PDE is two 2 MiB shadow PDEs.
        offset = (offset & ~7) << 1;
        n = 2;
      }
      const quadrant = offset >>> 12;
      offset &= 0xfff;
      if (quadrant !== (sp.role & ROLE_QUADRANT_MASK) >>> ROLE_QUADRANT_SHIFT) continue;
    }
    const first = offset >>> 3;
    for (let k = 0; k < n; k++) if (mmu_page_zap_pte(kvm, sp, first + k, 'pte_write')) flush = true;
  }
  if (flush) kvm.log.request(KVM_REQ_TLB_FLUSH);
}

// ---------------------------------------------------------------------------------------------
// Leaf SPTEs.
// ---------------------------------------------------------------------------------------------

/**
 * mmu_set_spte for a shadow leaf: an MMIO SPTE without a slot; else make_spte (W kept from an
 * old writable SPTE, without D; else W only when mmu_try_to_unsync_pages allows it), `map`
 * unless identical, `dirty` for any writable SPTE in a logged slot, and a remote flush when
 * the old SPTE pointed to another page or lost MMU-writable. Returns RET_PF_EMULATE (MMIO),
 * RET_PF_WRITE_PROTECTED (a write that could not get W), RET_PF_SPURIOUS or RET_PF_FIXED.
 */
export function mmu_set_spte(
  vcpu: KvmVcpu,
  sp: KvmMmuPage,
  i: number,
  pte_access: number,
  gfn: number,
  slot: Memslot | undefined,
  write_fault: boolean,
): number {
  const kvm = vcpu.kvm;
  const old_lo = sp.spte_lo![i];
  const old_hi = sp.spte_hi![i];
  let flush = false;
  if (slot === undefined) {
    if (is_shadow_present_pte(old_lo)) flush = true;
    mmu_spte_set(kvm, sp, i, MMIO_SPTE_LO, MMIO_SPTE_HI);
    sp.gfns![i] = gfn;
    sp.access![i] = pte_access;
    sp.mmio_gen![i] = kvm.memslots_gen;
    kvm.log.push({ type: 'mmio_spte', gfn });
    if (flush) kvm.log.request(KVM_REQ_TLB_FLUSH);
    return RET_PF_EMULATE;
  }
  const pfn = slot.hostBasePfn + (gfn - slot.baseGfn);
  if (is_shadow_present_pte(old_lo) && spte_to_pfn(old_lo, old_hi) !== pfn) {
    mmu_spte_clear(kvm, sp, i);
    flush = true;
  } else if (!is_shadow_present_pte(old_lo) && old_lo !== 0) {
    mmu_spte_clear(kvm, sp, i); // a stale MMIO SPTE
  }
  const host_writable = !slot.readonly;
  let access = host_writable ? pte_access : pte_access & ~ACC_WRITE_MASK;
  let wrprot = false;
  let dirty = true;
  if (access & ACC_WRITE_MASK) {
    const cur_lo = sp.spte_lo![i];
    if (is_shadow_present_pte(cur_lo) && is_writable_pte(cur_lo)) {
      dirty = false; // the pages are already unsync
    } else if (mmu_try_to_unsync_pages(kvm, gfn, false)) {
      wrprot = true;
      access &= ~ACC_WRITE_MASK;
    }
  }
  const out = kvm.spte_scratch;
  make_shadow_spte(access, pfn, host_writable, out, dirty);
  const lo = out[0];
  const hi = out[1];
  sp.gfns![i] = gfn;
  sp.access![i] = pte_access;
  let ret = RET_PF_FIXED;
  const cur_lo = sp.spte_lo![i];
  const cur_hi = sp.spte_hi![i];
  if (lo === cur_lo && hi === cur_hi) {
    ret = RET_PF_SPURIOUS;
  } else {
    if (spte_update_needs_flush(cur_lo, lo)) flush = true;
    const silent = is_shadow_present_pte(cur_lo) && same_reported_spte(cur_lo, cur_hi, lo, hi);
    mmu_spte_set(kvm, sp, i, lo, hi);
    // `map` reports the value without software bits: an MMU-writable-only change is silent.
    if (!silent) kvm.log.push({ type: 'map', gfn, level: PG_LEVEL_4K, spte: { lo: (lo & ~SHADOW_SPTE_SW_LO) >>> 0, hi } });
  }
  if (is_writable_pte(lo) && slot.dirtyLog) kvm.log.push({ type: 'dirty', gfn });
  if (flush) kvm.log.request(KVM_REQ_TLB_FLUSH);
  if (wrprot && write_fault) return RET_PF_WRITE_PROTECTED;
  return ret;
}

/** An MMIO SPTE of the current memslot generation (check_mmio_spte). */
export function is_current_mmio_spte(kvm: Kvm, sp: KvmMmuPage, i: number): boolean {
  return is_mmio_spte(sp.spte_lo![i], sp.spte_hi![i]) && sp.mmio_gen![i] === kvm.memslots_gen;
}

/** Whether gfn has any indirect shadow page (so a guest store may need to unsync or be tracked). */
export function gfn_is_shadowed(kvm: Kvm, gfn: number): boolean {
  return gfn_has_sps_with_gptes(kvm, gfn);
}

// ---------------------------------------------------------------------------------------------
// Shadow walks (for_each_shadow_entry).
// ---------------------------------------------------------------------------------------------

/**
 * The top shadow page a gva goes through under a root: the root page itself, or for the PAE
 * root page the quarter's level-2 root (null when absent); null for the dummy root.
 */
export function shadow_root_for(vcpu: KvmVcpu, root: KvmMmuRootInfo, lo: number): KvmMmuPage | null {
  const hpa = root.hpa;
  if (hpa === null) return null;
  if (hpa.kind === SP_PAE_ROOT) return vcpu.arch.mmu.pae_root[(lo >>> 30) & 3];
  if (hpa.kind === SP_DUMMY_ROOT) return null;
  return hpa;
}

/**
 * The slot checks of a shadow fault before building anything, shared by FNAME(page_fault) and
 * nonpaging_page_fault: a write to a read-only slot is emulated; page_fault_handle_page_track
 * emulates a write that hit a present, read-only SPTE of a write-tracked gfn at once (clearing
 * the flooding counts on the gva's path). A not-present one first maps the gfn read-only.
 * Returns RET_PF_EMULATE, or 0 to go on. fault.gfn and fault.slot are set.
 */
export function page_fault_handle_page_track(vcpu: KvmVcpu, fault: KvmPageFault): number {
  const slot = fault.slot;
  if (slot === undefined || !fault.write) return 0;
  if (slot.readonly) return RET_PF_EMULATE;
  if (fault.present && (fault.error_code & PFERR_RSVD) === 0 && kvm_gfn_is_write_tracked(vcpu.kvm, fault.gfn)) {
    shadow_page_table_clear_flood(vcpu, fault.addr, fault.addr_hi);
    return RET_PF_EMULATE;
  }
  return 0;
}

/** shadow_page_table_clear_flood: the pages on the gva's shadow path in the current root. */
export function shadow_page_table_clear_flood(vcpu: KvmVcpu, lo: number, hi: number): void {
  let sp = shadow_root_for(vcpu, vcpu.arch.mmu.root, lo);
  while (sp !== null) {
    clear_sp_write_flooding_count(sp);
    if (sp.children === null) break;
    sp = sp.children[shadow_index(sp.level, lo, hi)];
  }
}

/**
 * The level-1 page on the gva's shadow path in the current root, or null when the path ends
 * above level 1 (the hardware walk; no allocation). Also leaves in kvm.shadow_walk_guest_level
 * the level of the lowest indirect page on the path: a direct page (below a guest huge page)
 * is shared by guest pages of every size over its region, so only the path knows which guest
 * leaf level a hit translates through.
 */
export function shadow_leaf_table(vcpu: KvmVcpu, lo: number, hi: number): KvmMmuPage | null {
  let sp = shadow_root_for(vcpu, vcpu.arch.mmu.root, lo);
  let guest_level = 0;
  while (sp !== null) {
    if ((sp.role & ROLE_DIRECT) === 0) guest_level = sp.level;
    if (sp.children === null) break;
    sp = sp.children[shadow_index(sp.level, lo, hi)];
  }
  vcpu.kvm.shadow_walk_guest_level = guest_level;
  return sp;
}

/** The 64-bit hex of an SPTE given as halves (digests). */
export function hex64(lo: number, hi: number): string {
  if (hi === 0) return `0x${(lo >>> 0).toString(16)}`;
  return `0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

export { role_access };
