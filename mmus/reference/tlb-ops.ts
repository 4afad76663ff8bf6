// What invalidates the architectural TLB (tlb.ts): INVLPG and INVPCID (SDM vol. 2 "INVLPG",
// "INVPCID"; vol. 3A 4.10.4.1) with the #GP checks of model-contract.md "TLB operations", and the
// control-register writes that flush (SDM 4.10.4.1, and "Invalidating the Translation Lookaside
// Buffers" of the memory-cache-control chapter: 12.9, 11.9 in older editions; APM 5.5).
import type { U64 } from '../x86/u64.js';
import { CR0_PE, CR0_PG, CR3_NOFLUSH_HI, CR4_PAE, CR4_PCIDE, CR4_PGE, CR4_PSE, CR4_SMEP } from '../x86/bits.js';
import type { Machine } from './machine.js';
import { isCanonical, isLongMode } from './paging-mode.js';
import type { Registers } from './registers.js';
import type { History } from './history.js';
import { ALL_PCIDS, ANY_GLOBAL, KEEP_GLOBAL, WITH_PCID, type Tlb } from './tlb.js';
import { currentPcid, pageHi, pageLo } from './tlb-use.js';

/**
 * INVLPG (SDM 4.10.4.1): entries for the page of the current PCID, and global entries for the
 * page whatever their PCID. Ledger 9: a non-canonical operand in IA-32e mode does nothing; outside
 * it the operand is truncated to 32 bits like every linear address.
 */
export function invlpg(r: Registers, tlb: Tlb, h: History, gva: U64): void {
  const long = isLongMode(r);
  if (long && !isCanonical(r, gva.hi)) return;
  tlb.invalidatePage(pageHi(long ? gva.hi : 0), pageLo(gva.lo), currentPcid(r), ANY_GLOBAL);
  h.invalidatePage(pageHi(long ? gva.hi : 0), pageLo(gva.lo), currentPcid(r), ANY_GLOBAL);
}

/**
 * INVPCID: returns true (done) or false (#GP). Ledger 9 (model-contract): outside IA-32e mode the
 * descriptor's address is always canonical. Invalidation (SDM vol. 2 "INVPCID"): type 0 the
 * non-global entries of (PCID, page); 1 the non-global entries of the PCID; 2 everything; 3 every
 * non-global entry. Type 0 uses all 64 address bits even outside 64-bit mode, so there an address
 * above 4 GiB names no cached page and removes nothing.
 */
export function invpcid(r: Registers, m: Machine, tlb: Tlb, h: History, type: number, pcid: number, gva: U64): boolean {
  if (!m.pcid) return false; // no INVPCID without the feature (#UD, folded into gp)
  if (!(type >= 0 && type <= 3) || !(pcid >= 0 && pcid <= 0xfff)) return false;
  // Individual-address and single-context need PCID 0 unless CR4.PCIDE=1.
  if (type <= 1 && (r.cr4 & CR4_PCIDE) === 0 && pcid !== 0) return false;
  const long = isLongMode(r);
  if (type === 0 && long && !isCanonical(r, gva.hi)) return false;
  switch (type) {
    case 0:
      if (long || gva.hi === 0) {
        tlb.invalidatePage(pageHi(gva.hi), pageLo(gva.lo), pcid, KEEP_GLOBAL);
        h.invalidatePage(pageHi(gva.hi), pageLo(gva.lo), pcid, KEEP_GLOBAL);
      }
      break;
    case 1:
      tlb.invalidateContext(pcid, KEEP_GLOBAL);
      h.invalidateContext(pcid, KEEP_GLOBAL);
      break;
    case 2:
      tlb.flushAll();
      if (keepsInactivePcids(r, m)) h.invalidateContext(currentPcid(r), WITH_PCID);
      else h.flushAll();
      break;
    default:
      tlb.invalidateContext(ALL_PCIDS, KEEP_GLOBAL);
      h.invalidateContext(keepsInactivePcids(r, m) ? currentPcid(r) : ALL_PCIDS, KEEP_GLOBAL);
  }
  return true;
}

/**
 * Ledger (model-contract "Speculative translations"): under shadow paging with CR4.PCIDE = 1,
 * KVM services a flush of every PCID by syncing the current root and freeing the cached roots
 * that have unsync pages at that moment; a cached root of another PCID whose pages go unsync
 * later still serves, after a NOFLUSH switch back, what they held before. So for the history
 * such a flush removes the current PCID's translations only.
 */
function keepsInactivePcids(r: Registers, m: Machine): boolean {
  return m.shadow && (r.cr4 & CR4_PCIDE) !== 0;
}

/**
 * After a successful MOV to CR0 (SDM 4.10.4.1: PG 1→0 flushes everything; 12.9: so does any
 * change of PG or PE). A PG 0→1 finds the TLB already empty. WP, CD, NW: nothing required.
 */
export function flushOnCr0(tlb: Tlb, h: History, old: number, cr0: number): void {
  if (((old ^ cr0) & (CR0_PG | CR0_PE)) !== 0) {
    tlb.flushAll();
    h.flushAll();
  }
}

/**
 * After a successful MOV to CR3 (SDM 4.10.4.1), `v` being the source operand: PCIDE = 0 → the
 * non-global entries of PCID 000H; PCIDE = 1 → the non-global entries of the new PCID, unless
 * bit 63 (NOFLUSH) is set. Also when the value is unchanged.
 */
export function flushOnCr3(r: Registers, tlb: Tlb, h: History, v: U64): void {
  if ((r.cr4 & CR4_PCIDE) !== 0 && (v.hi & CR3_NOFLUSH_HI) !== 0) return;
  tlb.invalidateContext(currentPcid(r), KEEP_GLOBAL);
  h.invalidateContext(currentPcid(r), KEEP_GLOBAL);
}

/**
 * After a successful MOV to CR4: a change of PGE, PSE or PAE, or PCIDE 1→0, flushes everything
 * (SDM 4.10.4.1 for PGE/PCIDE; 12.9 adds PSE and PAE, which 4.10.4.1 scopes to the current PCID;
 * APM 5.5 lists PGE, PSE, PAE). SMEP 0→1 removes the entries of the current PCID, global ones
 * associated with it included (4.10.4.1 says "all TLB entries", unlike MOV CR3's "except global").
 */
export function flushOnCr4(r: Registers, m: Machine, tlb: Tlb, h: History, old: number, cr4: number): void {
  const changed = old ^ cr4;
  if ((changed & (CR4_PGE | CR4_PSE | CR4_PAE)) !== 0 || ((old & CR4_PCIDE) !== 0 && (cr4 & CR4_PCIDE) === 0)) {
    tlb.flushAll();
    // A PGE toggle alone is not a role change: KVM keeps its cached roots (ledger above).
    if ((changed & (CR4_PSE | CR4_PAE | CR4_PCIDE)) === 0 && keepsInactivePcids(r, m)) h.invalidateContext(currentPcid(r), WITH_PCID);
    else h.flushAll();
  } else if ((changed & CR4_SMEP) !== 0 && (cr4 & CR4_SMEP) !== 0) {
    tlb.invalidateContext(currentPcid(r), WITH_PCID);
    h.invalidateContext(currentPcid(r), WITH_PCID);
  }
}
