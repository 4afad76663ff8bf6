// The TDP MMU (§8) as this scope sees it: per-role roots of direct leaf SPTEs (host pages are
// 4 KiB, so every leaf is level 1), kvm_tdp_page_fault with its fast path, gfn-range zaps and
// dirty-log write protection. Models arch/x86/kvm/mmu/tdp_mmu.c and make_spte in spte.c.
import type { MmuEvent } from '../backend.js';
import type { Memslot } from '../memory/memslot.js';
import { EPT_A, EPT_D, EPT_IPAT, EPT_MT_SHIFT, EPT_MT_WB, EPT_R, EPT_SVE_HI, EPT_W, EPT_X, PAGE_SIZE, PFERR_FETCH, PFERR_USER, PFERR_WRITE, PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../x86/bits.js';
import { ACC_EXEC, ACC_READ, ACC_USER, ACC_WRITE, roleWithLevel } from './page-role.js';
import type { Vcpu } from './vcpu.js';

const TWO_32 = 4294967296;

/** One leaf SPTE (KVM software bits kept apart from the architectural value). */
export class Spte {
  constructor(
    public lo: number,
    public hi: number,
    /** Currently writable (W set). */
    public writable: boolean,
    /** "MMU-writable": W may be restored by the fast path (lost only to dirty logging). */
    public mmuWritable: boolean,
  ) {}
}

/** A TDP root: the leaves reachable from it, by gfn. */
export class TdpRoot {
  readonly sptes = new Map<number, Spte>();
  constructor(readonly role: number) {}
}

/** VM-wide TDP MMU state (kvm->arch.tdp_mmu_roots). */
export class TdpMmu {
  readonly roots: TdpRoot[] = [];

  /** kvm_tdp_mmu_get_vcpu_root_hpa: the root for role, created on first use. */
  getRoot(role: number): TdpRoot {
    for (const r of this.roots) if (r.role === role) return r;
    const r = new TdpRoot(role);
    this.roots.push(r);
    return r;
  }
}

/** make_spte for a TDP leaf (ACC_ALL): the architectural SPTE value for hpa. */
function makeSpte(v: Vcpu, hpa: number, writable: boolean, out: Spte): void {
  const frameLo = (hpa & 0xfffff000) >>> 0;
  const frameHi = Math.floor(hpa / TWO_32) & 0xfffff;
  let lo: number;
  let hi = frameHi;
  if (v.intel) {
    lo = EPT_R | EPT_X | (EPT_MT_WB << EPT_MT_SHIFT) | EPT_IPAT;
    if (writable) lo |= EPT_W;
    if (v.eptAd) lo |= EPT_A | (writable ? EPT_D : 0);
    hi |= EPT_SVE_HI;
  } else {
    lo = PTE_P | PTE_US | PTE_A;
    if (writable) lo |= PTE_RW | PTE_D;
  }
  out.lo = (lo | frameLo) >>> 0;
  out.hi = hi >>> 0;
  out.writable = writable;
}

/** ACC rights of a TDP leaf, for the SPTE permission table (mmu->fmt.permissions). */
function spteAccess(v: Vcpu, s: Spte): number {
  let acc = ACC_READ | ACC_EXEC;
  if (s.writable) acc |= ACC_WRITE;
  if (!v.intel) acc |= ACC_USER;
  return acc;
}

/**
 * kvm_tdp_page_fault for an access to gpa (in a writable-enough memslot): spurious when the
 * existing leaf permits the access, W restored (fast path) when dirty logging had removed it,
 * else a new leaf is installed (`map`, then `dirty` for a writable leaf in a logged slot). A
 * restored W is logged only if the slot still logs dirty pages.
 */
export function kvmTdpPageFault(v: Vcpu, gpa: number, pfec: number, slot: Memslot): void {
  const mmu = v.mmu;
  if (mmu.root === null) mmu.root = v.tdp.getRoot(mmu.rootRole);
  const root = mmu.root;
  const gfn = Math.floor(gpa / PAGE_SIZE);
  const write = (pfec & PFERR_WRITE) !== 0;
  const existing = root.sptes.get(gfn);
  if (existing !== undefined) {
    // NPT faults are user accesses; EPT violations carry no U.
    const tdpPfec = (pfec & (PFERR_WRITE | PFERR_FETCH)) | (v.intel ? 0 : PFERR_USER);
    if (((mmu.fmt.permissions[tdpPfec >>> 1] >>> spteAccess(v, existing)) & 1) === 0) return;
    if (write && existing.mmuWritable && !existing.writable) {
      existing.writable = true;
      existing.lo = (existing.lo | (v.intel ? EPT_W : PTE_RW)) >>> 0;
      if (slot.dirtyLog) v.events.push({ type: 'dirty', gfn });
    }
    return;
  }
  // Writable whenever the slot is, whatever the fault kind: make_spte logs a writable SPTE's gfn
  // at once, so dirty logging has no reason to map read and fetch faults read-only.
  const writable = !slot.readonly;
  const spte = new Spte(0, 0, false, writable);
  makeSpte(v, v.mem.hpaOf(gfn * PAGE_SIZE), writable, spte);
  root.sptes.set(gfn, spte);
  v.events.push({ type: 'map', gfn, level: 1, spte: { lo: spte.lo, hi: spte.hi } });
  if (writable && slot.dirtyLog) v.events.push({ type: 'dirty', gfn });
}

/** The gfns of root's leaves in [start, end), ascending. */
function leavesInRange(root: TdpRoot, start: number, end: number): number[] {
  const gfns: number[] = [];
  for (const gfn of root.sptes.keys()) if (gfn >= start && gfn < end) gfns.push(gfn);
  return gfns.sort((a, b) => a - b);
}

/**
 * kvm_zap_gfn_range over every root: drops the leaves in [start, end) with a `zap` event each
 * (the role of the level-1 page holding them). Returns how many were zapped; the caller flushes.
 */
export function kvmZapGfnRange(v: Vcpu, start: number, end: number): number {
  let zapped = 0;
  for (const root of v.tdp.roots) {
    const pageRole = roleWithLevel(root.role, 1);
    for (const gfn of leavesInRange(root, start, end)) {
      root.sptes.delete(gfn);
      const e: MmuEvent = { type: 'zap', gfn, level: 1, role: pageRole, reason: 'memslot' };
      v.events.push(e);
      zapped++;
    }
  }
  return zapped;
}

/** kvm_mmu_slot_remove_write_access: clears W of every writable leaf of the slot. */
export function kvmSlotRemoveWrite(v: Vcpu, slot: Memslot): number {
  let count = 0;
  for (const root of v.tdp.roots) {
    for (const gfn of leavesInRange(root, slot.baseGfn, slot.endGfn)) {
      const s = root.sptes.get(gfn)!;
      if (!s.writable) continue;
      s.writable = false;
      s.lo = (s.lo & ~(v.intel ? EPT_W : PTE_RW)) >>> 0;
      v.events.push({ type: 'wrprot', gfn, level: 1 });
      count++;
    }
  }
  return count;
}
