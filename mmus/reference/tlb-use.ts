// How a guest access fills and uses the architectural TLB (SDM 4.10.2.2-4.10.2.4): a successful
// translation is cached with its rights; a cached entry may later serve an access in place of a
// walk, with the control-register checks of SDM 4.6 applied to the cached rights at that moment.
import type { MmuEvent, Observation, Outcome } from '../backend.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { CR3_PCID_MASK, CR4_PCIDE, CR4_PGE, EFER_NXE, PAGE_SIZE, PTE_D, PTE_G } from '../x86/bits.js';
import { accessFault, KIND_WRITE, type Kind } from './access-rights.js';
import type { Registers } from './registers.js';
import { RIGHT_USER, RIGHT_WRITE, RIGHT_XD, type Tlb, type TlbEntry } from './tlb.js';
import type { Walk } from './translate.js';

/** Bits 56:32 of a linear address: the outer TLB key (bits above 56 are a sign extension). */
export function pageHi(gvaHi: number): number {
  return gvaHi & 0x01ffffff;
}

/** Bits 31:12 of a linear address: the inner TLB key. */
export function pageLo(gvaLo: number): number {
  return gvaLo >>> 12;
}

/** The current PCID (SDM 4.10.1): CR3[11:0] with CR4.PCIDE = 1, else 000H. */
export function currentPcid(r: Registers): number {
  return (r.cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0;
}

/** 4 KiB pages covered by a leaf at `level`; a 32-bit-paging large page is 4 MiB. */
function spanOf(level: number, gpteSize: number): number {
  if (level === 1) return 1;
  if (level === 2) return gpteSize === 4 ? 1024 : 512;
  return 262144;
}

/**
 * Caches the translation of a successful walk (SDM 4.10.2.3: only translations whose entries
 * are present, free of reserved bits and accessed; the walk has just set A). D is the leaf's D
 * after this access: set by a write, else as the walk read it. `cached` = tlb.lookup of the page
 * made by this access before the walk (nothing may invalidate in between).
 */
export function fillFromWalk(
  tlb: Tlb, cached: TlbEntry[] | undefined, r: Registers, w: Walk, gvaLo: number, gvaHi: number, write: boolean,
): void {
  const global = (w.leafLo & PTE_G) !== 0 && (r.cr4 & CR4_PGE) !== 0;
  const dirty = write || (w.leafLo & PTE_D) !== 0;
  tlb.fill(pageHi(gvaHi), pageLo(gvaLo), cached, currentPcid(r), global, w.gpa - (gvaLo & 0xfff), w.level,
    spanOf(w.level, w.gpteSize), rightsOf(w), w.pkey, dirty);
}

/** The RIGHT_* bits of a walk that reached its leaf. */
function rightsOf(w: Walk): number {
  return (w.userPage ? RIGHT_USER : 0) | (w.writable ? RIGHT_WRITE : 0) | (w.executable ? 0 : RIGHT_XD);
}

/**
 * The outcomes that the cached entries for this page allow besides `primary` (the fresh walk):
 * an entry of the current PCID, or a global one, whose rights permit the access under the current
 * CR0.WP, CR4.SMEP/SMAP/PKE, RFLAGS.AC, EFER.NXE and PKRU, and which is dirty if this is a write,
 * gives ok (or mmio, by the memslots of now) at its frame and level with no A/D write. Returns
 * undefined when no entry gives anything new (the common case, allocation-free). `rightsFault`:
 * the walk reached its leaf and failed on rights (w holds that translation and its rights).
 */
export function cachedAlternatives(
  entries: readonly TlbEntry[], r: Registers, mem: GuestMemory, mmioGfns: ReadonlySet<number>, kind: Kind, user: boolean, implicit: boolean,
  gvaLo: number, primary: Observation, w: Walk, rightsFault: boolean, none: readonly MmuEvent[],
): Observation[] | undefined {
  const offset = gvaLo & 0xfff;
  // An entry translating like the walk, when the walk wrote no A/D, can only repeat the primary
  // (same gpa, so same memslot verdict): skipped before any rights or memslot work.
  const translated = primary.outcome !== 'page_fault' && primary.events.length === 0;
  // Likewise an entry equal to what the walk found (frame, level, rights, key) fails the same
  // rights check the walk failed, under the same controls.
  const walkRights = rightsFault ? rightsOf(w) : -1;
  const write = kind === KIND_WRITE;
  let out: Observation[] | undefined;
  for (const e of entries) {
    if (translated && e.frame + offset === primary.gpa && e.level === primary.level) continue;
    if (e.rights === walkRights && e.pkey === w.pkey && e.frame + offset === w.gpa && e.level === w.level) continue;
    if (!e.global && e.pcid !== currentPcid(r)) continue;
    const gpa = e.frame + offset;
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const slot = mem.findSlot(gfn);
    // SDM 4.8: a write must set D in the leaf, which an entry cached with D = 0 cannot do alone —
    // except towards a gpa outside every memslot, or one an access found outside every memslot
    // before (ledger: KVM emulates a write from its MMIO SPTE without walking, so D stays clear).
    if (write && !e.dirty && slot !== undefined && !mmioGfns.has(gfn)) continue;
    // XD is cached as seen with the NXE of fill time and counts only while NXE = 1 (SDM 4.6).
    const executable = (r.efer & EFER_NXE) === 0 || (e.rights & RIGHT_XD) === 0;
    const userPage = (e.rights & RIGHT_USER) !== 0;
    const writable = (e.rights & RIGHT_WRITE) !== 0;
    if (accessFault(r, kind, user, implicit, userPage, writable, executable, e.pkey) !== 0) continue;
    const outcome: Outcome = slot === undefined || (write && slot.readonly) ? 'mmio' : 'ok';
    if (out !== undefined && isListed(out, outcome, gpa, e.level)) continue;
    (out ??= []).push({ outcome, gpa, level: e.level, events: none });
  }
  return out;
}

function isListed(list: readonly Observation[], outcome: Outcome, gpa: number, level: number): boolean {
  for (const o of list) if (o.outcome === outcome && o.gpa === gpa && o.level === level) return true;
  return false;
}
