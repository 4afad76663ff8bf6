// MOV to CR0/CR3/CR4, WRMSR EFER, WRPKRU and RFLAGS writes with the checks that raise #GP
// (SDM 2.5, 2.2.1, 4.1.3, 4.4.1, 4.5; APM 3.1), as the KVM-visible CPU of
// model-contract.md "Register writes" applies them. Each returns true (done) or false (#GP, nothing
// changed). The TLB invalidations a write implies are applied by the caller (tlb-ops.ts).
import type { GuestMemory } from '../memory/guest-memory.js';
import type { U64 } from '../x86/u64.js';
import {
  CR0_CD, CR0_DEFINED, CR0_ET, CR0_NW, CR0_PE, CR0_PG,
  CR3_NOFLUSH_HI, CR3_PCID_MASK,
  CR4_DE, CR4_FSGSBASE, CR4_LA57, CR4_MCE, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_OSXSAVE, CR4_PAE,
  CR4_PCE, CR4_PCIDE, CR4_PGE, CR4_PKE, CR4_PSE, CR4_PVI, CR4_SMAP, CR4_SMEP, CR4_TSD, CR4_VME,
  EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE, RFLAGS_FIXED,
} from '../x86/bits.js';
import type { Machine } from './machine.js';
import { loadPdptrs } from './pdptrs.js';
import type { Registers } from './registers.js';

/** CR4 bits every modelled CPU has (SDM 2.5). */
const CR4_BASE_ALLOWED =
  CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE |
  CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_OSXSAVE;

/** Changing one of these with PAE paging on reloads the PDPTEs (SDM 4.4.1). */
const CR4_PDPTR_BITS = CR4_PGE | CR4_PSE | CR4_PAE | CR4_SMEP;

function isPaePaging(cr0: number, cr4: number, efer: number): boolean {
  return (cr0 & CR0_PG) !== 0 && (cr4 & CR4_PAE) !== 0 && (efer & EFER_LMA) === 0;
}

/** MOV to CR0 (SDM 2.5, 9.8.5; APM 3.1.1). */
export function setCr0(r: Registers, m: Machine, mem: GuestMemory, v: U64): boolean {
  if (v.hi !== 0) return false; // bits 63:32 are reserved: #GP
  // ET is hardwired to 1; KVM silently clears the undefined bits of 31:0 (model-contract).
  const cr0 = ((v.lo | CR0_ET) & CR0_DEFINED) >>> 0;
  const old = r.cr0;
  if ((cr0 & CR0_NW) !== 0 && (cr0 & CR0_CD) === 0) return false;
  if ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0) return false;
  const pgOn = (old & CR0_PG) === 0 && (cr0 & CR0_PG) !== 0;
  const pgOff = (old & CR0_PG) !== 0 && (cr0 & CR0_PG) === 0;
  // Entering IA-32e mode requires CR4.PAE (SDM 9.8.5); CS.L is 0 in this model.
  if (pgOn && (r.efer & EFER_LME) !== 0 && (r.cr4 & CR4_PAE) === 0) return false;
  // Paging cannot be turned off while PCIDs are enabled (SDM 4.10.1).
  if ((cr0 & CR0_PG) === 0 && (r.cr4 & CR4_PCIDE) !== 0) return false;
  // PAE paging with PG/CD/NW changing loads the PDPTEs (SDM 4.4.1); a bad one is #GP. Last
  // check, so the PDPTE registers change only when the write succeeds.
  if ((cr0 & CR0_PG) !== 0 && (r.efer & EFER_LME) === 0 && (r.cr4 & CR4_PAE) !== 0 &&
      ((cr0 ^ old) & (CR0_PG | CR0_CD | CR0_NW)) !== 0) {
    if (!loadPdptrs(r, m, mem, r.cr3Lo, r.cr3Hi)) return false;
  }
  r.cr0 = cr0;
  // EFER.LMA follows CR0.PG when EFER.LME is set (SDM 9.8.5): activation and deactivation.
  if (pgOn && (r.efer & EFER_LME) !== 0) r.efer |= EFER_LMA;
  if (pgOff) r.efer &= ~EFER_LMA;
  return true;
}

/** MOV to CR3 (SDM 4.5 table 4-12/4-13, 4.10.4.1; 4.4.1 for the PAE reload). */
export function setCr3(r: Registers, m: Machine, mem: GuestMemory, v: U64): boolean {
  let hi = v.hi;
  // With CR4.PCIDE, bit 63 of the source is "do not flush" and is not stored (SDM 4.10.4.1).
  if ((r.cr4 & CR4_PCIDE) !== 0) hi = (hi & ~CR3_NOFLUSH_HI) >>> 0;
  const lo = v.lo;
  const pae = isPaePaging(r.cr0, r.cr4, r.efer);
  // KVM short-cuts an unchanged CR3 outside PAE paging before any check (model-contract).
  if (lo === r.cr3Lo && hi === r.cr3Hi && !pae) return true;
  if ((hi & m.rsvdHi63) !== 0) return false; // physical-address bits >= MAXPHYADDR: #GP
  if (pae) {
    // PAE paging: every MOV CR3 reloads the PDPTEs, even with an unchanged value (SDM 4.4.1).
    if (!loadPdptrs(r, m, mem, lo, hi)) return false;
  }
  r.cr3Lo = lo;
  r.cr3Hi = hi;
  return true;
}

/** MOV to CR4 (SDM 2.5, 4.1.3, 4.4.1, 4.10.1). */
export function setCr4(r: Registers, m: Machine, mem: GuestMemory, v: U64): boolean {
  if (v.hi !== 0) return false;
  const cr4 = v.lo;
  // KVM-visible CPU: PKS, CET, VMXE, SMXE, UMIP are not exposed, so setting them is #GP
  // (ledger 10 "PKS unsupported"; model-contract "cr4").
  let allowed = CR4_BASE_ALLOWED;
  if (m.la57) allowed |= CR4_LA57;
  if (m.pcid) allowed |= CR4_PCIDE;
  if (m.smep) allowed |= CR4_SMEP;
  if (m.smap) allowed |= CR4_SMAP;
  if (m.pku) allowed |= CR4_PKE;
  if ((cr4 & ~allowed) !== 0) return false;
  const old = r.cr4;
  const lma = (r.efer & EFER_LMA) !== 0;
  if (lma) {
    // IA-32e mode needs PAE, and LA57 cannot change while paging is on in it (SDM 2.5, 4.1.1).
    if ((cr4 & CR4_PAE) === 0) return false;
    if (((cr4 ^ old) & CR4_LA57) !== 0) return false;
  }
  // PCIDE 0→1 needs IA-32e mode and CR3[11:0] = 0 (SDM 4.10.1). Checked before the PDPTE load so
  // that a #GP leaves the PDPTE registers untouched (model-contract: on gp nothing changes).
  if ((cr4 & CR4_PCIDE) !== 0 && (old & CR4_PCIDE) === 0) {
    if ((r.cr3Lo & CR3_PCID_MASK) !== 0 || !lma) return false;
  }
  // PAE paging with PGE/PSE/PAE/SMEP changing reloads the PDPTEs (SDM 4.4.1). Last check.
  if (!lma && (r.cr0 & CR0_PG) !== 0 && (cr4 & CR4_PAE) !== 0 && ((cr4 ^ old) & CR4_PDPTR_BITS) !== 0) {
    if (!loadPdptrs(r, m, mem, r.cr3Lo, r.cr3Hi)) return false;
  }
  r.cr4 = cr4;
  return true;
}

/** WRMSR IA32_EFER (SDM 2.2.1; APM 3.1.7). */
export function setEfer(r: Registers, m: Machine, v: U64): boolean {
  if (v.hi !== 0) return false;
  const allowed = EFER_SCE | EFER_LME | EFER_LMA | (m.nx ? EFER_NXE : 0);
  if ((v.lo & ~allowed) !== 0) return false;
  // LME cannot change while paging is on (SDM 9.8.5).
  if ((r.cr0 & CR0_PG) !== 0 && ((v.lo ^ r.efer) & EFER_LME) !== 0) return false;
  // LMA is read-only: the written value is ignored and the current one kept.
  r.efer = ((v.lo & ~EFER_LMA) | (r.efer & EFER_LMA)) >>> 0;
  return true;
}

/** WRPKRU (SDM 4.6.2): #UD without CR4.PKE, folded into gp by the contract; ECX:EDX are 0. */
export function setPkru(r: Registers, v: U64): boolean {
  if ((r.cr4 & CR4_PKE) === 0) return false;
  if (v.hi !== 0) return false;
  r.pkru = v.lo;
  return true;
}

/** RFLAGS: only AC (bit 18) matters here (SDM 4.6); bit 1 always reads as 1. */
export function setRflags(r: Registers, v: U64): boolean {
  if (v.hi !== 0) return false;
  r.rflags = (v.lo | RFLAGS_FIXED) >>> 0;
  return true;
}
