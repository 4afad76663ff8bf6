// A guest access under shadow paging (docs/model-contract-shadow.md "access"): first the
// hardware walk of the shadow tables (no KVM involvement when the leaf allows the access), then
// KVM's shadow page fault — MMIO SPTE check, the gva_walk guest walk, MMIO / read-only /
// write-tracked cases, the CR0.WP=0 trick, fetch and the leaf SPTE. Models FNAME(page_fault)
// in arch/x86/kvm/mmu/paging_tmpl.h, mmu_set_spte / make_spte and handle_mmio_page_fault.
import type { Observation, U64 } from '../../backend.js';
import type { Memslot } from '../../memory/memslot.js';
import { CR0_PG, CR4_PAE, CR4_SMAP, CR4_SMEP, PFERR_FETCH, PFERR_USER, PFERR_WRITE, PTE_D, PTE_RW, PTE_US, RFLAGS_AC } from '../../x86/bits.js';
import { kvmInjectEmulatedPageFault } from '../inject.js';
import { ACC_ALL, ACC_EXEC, ACC_READ, ACC_USER, ACC_WRITE, ROLE_CR4_SMEP } from '../page-role.js';
import { ACCESS_IMPLICIT, permissionFault } from '../permission.js';
import type { Vcpu } from '../vcpu.js';
import { walkAddrGeneric } from '../walk.js';
import { clearFloodOnPath, FetchResult, shadowFetch } from './fetch.js';
import { dropSpte, makeSpte, NewSpte, setLeaf, setMmio, SPTE_NX_HI } from './make-spte.js';
import { rootTopSp } from './roots.js';
import { kvmMmuReload } from './service.js';
import { isWriteTracked, type ShadowPage, SPTE_CHILD, SPTE_LEAF, SPTE_MMIO, spteIndex } from './sp.js';
import { kvmMmuTrackWrite } from './track-write.js';

const TWO_32 = 4294967296;
const fetched = new FetchResult();
const newSpte = new NewSpte();

/**
 * The processor's check of a leaf SPTE (host CR0.WP = 1; the guest's SMEP, SMAP and RFLAGS.AC
 * while guest paging is on). `access` is the PFERR-style code with ACCESS_IMPLICIT.
 */
function hardwareAllows(v: Vcpu, lo: number, hi: number, access: number): boolean {
  if ((access & PFERR_WRITE) !== 0 && (lo & PTE_RW) === 0) return false;
  const user = (access & PFERR_USER) !== 0;
  if (user && (lo & PTE_US) === 0) return false;
  const fetch = (access & PFERR_FETCH) !== 0;
  if (fetch && (hi & SPTE_NX_HI) !== 0) return false;
  if (user || (lo & PTE_US) === 0 || (v.cr0 & CR0_PG) === 0) return true;
  if (fetch) return (v.cr4 & CR4_SMEP) === 0;
  // SMAP: RFLAGS.AC lifts it for explicit accesses only.
  return (v.cr4 & CR4_SMAP) === 0 || ((access & ACCESS_IMPLICIT) === 0 && (v.rflags & RFLAGS_AC) !== 0);
}

/**
 * handle_mmio_page_fault + the emulator's permission check of the cached MMIO access: an MMIO
 * SPTE is only used when its recorded rights (R, W, U) permit the access under the controls of
 * now. Fetches never hit (the recorded rights carry no EXEC); paging off checks nothing.
 */
function mmioSpteAllows(v: Vcpu, recorded: number, access: number): boolean {
  if ((access & PFERR_FETCH) !== 0) return false;
  if ((v.cr0 & CR0_PG) === 0) return true;
  return permissionFault(v, v.gvaWalk, recorded & (ACC_READ | ACC_WRITE | ACC_USER), 0, access) === 0;
}

/** A guest access under shadow paging; gva already truncated and checked canonical. */
export function shadowAccess(v: Vcpu, gva: U64, access: number): Observation {
  // The guest runs only on a loaded root: before the first service step there is none yet.
  kvmMmuReload(v);
  const lo = gva.lo;
  const hi = gva.hi;
  let sp = rootTopSp(v.mmu.shadowRoot, lo);
  let present = false;
  // The guest leaf level of the translation this path shadows: the lowest indirect page on it
  // holds the guest leaf entry (direct pages below it split a guest large page; paging off: 0).
  // A direct page may be shared by large pages of different sizes, so the path, not the SPTE,
  // knows the level.
  let leafLevel = 0;
  while (sp !== null) {
    if (sp.hasGptes) leafLevel = sp.level;
    const index = spteIndex(lo, hi, sp.level);
    const kind = sp.kind[index];
    if (kind === SPTE_CHILD) {
      sp = sp.child[index];
      continue;
    }
    if (kind === SPTE_LEAF) {
      if (hardwareAllows(v, sp.spteLo[index], sp.spteHi[index], access)) {
        const off = lo & 0xfff;
        const hpa = (sp.spteHi[index] & 0xfffff) * TWO_32 + ((sp.spteLo[index] & 0xfffff000) >>> 0) + off;
        return { outcome: 'ok', gpa: sp.gfns[index] * 4096 + off, hpa, level: leafLevel, events: v.events.take() };
      }
      // A protection fault on a present SPTE: the error code has P = 1.
      present = true;
    } else if (
      kind === SPTE_MMIO &&
      (sp.mmioGen[index] === v.shadow.memslotGeneration || v.bug.mmioGenerationIgnored) &&
      mmioSpteAllows(v, sp.access[index], access)
    ) {
      // Emulated from the MMIO SPTE at once, without walking the guest tables.
      return emulateFromMmioSpte(v, sp.gfns[index] * 4096 + (lo & 0xfff), leafLevel, access);
    }
    break;
  }
  return shadowPageFault(v, gva, access, present);
}

/**
 * The emulator's access at the gpa an MMIO SPTE names: a device access, unless a memslot covers
 * the gfn now (a sync re-stamped the SPTE after a memslot add), when it reaches guest memory —
 * and an emulated store goes through kvm_mmu_track_write.
 */
function emulateFromMmioSpte(v: Vcpu, gpa: number, level: number, access: number): Observation {
  const slot = v.mem.findSlot(Math.floor(gpa / 4096));
  const write = (access & PFERR_WRITE) !== 0;
  if (slot === undefined || (write && slot.readonly)) return { outcome: 'mmio', gpa, level, events: v.events.take() };
  if (write) {
    const size = (v.cr4 & CR4_PAE) !== 0 ? 8 : 4;
    kvmMmuTrackWrite(v, gpa - (gpa % size), size);
  }
  return { outcome: 'ok', gpa, hpa: v.mem.hpaOf(gpa), level, events: v.events.take() };
}

/** Emulation of a write KVM would not map writable: the store goes through kvm_mmu_track_write. */
function emulateWrite(v: Vcpu, gva: U64, gpa: number): void {
  clearFloodOnPath(v, gva.lo, gva.hi);
  const size = (v.cr4 & CR4_PAE) !== 0 ? 8 : 4;
  kvmMmuTrackWrite(v, gpa - (gpa % size), size);
}

/** FNAME(page_fault) after the hardware walk failed; `present` is the error code's P bit. */
function shadowPageFault(v: Vcpu, gva: U64, access: number, present: boolean): Observation {
  const w = v.gvaWalk;
  if (!walkAddrGeneric(v, w, gva.lo, gva.hi, access)) return kvmInjectEmulatedPageFault(v, v.gvaWalk, gva);
  const gw = v.walker;
  const gpa = gw.gpa;
  const level = gw.level;
  const gfn = Math.floor(gpa / 4096);
  const write = (access & PFERR_WRITE) !== 0;
  let pteAccess = w.layout === null ? ACC_ALL : gw.pteAccess;
  // protect_clean_gpte: a read through a clean leaf maps read-only so the first write sets D.
  if (!write && level > 0 && (gw.pteLo[level - 1] & PTE_D) === 0) pteAccess &= ~ACC_WRITE;

  const slot = v.mem.findSlot(gfn);
  if (slot === undefined) {
    if (shadowFetch(v, gva.lo, gva.hi, gfn, pteAccess, fetched)) {
      // mark_mmio_spte, then the flush for a present SPTE it replaced.
      const dropped = setMmio(v.shadow, fetched.sp!, fetched.index, gfn, pteAccess);
      v.events.push({ type: 'mmio_spte', gfn });
      if (dropped) v.events.requestFlush('remote');
    }
    return { outcome: 'mmio', gpa, level, events: v.events.take() };
  }
  if (write && slot.readonly) return { outcome: 'mmio', gpa, level, events: v.events.take() };
  const hpa = v.mem.hpaOf(gpa);
  // page_fault_handle_page_track: only a write that hit a present read-only SPTE is emulated
  // at once; a not-present fault first maps the gfn read-only (below).
  if (write && present && isWriteTracked(v.shadow, gfn)) {
    emulateWrite(v, gva, gpa);
    return { outcome: 'ok', gpa, hpa, level, events: v.events.take() };
  }
  // CR0.WP = 0: a supervisor write to a read-only gpte gets a writable, supervisor-only SPTE
  // (and, with SMEP, a non-executable one, so the kernel cannot run what it just wrote).
  if (write && (pteAccess & ACC_WRITE) === 0 && (access & PFERR_USER) === 0) {
    pteAccess |= ACC_WRITE;
    if (!v.bug.wp0TrickKeepsUser) pteAccess &= ~ACC_USER;
    if ((v.gvaWalk.cpuRole.base & ROLE_CR4_SMEP) !== 0 && !v.bug.wp0TrickKeepsExec) pteAccess &= ~ACC_EXEC;
  }
  if (shadowFetch(v, gva.lo, gva.hi, gfn, pteAccess, fetched)) {
    if (!mmuSetSpte(v, fetched.sp!, fetched.index, gfn, pteAccess, slot) && write) emulateWrite(v, gva, gpa);
  }
  return { outcome: 'ok', gpa, hpa, level, events: v.events.take() };
}

/**
 * mmu_set_spte for the leaf slot: an old leaf of another gfn is dropped (flush), then make_spte;
 * `map` unless the same SPTE is there, `dirty` for a writable SPTE in a logged slot, and a remote
 * flush when the old SPTE loses MMU-writable. Returns whether the SPTE is writable.
 */
function mmuSetSpte(v: Vcpu, sp: ShadowPage, index: number, gfn: number, access: number, slot: Memslot): boolean {
  const st = v.shadow;
  const kind = sp.kind[index];
  let flush = false;
  if (kind === SPTE_LEAF && sp.gfns[index] !== gfn) flush = dropSpte(st, sp, index);
  else if (kind === SPTE_MMIO) dropSpte(st, sp, index);
  const sameLeaf = sp.kind[index] === SPTE_LEAF;
  const oldMmuWritable = sameLeaf && sp.mmuWritable[index] !== 0;
  const n = makeSpte(v, sp, index, gfn, access, slot, false, newSpte);
  const identical = sameLeaf && sp.spteLo[index] === n.lo && sp.spteHi[index] === n.hi;
  if (oldMmuWritable && !n.writable) flush = true;
  setLeaf(st, sp, index, gfn, n.lo, n.hi, access, n.writable);
  if (!identical) v.events.push({ type: 'map', gfn, level: 1, spte: { lo: n.lo, hi: n.hi } });
  if (n.writable && slot.dirtyLog) v.events.push({ type: 'dirty', gfn });
  if (flush) v.events.requestFlush('remote');
  return n.writable;
}
