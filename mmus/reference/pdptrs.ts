// Loading the four PAE PDPTE registers from the PDPT that CR3 points to (SDM 4.4.1; APM 5.3.3)
// with the KVM-visible validity rules of model-contract.md "PDPTR load".
import { NOT_BACKED, type GuestMemory } from '../memory/guest-memory.js';
import { PTE_P } from '../x86/bits.js';
import type { Machine } from './machine.js';
import type { Registers } from './registers.js';

/** PDPTE bits 8:5 and 2:1 are reserved (SDM 4.4.1 table 4-8: PWT/PCD are the only low flags). */
const PDPTE_RSVD_LO = 0x1e6;

/** Entries read but not yet accepted: the registers change only when all four are valid. */
const scratch = new Uint32Array(8);

/**
 * Loads PDPTE0..3 from the PDPT at CR3[M-1:5] into r.pdptrs. Returns false, changing nothing,
 * when the PDPT is outside every memslot (KVM: the read fails) or a present entry has a reserved
 * bit (M..63, 8:5, 2:1); the MOV that asked for the load then raises #GP (SDM 4.4.1).
 */
export function loadPdptrs(r: Registers, m: Machine, mem: GuestMemory, cr3Lo: number, cr3Hi: number): boolean {
  // The PDPT is 32-byte aligned: CR3 bits 31:5, plus (KVM) any CR3 bits above 31 below M.
  const base = (cr3Hi & ~m.rsvdHi63) * 0x1_0000_0000 + ((cr3Lo & 0xffffffe0) >>> 0);
  for (let i = 0; i < 4; i++) {
    const lo = mem.read32(base + 8 * i);
    if (lo === NOT_BACKED) return false;
    const hi = mem.read32(base + 8 * i + 4);
    if ((lo & PTE_P) !== 0 && ((lo & PDPTE_RSVD_LO) !== 0 || (hi & m.rsvdHi63) !== 0)) return false;
    scratch[2 * i] = lo;
    scratch[2 * i + 1] = hi;
  }
  r.pdptrs.set(scratch);
  return true;
}
