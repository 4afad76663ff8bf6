// Synchronizing unsync shadow pages with the guest (§7.5): FNAME(sync_spte), kvm_sync_page,
// mmu_sync_children, kvm_mmu_sync_roots / kvm_mmu_sync_prev_roots and the per-root part of
// kvm_mmu_invalidate_addr (the INVLPG sync). Models arch/x86/kvm/mmu/mmu.c and paging_tmpl.h.
import { NOT_BACKED } from '../../memory/guest-memory.js';
import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../../x86/bits.js';
import { ACC_EXEC, ACC_READ, ACC_WRITE, ROLE_DIRECT } from '../page-role.js';
import { rsvdIndex } from '../page-format.js';
import type { Vcpu } from '../vcpu.js';
import { dropSpte, makeSpte, NewSpte, spteEventGfn } from './make-spte.js';
import { freeRoot, ROOT_PAE, ROOT_SP, rootTopSp, type ShadowRoot } from './roots.js';
import { commonRole, roleAccess, roleHas4ByteGpte, roleQuadrant, type ShadowPage, SPTE_CHILD, SPTE_ENTRIES, SPTE_LEAF, SPTE_MMIO, SPTE_NONE, spteIndex } from './sp.js';
import { writeProtectGfn } from './wrprot.js';
import { collectUnsync, hasUnsync, zapSp } from './zap.js';

const TWO_32 = 4294967296;
const newSpte = new NewSpte();

/** The ACC rights a gpte grants (READ for P, W, U, EXEC unless NX). */
export function gpteAccess(lo: number, hi: number, wide: boolean): number {
  let acc = ACC_READ | (lo & (PTE_RW | PTE_US));
  if (!wide || hi >>> 31 === 0) acc |= ACC_EXEC;
  return acc;
}

/** Drops an SPTE found stale by a sync: `zap` with reason sync. */
function dropForSync(v: Vcpu, sp: ShadowPage, index: number): void {
  v.events.push({ type: 'zap', gfn: spteEventGfn(sp, index), level: sp.level, role: commonRole(sp.role), reason: 'sync' });
  dropSpte(v.shadow, sp, index);
}

/**
 * FNAME(sync_spte): re-derives SPTE index of a level-1 page from its gpte. Returns -1 when the
 * gpte cannot be read, 1 when a flush is needed (a present SPTE dropped, or MMU-writable taken
 * away), else 0.
 */
export function syncSpte(v: Vcpu, sp: ShadowPage, index: number): number {
  const kind = sp.kind[index];
  if (kind === SPTE_NONE || kind === SPTE_CHILD) return 0;
  const has4 = roleHas4ByteGpte(sp.role);
  const size = has4 ? 4 : 8;
  // A 4-byte-gpte PT is shadowed in two halves; the quadrant says which one this page is.
  const gpa = sp.gfn * 4096 + (has4 ? roleQuadrant(sp.role) * 2048 : 0) + index * size;
  const lo = v.mem.read32(gpa);
  if (lo === NOT_BACKED) return -1;
  const hi = has4 ? 0 : v.mem.read32(gpa + 4);
  // prefetch_invalid_gpte: not present, never accessed, or reserved bits (level-1 masks). The
  // flush is requested even for an MMIO SPTE.
  const fmt = v.gvaWalk.fmt;
  const ri = rsvdIndex((lo >>> 7) & 1, 1);
  if ((lo & PTE_P) === 0 || (lo & PTE_A) === 0 || ((lo & fmt.rsvdLo[ri]) | (hi & fmt.rsvdHi[ri])) !== 0) {
    dropForSync(v, sp, index);
    return 1;
  }
  const gfn = ((has4 ? 0 : hi & 0xfffff) * TWO_32 + ((lo & 0xfffff000) >>> 0)) / 4096;
  let access = roleAccess(sp.role) & gpteAccess(lo, hi, !has4);
  // protect_clean_gpte: a clean gpte maps read-only so the first write sets D.
  if ((lo & PTE_D) === 0) access &= ~ACC_WRITE;
  if (kind === SPTE_MMIO) {
    // sync_mmio_spte: another gfn drops it (it was never present: no flush); the same gfn is
    // re-stamped with the current generation and the new rights.
    if (gfn !== sp.gfns[index]) {
      dropForSync(v, sp, index);
      return 0;
    }
    sp.access[index] = access;
    sp.mmioGen[index] = v.shadow.memslotGeneration;
    return 0;
  }
  if (gfn !== sp.gfns[index]) {
    dropForSync(v, sp, index);
    return 1;
  }
  if (sp.access[index] === access) return 0;
  sp.access[index] = access;
  const slot = v.mem.findSlot(gfn);
  if (slot === undefined) return 0;
  const oldLo = sp.spteLo[index];
  const oldHi = sp.spteHi[index];
  const oldMmuWritable = sp.mmuWritable[index] !== 0;
  // make_spte as a sync (`synchronizing`): it never unsyncs pages of the gfn.
  const n = makeSpte(v, sp, index, gfn, access, slot, !v.bug.syncSpteMakesWritable, newSpte);
  sp.spteLo[index] = n.lo;
  sp.spteHi[index] = n.hi;
  sp.mmuWritable[index] = n.writable ? 1 : 0;
  if (n.lo !== oldLo || n.hi !== oldHi) v.events.push({ type: 'map', gfn, level: 1, spte: { lo: n.lo, hi: n.hi } });
  return oldMmuWritable && !n.writable ? 1 : 0;
}

/** __kvm_sync_page: every present SPTE in ascending index. -1 = unreadable gptes, 1 = flush. */
function syncPage(v: Vcpu, sp: ShadowPage): number {
  let flush = 0;
  let failed = false;
  for (let i = 0; i < SPTE_ENTRIES; i++) {
    if (sp.kind[i] === SPTE_NONE) continue;
    const r = syncSpte(v, sp, i);
    if (r < 0) failed = true;
    else flush |= r;
  }
  return failed ? -1 : flush;
}

/**
 * kvm_sync_page for an unsync page found by a hash lookup: re-derives its SPTEs but leaves it
 * unsync and its gfn writable (unlike mmu_sync_children). Returns false when it was zapped.
 */
export function kvmSyncPage(v: Vcpu, sp: ShadowPage): boolean {
  v.events.push({ type: 'sync', gfn: sp.gfn, role: commonRole(sp.role) });
  const r = syncPage(v, sp);
  if (r < 0) {
    zapSp(v, sp, 'sync');
    v.events.requestFlush('remote');
    return false;
  }
  if (r > 0) v.events.requestFlush('remote');
  return true;
}

/**
 * mmu_sync_children (one batch): write-protect the gfn of every unsync page below parent, one
 * flush for them all, then mark each synced and sync it.
 */
export function mmuSyncChildren(v: Vcpu, parent: ShadowPage): void {
  if (v.shadow.unsyncCount === 0) return;
  const pages = collectUnsync(parent);
  let wrprot = 0;
  for (const sp of pages) wrprot += writeProtectGfn(v, sp.gfn);
  if (wrprot > 0) v.events.requestFlush('remote');
  for (const sp of pages) {
    if (sp.invalid || !sp.unsync) continue;
    sp.unsync = false;
    v.shadow.unsyncCount--;
    v.events.push({ type: 'sync', gfn: sp.gfn, role: commonRole(sp.role) });
    const r = syncPage(v, sp);
    if (r < 0) zapSp(v, sp, 'sync');
    if (r !== 0) v.events.requestFlush('remote');
  }
}

/** kvm_mmu_sync_roots: the current root(s) that have unsync pages below them. */
export function kvmMmuSyncRoots(v: Vcpu): void {
  const mmu = v.mmu;
  if ((mmu.rootRole & ROLE_DIRECT) !== 0 || v.shadow.unsyncCount === 0) return;
  const r = mmu.shadowRoot;
  if (r.kind === ROOT_SP) {
    if (hasUnsync(v, r.sp!)) mmuSyncChildren(v, r.sp!);
  } else if (r.kind === ROOT_PAE) {
    for (const sp of r.pae) if (sp !== null && !sp.invalid) mmuSyncChildren(v, sp);
  }
}

/** kvm_mmu_sync_prev_roots: a cached root with unsync pages below it is simply freed. */
export function kvmMmuSyncPrevRoots(v: Vcpu): void {
  for (const r of v.mmu.shadowPrevRoots) if (r.kind === ROOT_SP && hasUnsync(v, r.sp!)) freeRoot(r);
}

/**
 * The shadow part of kvm_mmu_invalidate_addr for one root: along the gva's shadow path, each
 * unsync page re-syncs the one SPTE on the path (`map` if rebuilt, `zap` if dropped).
 */
export function invalidateAddrInRoot(v: Vcpu, root: ShadowRoot, gvaLo: number, gvaHi: number): void {
  let sp = rootTopSp(root, gvaLo);
  while (sp !== null && !sp.invalid) {
    const index = spteIndex(gvaLo, gvaHi, sp.level);
    if (sp.unsync && (sp.kind[index] === SPTE_LEAF || sp.kind[index] === SPTE_MMIO)) {
      const r = syncSpte(v, sp, index);
      if (r < 0) dropForSync(v, sp, index);
      if (r !== 0) v.events.requestFlush('remote');
    }
    if (sp.kind[index] !== SPTE_CHILD) return;
    sp = sp.child[index];
  }
}
