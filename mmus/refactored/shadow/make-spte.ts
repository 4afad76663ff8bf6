// make_spte for shadow paging (x86-format host tables, docs/model-contract-shadow.md "make_spte")
// and the small SPTE-slot operations every other file uses: install a leaf, link a child, drop an
// SPTE (drop_spte / drop_parent_pte) keeping the rmap and parent lists right. Models
// arch/x86/kvm/mmu/spte.c and the SPTE helpers of mmu.c.
import type { Memslot } from '../../memory/memslot.js';
import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../../x86/bits.js';
import { ACC_EXEC, ACC_USER, ACC_WRITE } from '../page-role.js';
import type { Vcpu } from '../vcpu.js';
import { rmapAdd, rmapRemove, type ShadowMmuState, type ShadowPage, SPTE_CHILD, SPTE_LEAF, SPTE_MMIO, SPTE_NONE } from './sp.js';
import { mmuTryToUnsyncPages } from './unsync.js';

const TWO_32 = 4294967296;
/** NX, bit 63 (the shadow root role forces efer_nx, so every SPTE may use it). */
export const SPTE_NX_HI = (1 << 31) >>> 0;

/** The low half of a leaf SPTE for hpa with ACC rights `access`; W when writable, D when dirty. */
export function makeSpteLo(hpa: number, access: number, writable: boolean, dirty = writable): number {
  let lo = PTE_P | PTE_A | ((hpa & 0xfffff000) >>> 0);
  if ((access & ACC_USER) !== 0) lo |= PTE_US;
  if (writable) lo |= PTE_RW;
  if (dirty) lo |= PTE_D;
  return lo >>> 0;
}

/** The high half: frame bits 51:32 and NX when the rights lack EXEC. */
export function makeSpteHi(hpa: number, access: number): number {
  const hi = Math.floor(hpa / TWO_32) & 0xfffff;
  return ((access & ACC_EXEC) !== 0 ? hi : hi | SPTE_NX_HI) >>> 0;
}

/** What make_spte produced (scratch, reused). */
export class NewSpte {
  lo = 0;
  hi = 0;
  writable = false;
}

/**
 * make_spte for the leaf slot (sp, index) mapping gfn with ACC rights `access` (already
 * clean-gpte protected). W needs WRITE and a writable slot; an old writable leaf of the same gfn
 * keeps W without any unsync step and without D (KVM's shortcut: its pages are already unsync);
 * otherwise mmu_try_to_unsync_pages decides (`synchronizing` for a sync rebuild).
 */
export function makeSpte(v: Vcpu, sp: ShadowPage, index: number, gfn: number, access: number, slot: Memslot, synchronizing: boolean, out: NewSpte): NewSpte {
  const hpa = v.mem.hpaOf(gfn * 4096);
  let writable = false;
  let dirty = false;
  if ((access & ACC_WRITE) !== 0 && !slot.readonly) {
    const oldW = sp.kind[index] === SPTE_LEAF && sp.gfns[index] === gfn && (sp.spteLo[index] & PTE_RW) !== 0;
    if (oldW) writable = true;
    else dirty = writable = mmuTryToUnsyncPages(v, gfn, synchronizing);
  }
  out.lo = makeSpteLo(hpa, access, writable, dirty);
  out.hi = makeSpteHi(hpa, access);
  out.writable = writable;
  return out;
}

export function isWritableSpte(sp: ShadowPage, index: number): boolean {
  return sp.kind[index] === SPTE_LEAF && (sp.spteLo[index] & PTE_RW) !== 0;
}

/** Writes a leaf SPTE into an empty (or same-gfn leaf) slot and records its translation. */
export function setLeaf(
  st: ShadowMmuState,
  sp: ShadowPage,
  index: number,
  gfn: number,
  lo: number,
  hi: number,
  access: number,
  mmuWritable: boolean,
): void {
  if (sp.kind[index] !== SPTE_LEAF) rmapAdd(st, gfn, sp, index);
  sp.mmuWritable[index] = mmuWritable ? 1 : 0;
  sp.kind[index] = SPTE_LEAF;
  sp.spteLo[index] = lo;
  sp.spteHi[index] = hi;
  sp.gfns[index] = gfn;
  sp.access[index] = access;
}

/**
 * mark_mmio_spte: an MMIO SPTE for gfn stamped with the current memslot generation and the
 * rights it was made with. Returns whether a present SPTE had to be dropped (the caller flushes).
 */
export function setMmio(st: ShadowMmuState, sp: ShadowPage, index: number, gfn: number, access: number): boolean {
  const dropped = sp.kind[index] !== SPTE_NONE && dropSpte(st, sp, index);
  sp.kind[index] = SPTE_MMIO;
  sp.gfns[index] = gfn;
  sp.access[index] = access;
  sp.mmioGen[index] = st.memslotGeneration;
  return dropped;
}

/** link_shadow_page: the non-leaf SPTE at index now points at child. */
export function linkChild(sp: ShadowPage, index: number, child: ShadowPage): void {
  sp.kind[index] = SPTE_CHILD;
  sp.child[index] = child;
  child.parents.push({ sp, index });
}

/**
 * drop_spte / drop_parent_pte: empties the slot (a leaf leaves the rmap, a child loses this
 * parent but stays in the hash). Returns whether the SPTE was shadow-present (MMIO SPTEs are not).
 */
export function dropSpte(st: ShadowMmuState, sp: ShadowPage, index: number): boolean {
  const kind = sp.kind[index];
  if (kind === SPTE_LEAF) {
    rmapRemove(st, sp.gfns[index], sp, index);
  } else if (kind === SPTE_CHILD) {
    const child = sp.child[index]!;
    const i = child.parents.findIndex((p) => p.sp === sp && p.index === index);
    if (i >= 0) child.parents.splice(i, 1);
    sp.child[index] = null;
  }
  sp.kind[index] = SPTE_NONE;
  sp.mmuWritable[index] = 0;
  sp.spteLo[index] = 0;
  sp.spteHi[index] = 0;
  return kind === SPTE_LEAF || kind === SPTE_CHILD;
}

/**
 * The gfn an SPTE names in a `zap` event: the mapped gfn of a leaf or MMIO SPTE, the child
 * page's gfn for a non-leaf one.
 */
export function spteEventGfn(sp: ShadowPage, index: number): number {
  return sp.kind[index] === SPTE_CHILD ? sp.child[index]!.gfn : sp.gfns[index];
}
