// struct kvm_mmu_page and the VM-wide shadow-page bookkeeping of the Shadow MMU: the page hash
// (gfn -> pages, matched by role), the reverse map of leaf SPTEs by gfn, write tracking of
// gfns shadowed at level >= 2 and the memslot generation. Models arch/x86/kvm/mmu/shadow_mmu.c
// (mmu_page_hash, rmap, account_shadowed) and mmu_internal.h in the kvm-chainsaw tree.
import { ROLE_ACCESS_SHIFT, ROLE_CR4_SMEP, ROLE_DIRECT, ROLE_HAS_4_BYTE_GPTE, ROLE_INVALID, ROLE_IS_MIRROR, ROLE_LEVEL_MASK, ROLE_QUADRANT_SHIFT } from '../page-role.js';

/** SPTEs per shadow page (8-byte entries, 4 KiB tables). */
export const SPTE_ENTRIES = 512;

// What one SPTE slot holds.
export const SPTE_NONE = 0;
/** A non-leaf SPTE linking a child shadow page. */
export const SPTE_CHILD = 1;
/** A leaf SPTE mapping a host page. */
export const SPTE_LEAF = 2;
/** An MMIO SPTE (reserved-bit pattern carrying gfn and memslot generation). */
export const SPTE_MMIO = 3;

/** A parent SPTE pointing at a page (sp->parent_ptes). */
export interface ParentLink {
  readonly sp: ShadowPage;
  readonly index: number;
}

/** Bytes of one page's per-SPTE arrays, carved from a single buffer (one allocation per page). */
const SPTE_BYTES = SPTE_ENTRIES * (8 + 8 + 4 + 4 + 1 + 1 + 1);
/** Level-1 pages link no children: they share this (frozen, so a write would throw). */
const NO_CHILDREN: (ShadowPage | null)[] = Object.freeze(new Array<ShadowPage | null>(SPTE_ENTRIES).fill(null)) as (ShadowPage | null)[];

/** struct kvm_mmu_page: one shadow page table, keyed by (gfn, role). */
export class ShadowPage {
  /** Zapped: gone from the hash; a root still referencing it is freed by the service step. */
  invalid = false;
  unsync = false;
  writeFloodingCount = 0;
  readonly kind: Uint8Array;
  /** Non-leaf SPTEs: the linked child pages (only pages above level 1 have any). */
  readonly child: (ShadowPage | null)[];
  /** Leaf SPTE value (architectural bits only). */
  readonly spteLo: Uint32Array;
  readonly spteHi: Uint32Array;
  /** Leaf: KVM's software MMU-writable bit (W granted by the MMU; kept when dirty logging clears W). */
  readonly mmuWritable: Uint8Array;
  /** Leaf / MMIO: the gfn mapped (kvm_mmu_page_get_gfn). */
  readonly gfns: Float64Array;
  /** Leaf / MMIO: the ACC rights the SPTE was made from (shadowed_translation access). */
  readonly access: Uint8Array;
  /** MMIO: the memslot generation stamped into the SPTE. */
  readonly mmioGen: Float64Array;
  readonly parents: ParentLink[] = [];

  constructor(
    readonly gfn: number,
    readonly role: number,
  ) {
    // Shadow pages are made by the thousand per campaign second: one buffer, views into it.
    const buf = new ArrayBuffer(SPTE_BYTES);
    const n = SPTE_ENTRIES;
    this.gfns = new Float64Array(buf, 0, n);
    this.mmioGen = new Float64Array(buf, 8 * n, n);
    this.spteLo = new Uint32Array(buf, 16 * n, n);
    this.spteHi = new Uint32Array(buf, 20 * n, n);
    this.kind = new Uint8Array(buf, 24 * n, n);
    this.mmuWritable = new Uint8Array(buf, 25 * n, n);
    this.access = new Uint8Array(buf, 26 * n, n);
    this.child = (role & ROLE_LEVEL_MASK) > 1 ? new Array<ShadowPage | null>(n).fill(null) : NO_CHILDREN;
  }

  get level(): number {
    return this.role & ROLE_LEVEL_MASK;
  }

  get direct(): boolean {
    return (this.role & ROLE_DIRECT) !== 0;
  }

  /** sp_has_gptes: an indirect page shadows a guest table. */
  get hasGptes(): boolean {
    return (this.role & ROLE_DIRECT) === 0;
  }
}

/** A leaf SPTE by location (an rmap entry). */
export interface SpteRef {
  readonly sp: ShadowPage;
  readonly index: number;
}

/** VM-wide Shadow MMU state (the shadow half of kvm->arch). */
export class ShadowMmuState {
  /** mmu_page_hash: valid pages by gfn. */
  readonly hash = new Map<number, ShadowPage[]>();
  /** rmap: leaf SPTEs by the gfn they map. */
  readonly rmap = new Map<number, SpteRef[]>();
  /** gfn_write_track: number of level >= 2 indirect pages shadowing the gfn. */
  readonly writeTrack = new Map<number, number>();
  /** The memslot generation (bumped by every memslot change); MMIO SPTEs carry it. */
  memslotGeneration = 0;
  /** Pages with unsync = 1 (lets syncs skip the tree walk when none exist). */
  unsyncCount = 0;
}

/**
 * The role as events and the digest carry it (docs/model-contract-shadow.md, common layout):
 * kvm-chainsaw positions without cr4_smep (bit 20), invalid and is_mirror.
 */
export function commonRole(role: number): number {
  return (role & ~(ROLE_CR4_SMEP | ROLE_INVALID | ROLE_IS_MIRROR)) >>> 0;
}

export function roleQuadrant(role: number): number {
  return (role >>> ROLE_QUADRANT_SHIFT) & 3;
}

export function roleAccess(role: number): number {
  return (role >>> ROLE_ACCESS_SHIFT) & 0xf;
}

export function roleHas4ByteGpte(role: number): boolean {
  return (role & ROLE_HAS_4_BYTE_GPTE) !== 0;
}

/** Ascending (gfn, level, role): the order the contract fixes for batches of pages. */
export function compareSp(a: ShadowPage, b: ShadowPage): number {
  return a.gfn - b.gfn || a.level - b.level || commonRole(a.role) - commonRole(b.role) || a.role - b.role;
}

/** Every valid page, ascending (gfn, level, role). */
export function allSps(st: ShadowMmuState): ShadowPage[] {
  const out: ShadowPage[] = [];
  for (const list of st.hash.values()) for (const sp of list) out.push(sp);
  return out.sort(compareSp);
}

/** for_each_gfn_valid_sp_with_gptes: the indirect pages shadowing gfn, ascending (level, role). */
export function spsWithGptes(st: ShadowMmuState, gfn: number): ShadowPage[] {
  const list = st.hash.get(gfn);
  if (list === undefined) return [];
  return list.filter((sp) => sp.hasGptes).sort(compareSp);
}

/** kvm_gfn_is_write_tracked. */
export function isWriteTracked(st: ShadowMmuState, gfn: number): boolean {
  return (st.writeTrack.get(gfn) ?? 0) > 0;
}

export function hashAdd(st: ShadowMmuState, sp: ShadowPage): void {
  const list = st.hash.get(sp.gfn);
  if (list === undefined) st.hash.set(sp.gfn, [sp]);
  else list.push(sp);
}

export function hashRemove(st: ShadowMmuState, sp: ShadowPage): void {
  const list = st.hash.get(sp.gfn);
  if (list === undefined) return;
  const i = list.indexOf(sp);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) st.hash.delete(sp.gfn);
}

export function rmapAdd(st: ShadowMmuState, gfn: number, sp: ShadowPage, index: number): void {
  const list = st.rmap.get(gfn);
  if (list === undefined) st.rmap.set(gfn, [{ sp, index }]);
  else list.push({ sp, index });
}

export function rmapRemove(st: ShadowMmuState, gfn: number, sp: ShadowPage, index: number): void {
  const list = st.rmap.get(gfn);
  if (list === undefined) return;
  const i = list.findIndex((r) => r.sp === sp && r.index === index);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) st.rmap.delete(gfn);
}

/** SPTE_INDEX: the 9-bit index of a linear address (lo/hi halves) in a shadow table of level. */
export function spteIndex(gvaLo: number, gvaHi: number, level: number): number {
  switch (level) {
    case 1:
      return (gvaLo >>> 12) & 511;
    case 2:
      return (gvaLo >>> 21) & 511;
    case 3:
      return ((gvaLo >>> 30) | (gvaHi << 2)) & 511;
    case 4:
      return (gvaHi >>> 7) & 511;
    default:
      return (gvaHi >>> 16) & 511;
  }
}
