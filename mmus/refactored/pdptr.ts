// PAE PDPTRs (§4.3): load_pdptrs (MOV CR0/CR3/CR4) and the walker's get_pdptr, with KVM's
// register-cache behaviour per vendor: VMX walks use the loaded values; SVM re-reads guest
// memory on the first use after each exit. Models load_pdptrs in arch/x86/kvm/x86.c and
// kvm_pdptr_read in kvm_cache_regs.h.
import { NOT_BACKED } from '../memory/guest-memory.js';
import { PTE_P } from '../x86/bits.js';
import { freeRoot } from './shadow/roots.js';
import type { Vcpu } from './vcpu.js';

/** A present PDPTE may not set bits 8:5 or 2:1 (PS, R/W, U/S are reserved here). */
const PDPTE_RSVD_LO = 0x1e6;

/** The high-half mask of bits M..63. */
function highRsvdHi(maxphyaddr: number): number {
  return maxphyaddr >= 64 ? 0 : (0xffffffff << (maxphyaddr - 32)) | 0;
}

/** Guest-physical address of the PDPT for a CR3 value (CR3 & ~0x1f). */
export function pdptGpa(cr3Lo: number, cr3Hi: number): number {
  return cr3Hi * 4294967296 + ((cr3Lo & ~0x1f) >>> 0);
}

/**
 * Reads and checks the four PDPTEs at CR3 into out ([lo0, hi0, ...]). Returns false when the
 * PDPT is outside every memslot or a present entry has reserved bits; out is then unspecified.
 */
export function readPdptrs(v: Vcpu, cr3Lo: number, cr3Hi: number, out: Uint32Array): boolean {
  const base = pdptGpa(cr3Lo, cr3Hi);
  const rsvdHi = highRsvdHi(v.maxphyaddr);
  for (let i = 0; i < 4; i++) {
    const lo = v.mem.read32(base + 8 * i);
    if (lo === NOT_BACKED) return false;
    const hi = v.mem.read32(base + 8 * i + 4);
    if ((lo & PTE_P) !== 0 && ((lo & PDPTE_RSVD_LO) | (hi & rsvdHi)) !== 0) return false;
    out[2 * i] = lo;
    out[2 * i + 1] = hi;
  }
  return true;
}

/** Makes staged values the cached PDPTRs (marks them available, as load_pdptrs does). */
export function commitPdptrs(v: Vcpu, staged: Uint32Array): void {
  // Shadow paging: PAE roots shadow the PDPTRs' tables, so new PDPTRs mean new roots.
  if (!v.tdpEnabled && staged.some((x, i) => x !== v.pdptrs[i])) freeRoot(v.mmu.shadowRoot);
  v.pdptrs.set(staged);
  v.pdptrsAvail = true;
}

const stage = new Uint32Array(8);

/** load_pdptrs(cr3): true and the cache updated, or false and nothing changed. */
export function loadPdptrs(v: Vcpu, cr3Lo: number, cr3Hi: number): boolean {
  if (!readPdptrs(v, cr3Lo, cr3Hi, stage)) return false;
  commitPdptrs(v, stage);
  return true;
}

/** An exit happened: SVM's lazily loaded registers (the PDPTRs) become unavailable. */
export function markExit(v: Vcpu): void {
  if (!v.intel) v.pdptrsAvail = false;
}

/** get_pdptr(i) of gva_walk: PDPTE i into out[0] (lo), out[1] (hi). */
export function getPdptr(v: Vcpu, i: number, out: Uint32Array): void {
  if (v.intel && v.bug.pdptrFromMemory) {
    const gpa = pdptGpa(v.cr3Lo, v.cr3Hi) + 8 * i;
    const lo = v.mem.read32(gpa);
    out[0] = lo === NOT_BACKED ? 0 : lo;
    out[1] = lo === NOT_BACKED ? 0 : v.mem.read32(gpa + 4);
    return;
  }
  // SVM: kvm_pdptr_read re-runs load_pdptrs on a cache miss; a failed reload keeps old values.
  if (!v.pdptrsAvail) {
    loadPdptrs(v, v.cr3Lo, v.cr3Hi);
    v.pdptrsAvail = true;
  }
  out[0] = v.pdptrs[2 * i];
  out[1] = v.pdptrs[2 * i + 1];
}
