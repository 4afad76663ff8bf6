// Register writes with their architectural checks and MMU side effects (docs/model-contract.md
// "Register writes", §4.2): kvm_set_cr0/cr3/cr4 with kvm_post_set_cr0/cr4, EFER, PKRU, RFLAGS.
// Models the post-split register file (arch/x86/kvm/x86.c). Each returns false for #GP, with
// nothing changed.
import type { U64 } from '../backend.js';
import {
  CR0_CD,
  CR0_DEFINED,
  CR0_ET,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR3_NOFLUSH_HI,
  CR3_PCID_MASK,
  CR4_DE,
  CR4_FSGSBASE,
  CR4_LA57,
  CR4_MCE,
  CR4_OSFXSR,
  CR4_OSXMMEXCPT,
  CR4_OSXSAVE,
  CR4_PAE,
  CR4_PCE,
  CR4_PCIDE,
  CR4_PGE,
  CR4_PKE,
  CR4_PSE,
  CR4_PVI,
  CR4_SMAP,
  CR4_SMEP,
  CR4_TSD,
  CR4_VME,
  EFER_LMA,
  EFER_LME,
  EFER_NXE,
  EFER_SCE,
  RFLAGS_FIXED,
} from '../x86/bits.js';
import { kvmInitMmu, kvmInvalidatePcid, kvmMmuNewPgd, kvmMmuResetContext, kvmMmuUnload } from './mmu.js';
import { commitPdptrs, loadPdptrs, readPdptrs } from './pdptr.js';
import type { Vcpu } from './vcpu.js';

/** CR0 bits that are part of the CPU role. */
const CR0_ROLE_BITS = (CR0_PG | CR0_WP) >>> 0;
/** A change of these with PAE paging (and LME = 0) reloads the PDPTRs. */
const CR0_PDPTR_BITS = (CR0_PG | CR0_CD | CR0_NW) >>> 0;
const CR4_ROLE_BITS = CR4_PSE | CR4_PAE | CR4_LA57 | CR4_SMEP | CR4_SMAP | CR4_PKE;
const CR4_PDPTR_BITS = CR4_PGE | CR4_PSE | CR4_PAE | CR4_SMEP;
const CR4_ALWAYS_ALLOWED =
  CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_OSXSAVE;

function isPaging(v: Vcpu): boolean {
  return (v.cr0 & CR0_PG) !== 0;
}

function isLongMode(v: Vcpu): boolean {
  return (v.efer & EFER_LMA) !== 0;
}

/** is_pae_paging: PG, PAE, not long mode. */
export function isPaePaging(v: Vcpu): boolean {
  return isPaging(v) && (v.cr4 & CR4_PAE) !== 0 && !isLongMode(v);
}

/** kvm_set_cr0. */
export function kvmSetCr0(v: Vcpu, value: U64): boolean {
  if (value.hi !== 0) return false;
  const cr0 = ((value.lo | CR0_ET) & CR0_DEFINED) >>> 0;
  if ((cr0 & CR0_NW) !== 0 && (cr0 & CR0_CD) === 0) return false;
  if ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0) return false;
  const old = v.cr0;
  const lme = (v.efer & EFER_LME) !== 0;
  const pgOn = (cr0 & CR0_PG) !== 0;
  // Entering long mode needs PAE (CS.L is always 0 here).
  if ((old & CR0_PG) === 0 && pgOn && lme && (v.cr4 & CR4_PAE) === 0) return false;
  if (!lme && pgOn && (v.cr4 & CR4_PAE) !== 0 && ((cr0 ^ old) & CR0_PDPTR_BITS) !== 0 && !loadPdptrs(v, v.cr3Lo, v.cr3Hi)) return false;
  if (!pgOn && (v.cr4 & CR4_PCIDE) !== 0) return false;

  v.cr0 = cr0;
  if (lme) {
    if ((old & CR0_PG) === 0 && pgOn) v.efer = (v.efer | EFER_LMA) >>> 0;
    else if ((old & CR0_PG) !== 0 && !pgOn) v.efer = (v.efer & ~EFER_LMA) >>> 0;
  }
  kvmPostSetCr0(v, old, cr0);
  return true;
}

/** kvm_post_set_cr0. */
function kvmPostSetCr0(v: Vcpu, old: number, cr0: number): void {
  const changed = (old ^ cr0) >>> 0;
  if (changed === CR0_WP) {
    // With TDP a WP toggle keeps the roots: only the walker metadata follows the new WP.
    if ((cr0 & CR0_PG) === 0) return;
    if (v.tdpEnabled) {
      if (!v.bug.wpToggleNoWalkerReinit) kvmInitMmu(v);
      return;
    }
  }
  if ((changed & CR0_PG) !== 0 && (cr0 & CR0_PG) === 0) v.events.requestFlush('guest');
  if ((changed & CR0_ROLE_BITS) !== 0) kvmMmuResetContext(v);
}

/** kvm_set_cr3. */
export function kvmSetCr3(v: Vcpu, value: U64): boolean {
  let lo = value.lo;
  let hi = value.hi;
  let skipFlush = false;
  if ((v.cr4 & CR4_PCIDE) !== 0) {
    skipFlush = (hi & CR3_NOFLUSH_HI) !== 0;
    hi = (hi & ~CR3_NOFLUSH_HI) >>> 0;
  }
  const same = lo === v.cr3Lo && hi === v.cr3Hi;
  const pae = isPaePaging(v);
  if (!(same && (!pae || v.bug.pdptrNoReloadSameCr3))) {
    // kvm_vcpu_is_illegal_cr3: any bit at or above guest MAXPHYADDR (bit 63 included).
    if (hi >>> (v.maxphyaddr - 32) !== 0) return false;
    if (pae && !loadPdptrs(v, lo, hi)) return false;
    if (!same) kvmMmuNewPgd(v, lo, hi);
    v.cr3Lo = lo;
    v.cr3Hi = hi;
  }
  // Mutant: a NOFLUSH write under shadow paging still invalidates (and so syncs) the PCID.
  if (!skipFlush || (v.bug.noflushCr3Syncs && !v.tdpEnabled)) kvmInvalidatePcid(v, (v.cr4 & CR4_PCIDE) !== 0 ? lo & CR3_PCID_MASK : 0);
  return true;
}

function cr4Allowed(v: Vcpu): number {
  let allowed = CR4_ALWAYS_ALLOWED;
  if (v.hasLa57) allowed |= CR4_LA57;
  if (v.hasPcid) allowed |= CR4_PCIDE;
  if (v.hasSmep) allowed |= CR4_SMEP;
  if (v.hasSmap) allowed |= CR4_SMAP;
  if (v.hasPku) allowed |= CR4_PKE;
  return allowed;
}

const cr4Stage = new Uint32Array(8);

/** kvm_set_cr4. */
export function kvmSetCr4(v: Vcpu, value: U64): boolean {
  if (value.hi !== 0) return false;
  const cr4 = value.lo >>> 0;
  if ((cr4 & ~cr4Allowed(v)) !== 0) return false;
  const old = v.cr4;
  const changed = (old ^ cr4) >>> 0;
  // PDPTRs are staged and committed only once every check passed ("on #GP nothing changes").
  let staged = false;
  if (isLongMode(v)) {
    if ((cr4 & CR4_PAE) === 0) return false;
    if ((changed & CR4_LA57) !== 0) return false;
  } else if (isPaging(v) && (cr4 & CR4_PAE) !== 0 && (changed & CR4_PDPTR_BITS) !== 0) {
    if (!readPdptrs(v, v.cr3Lo, v.cr3Hi, cr4Stage)) return false;
    staged = true;
  }
  if ((cr4 & CR4_PCIDE) !== 0 && (old & CR4_PCIDE) === 0) {
    if ((v.cr3Lo & CR3_PCID_MASK) !== 0 || !isLongMode(v)) return false;
  }
  if (staged) commitPdptrs(v, cr4Stage);
  v.cr4 = cr4;
  kvmPostSetCr4(v, old, cr4);
  return true;
}

/** kvm_post_set_cr4. */
function kvmPostSetCr4(v: Vcpu, old: number, cr4: number): void {
  const changed = (old ^ cr4) >>> 0;
  if ((changed & CR4_ROLE_BITS) !== 0) kvmMmuResetContext(v);
  // Shadow paging: cached roots must not outlive PCID enabling (a NOFLUSH CR3 could revive them).
  if (!v.tdpEnabled && (cr4 & CR4_PCIDE) !== 0 && (old & CR4_PCIDE) === 0) kvmMmuUnload(v);
  const pcideOff = (cr4 & CR4_PCIDE) === 0 && (old & CR4_PCIDE) !== 0;
  const smepOn = (cr4 & CR4_SMEP) !== 0 && (old & CR4_SMEP) === 0;
  if ((changed & CR4_PGE) !== 0 || pcideOff) v.events.requestFlush('guest');
  else if ((changed & CR4_PAE) !== 0 || (smepOn && !v.bug.smepEnableNoFlush)) v.events.requestFlush('current');
}

/** kvm_set_efer (MSR write). LMA is read-only: the written value is ignored. */
export function kvmSetEfer(v: Vcpu, value: U64): boolean {
  if (value.hi !== 0) return false;
  let allowed = EFER_SCE | EFER_LME | EFER_LMA;
  if (v.hasNx) allowed |= EFER_NXE;
  const efer = value.lo >>> 0;
  if ((efer & ~allowed) !== 0) return false;
  if (isPaging(v) && ((efer ^ v.efer) & EFER_LME) !== 0) return false;
  const old = v.efer;
  v.efer = ((efer & ~EFER_LMA) | (old & EFER_LMA)) >>> 0;
  if (((old ^ v.efer) & (EFER_LME | EFER_NXE)) !== 0) kvmMmuResetContext(v);
  return true;
}

/** WRPKRU (its #UD without CR4.PKE is folded into #GP). */
export function kvmSetPkru(v: Vcpu, value: U64): boolean {
  if ((v.cr4 & CR4_PKE) === 0 || value.hi !== 0) return false;
  v.pkru = value.lo >>> 0;
  return true;
}

/** RFLAGS: only AC matters to the MMU; bit 1 always reads as 1. */
export function kvmSetRflags(v: Vcpu, value: U64): boolean {
  if (value.hi !== 0) return false;
  v.rflags = (value.lo | RFLAGS_FIXED) >>> 0;
  return true;
}
