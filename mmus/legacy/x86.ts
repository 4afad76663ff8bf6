// Register writes with their architectural checks and MMU side effects, shaped like x86.c:
// kvm_set_cr0 / kvm_post_set_cr0, kvm_set_cr3, kvm_set_cr4 / kvm_post_set_cr4, set_efer,
// PKRU and RFLAGS writes, kvm_invalidate_pcid and the INVPCID handler, plus the emulator's
// gva_to_gpa entry points. Each returns 0 on success and 1 when KVM would inject #GP (nothing
// changed). Semantics: docs/model-contract.md "Register writes" and "TLB operations".
import type { U64 } from '../backend.js';
import {
  CR0_CD,
  CR0_DEFINED,
  CR0_ET,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_WP,
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
  PFERR_FETCH,
  PFERR_PRESENT,
  PFERR_RSVD,
  PFERR_USER,
  PFERR_WRITE,
  RFLAGS_FIXED,
} from '../x86/bits.js';
import { load_pdptrs } from './kvm-cache-regs.js';
import {
  KVM_REQ_MMU_SYNC,
  KVM_REQ_TLB_FLUSH_CURRENT,
  KVM_REQ_TLB_FLUSH_GUEST,
  PFERR_IMPLICIT_ACCESS,
  kvm_make_request,
  type KvmCaps,
  type KvmVcpu,
  type X86Exception,
} from './kvm-host.js';
import {
  KVM_MMU_ROOT_CURRENT,
  KVM_MMU_ROOT_PREVIOUS,
  is_noncanonical_address,
  kvm_get_active_pcid,
  kvm_mmu_free_roots,
  kvm_mmu_unload,
  kvm_init_mmu,
  kvm_mmu_invalidate_addr,
  kvm_mmu_invpcid_gva,
  kvm_mmu_new_pgd,
  kvm_mmu_reset_context,
} from './mmu.js';

const TWO_32 = 4294967296;

const X86_CR0_PDPTR_BITS = (CR0_CD | CR0_NW | CR0_PG) >>> 0;
const X86_CR4_PDPTR_BITS = CR4_PGE | CR4_PSE | CR4_PAE | CR4_SMEP;
const KVM_MMU_CR0_ROLE_BITS = (CR0_PG | CR0_WP) >>> 0;
const KVM_MMU_CR4_ROLE_BITS = CR4_PSE | CR4_PAE | CR4_LA57 | CR4_SMEP | CR4_SMAP | CR4_PKE;
const KVM_MMU_EFER_ROLE_BITS = EFER_LME | EFER_NXE;
const X86_CR3_PCID_MASK = 0xfff;
const X86_CR3_PCID_NOFLUSH_HI = (1 << 31) >>> 0;

function is_paging(vcpu: KvmVcpu): boolean {
  return (vcpu.arch.cr0 & CR0_PG) !== 0;
}
function is_pae(vcpu: KvmVcpu): boolean {
  return (vcpu.arch.cr4 & CR4_PAE) !== 0;
}
export function is_long_mode(vcpu: KvmVcpu): boolean {
  return (vcpu.arch.efer & EFER_LMA) !== 0;
}
function is_pae_paging(vcpu: KvmVcpu): boolean {
  return is_paging(vcpu) && is_pae(vcpu) && !is_long_mode(vcpu);
}
/** CS.L is never set in this model, so a vCPU with LMA = 1 runs in compatibility mode. */
function is_64_bit_mode(_vcpu: KvmVcpu): boolean {
  return false;
}

/** High half of rsvd_bits(M, 63): GPA bits the guest cannot address. */
function reserved_gpa_bits_hi(maxphyaddr: number): number {
  return ~((1 << (maxphyaddr - 32)) - 1) >>> 0;
}

// ---- CR0 ---------------------------------------------------------------------------------

/** kvm_post_set_cr0. */
export function kvm_post_set_cr0(vcpu: KvmVcpu, old_cr0: number, cr0: number): void {
  const changed = (cr0 ^ old_cr0) >>> 0;
  // CR0.WP only: no permission bits to emulate with paging off; with TDP refresh the walker but
  // keep the roots (CR0.WP does not affect TDP SPTEs).
  if (changed === CR0_WP) {
    if ((cr0 & CR0_PG) === 0) return;
    if (vcpu.kvm.tdp_enabled) {
      kvm_init_mmu(vcpu);
      return;
    }
  }
  if (changed & CR0_PG) {
    // Clearing CR0.PG is defined to flush the TLB from the guest's perspective.
    if ((cr0 & CR0_PG) === 0) kvm_make_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu);
  }
  if (changed & KVM_MMU_CR0_ROLE_BITS) kvm_mmu_reset_context(vcpu);
}

/** The vendor set_cr0 (vmx_set_cr0 / svm_set_cr0): enters or leaves long mode with EFER.LME. */
function vendor_set_cr0(vcpu: KvmVcpu, cr0: number): void {
  const a = vcpu.arch;
  const old_pg = (a.cr0 & CR0_PG) !== 0;
  const new_pg = (cr0 & CR0_PG) !== 0;
  if (a.efer & EFER_LME) {
    if (!old_pg && new_pg) a.efer |= EFER_LMA; // enter_lmode
    else if (old_pg && !new_pg) a.efer &= ~EFER_LMA; // exit_lmode
  }
  a.cr0 = cr0;
}

/** kvm_set_cr0. */
export function kvm_set_cr0(vcpu: KvmVcpu, value: U64): number {
  const a = vcpu.arch;
  const old_cr0 = a.cr0;
  // kvm_is_valid_cr0
  if (value.hi !== 0) return 1;
  let cr0 = value.lo;
  if ((cr0 & CR0_NW) !== 0 && (cr0 & CR0_CD) === 0) return 1;
  if ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0) return 1;

  cr0 |= CR0_ET;
  // Writes to CR0 reserved bits are ignored, even on Intel.
  cr0 = (cr0 & CR0_DEFINED) >>> 0;

  if ((a.efer & EFER_LME) !== 0 && !is_paging(vcpu) && (cr0 & CR0_PG) !== 0) {
    if (!is_pae(vcpu)) return 1;
    // CS.L = 0: entering IA-32e mode in compatibility mode is allowed.
  }
  if (
    (a.efer & EFER_LME) === 0 &&
    (cr0 & CR0_PG) !== 0 &&
    is_pae(vcpu) &&
    ((cr0 ^ old_cr0) & X86_CR0_PDPTR_BITS) !== 0 &&
    !load_pdptrs(vcpu, a.cr3)
  ) {
    return 1;
  }
  if ((cr0 & CR0_PG) === 0 && (is_64_bit_mode(vcpu) || (a.cr4 & CR4_PCIDE) !== 0)) return 1;
  // CR4.CET is never allowed here, so the "clear WP with CET" check cannot fire.

  vendor_set_cr0(vcpu, cr0);
  kvm_post_set_cr0(vcpu, old_cr0, cr0);
  return 0;
}

// ---- CR3 ---------------------------------------------------------------------------------

/**
 * kvm_invalidate_pcid: with TDP the guest's TLB entries for the PCID go via a guest flush.
 * With shadow paging the active PCID is synced and flushed before the next entry, and with
 * CR4.PCIDE cached roots of that PCID are dropped (they will be rebuilt and synced on reuse).
 */
export function kvm_invalidate_pcid(vcpu: KvmVcpu, pcid: number): void {
  if (vcpu.kvm.tdp_enabled) {
    kvm_make_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu);
    return;
  }
  const mmu = vcpu.arch.mmu;
  if (kvm_get_active_pcid(vcpu) === pcid) {
    kvm_make_request(KVM_REQ_MMU_SYNC, vcpu);
    kvm_make_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu);
  }
  // Without PCIDE every CR3 load flushes anyway: nothing cached can be stale.
  if ((vcpu.arch.cr4 & CR4_PCIDE) === 0) return;
  let roots_to_free = 0;
  for (let i = 0; i < 3; i++) if ((mmu.prev_roots[i].pgd & X86_CR3_PCID_MASK) === pcid) roots_to_free |= KVM_MMU_ROOT_PREVIOUS(i);
  kvm_mmu_free_roots(vcpu.kvm, mmu, roots_to_free);
}

/** kvm_set_cr3. */
export function kvm_set_cr3(vcpu: KvmVcpu, value: U64): number {
  const a = vcpu.arch;
  let skip_tlb_flush = false;
  let pcid = 0;
  let hi = value.hi;
  const lo = value.lo;
  if (a.cr4 & CR4_PCIDE) {
    skip_tlb_flush = (hi & X86_CR3_PCID_NOFLUSH_HI) !== 0;
    hi = (hi & ~X86_CR3_PCID_NOFLUSH_HI) >>> 0;
    pcid = lo & X86_CR3_PCID_MASK;
  }
  // Bits above 20 of the high half make the value >= 2^52, never equal to a legal CR3.
  const cr3 = hi * TWO_32 + lo;

  // PDPTRs are always reloaded for PAE paging.
  if (!(cr3 === a.cr3 && !is_pae_paging(vcpu))) {
    // kvm_vcpu_is_legal_cr3: no GPA bits at or above MAXPHYADDR.
    if ((hi & reserved_gpa_bits_hi(vcpu.kvm.caps.maxphyaddr)) !== 0) return 1;
    if (is_pae_paging(vcpu) && !load_pdptrs(vcpu, cr3)) return 1;
    if (cr3 !== a.cr3) kvm_mmu_new_pgd(vcpu, cr3);
    a.cr3 = cr3;
  }
  // handle_tlb_flush: a flushing CR3 load flushes the current PCID (PCID 0 without PCIDE).
  if (!skip_tlb_flush) kvm_invalidate_pcid(vcpu, pcid);
  return 0;
}

// ---- CR4 ---------------------------------------------------------------------------------

/** kvm_is_valid_cr4: only the bits this guest CPU model supports. */
function kvm_is_valid_cr4(caps: KvmCaps, cr4: number): boolean {
  let allowed =
    CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_OSXSAVE;
  if (caps.la57) allowed |= CR4_LA57;
  if (caps.pcid) allowed |= CR4_PCIDE;
  if (caps.smep) allowed |= CR4_SMEP;
  if (caps.smap) allowed |= CR4_SMAP;
  if (caps.pku) allowed |= CR4_PKE;
  return (cr4 & ~allowed) === 0;
}

/** kvm_post_set_cr4. */
export function kvm_post_set_cr4(vcpu: KvmVcpu, old_cr4: number, cr4: number): void {
  const changed = cr4 ^ old_cr4;
  if (changed & KVM_MMU_CR4_ROLE_BITS) kvm_mmu_reset_context(vcpu);
  // PCIDE 0->1 frees the roots only with shadow paging: a later NOFLUSH CR3 load must not
  // resurrect a prev root cached while PCIDs were off. No flush: the TLB itself stays.
  if (!vcpu.kvm.tdp_enabled && (cr4 & CR4_PCIDE) !== 0 && (old_cr4 & CR4_PCIDE) === 0) kvm_mmu_unload(vcpu);
  if ((changed & CR4_PGE) !== 0 || ((cr4 & CR4_PCIDE) === 0 && (old_cr4 & CR4_PCIDE) !== 0)) {
    kvm_make_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu);
  } else if ((changed & CR4_PAE) !== 0 || ((cr4 & CR4_SMEP) !== 0 && (old_cr4 & CR4_SMEP) === 0)) {
    kvm_make_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu);
  }
}

/** kvm_set_cr4. */
export function kvm_set_cr4(vcpu: KvmVcpu, value: U64): number {
  const a = vcpu.arch;
  const old_cr4 = a.cr4;
  if (value.hi !== 0) return 1;
  const cr4 = value.lo;
  if (!kvm_is_valid_cr4(vcpu.kvm.caps, cr4)) return 1;

  // KVM checks PCIDE after loading the PDPTRs, so a refused write could still have replaced
  // them; the model contract says a #GP changes nothing, so the PCIDE check comes first here
  // (its conditions exclude PAE paging anyway, except for the side effect).
  if ((cr4 & CR4_PCIDE) !== 0 && (old_cr4 & CR4_PCIDE) === 0) {
    // PCID can not be enabled when CR3[11:0] != 0 or EFER.LMA = 0.
    if ((a.cr3 & X86_CR3_PCID_MASK) !== 0 || !is_long_mode(vcpu)) return 1;
  }
  if (is_long_mode(vcpu)) {
    if ((cr4 & CR4_PAE) === 0) return 1;
    if (((cr4 ^ old_cr4) & CR4_LA57) !== 0) return 1;
  } else if (is_paging(vcpu) && (cr4 & CR4_PAE) !== 0 && ((cr4 ^ old_cr4) & X86_CR4_PDPTR_BITS) !== 0 && !load_pdptrs(vcpu, a.cr3)) {
    return 1;
  }

  a.cr4 = cr4;
  kvm_post_set_cr4(vcpu, old_cr4, cr4);
  return 0;
}

// ---- EFER, PKRU, RFLAGS --------------------------------------------------------------------

/** set_efer (guest-initiated WRMSR). LMA is read-only: only CR0.PG changes it. */
export function set_efer(vcpu: KvmVcpu, value: U64): number {
  const a = vcpu.arch;
  const old_efer = a.efer;
  if (value.hi !== 0) return 1;
  let efer = value.lo;
  // efer_reserved_bits + __kvm_valid_efer (NX needs the guest CPUID bit).
  const allowed = EFER_SCE | EFER_LME | EFER_LMA | (vcpu.kvm.caps.nx ? EFER_NXE : 0);
  if ((efer & ~allowed) !== 0) return 1;
  if (is_paging(vcpu) && (a.efer & EFER_LME) !== (efer & EFER_LME)) return 1;

  efer &= ~EFER_LMA;
  efer |= a.efer & EFER_LMA;
  a.efer = efer;
  if ((efer ^ old_efer) & KVM_MMU_EFER_ROLE_BITS) kvm_mmu_reset_context(vcpu);
  return 0;
}

/** WRPKRU (#UD without CR4.PKE, reported as #GP by the contract). */
export function kvm_set_pkru(vcpu: KvmVcpu, value: U64): number {
  const a = vcpu.arch;
  if ((a.cr4 & CR4_PKE) === 0) return 1;
  if (value.hi !== 0) return 1;
  a.pkru = value.lo;
  return 0;
}

/** kvm_set_rflags: only AC matters to the MMU; bit 1 always reads as 1. */
export function kvm_set_rflags(vcpu: KvmVcpu, value: U64): number {
  if (value.hi !== 0) return 1;
  vcpu.arch.rflags = (value.lo | RFLAGS_FIXED) >>> 0;
  return 0;
}

// ---- INVPCID -------------------------------------------------------------------------------

const INVPCID_TYPE_INDIV_ADDR = 0;
const INVPCID_TYPE_SINGLE_CTXT = 1;
const INVPCID_TYPE_ALL_INCL_GLOBAL = 2;
const INVPCID_TYPE_ALL_NON_GLOBAL = 3;

/** kvm_handle_invpcid (plus the vendor's #UD / type checks, folded into #GP). */
export function kvm_handle_invpcid(vcpu: KvmVcpu, type: number, pcid: number, gva: U64): number {
  if (!vcpu.kvm.caps.pcid) return 1;
  if (!(type >= 0 && type <= 3)) return 1;
  if (pcid < 0 || pcid > 0xfff) return 1;
  const pcid_enabled = (vcpu.arch.cr4 & CR4_PCIDE) !== 0;
  switch (type) {
    case INVPCID_TYPE_INDIV_ADDR:
      if ((!pcid_enabled && pcid !== 0) || is_noncanonical_address(gva, vcpu)) return 1;
      kvm_mmu_invpcid_gva(vcpu, gva, pcid);
      return 0;
    case INVPCID_TYPE_SINGLE_CTXT:
      if (!pcid_enabled && pcid !== 0) return 1;
      kvm_invalidate_pcid(vcpu, pcid);
      return 0;
    case INVPCID_TYPE_ALL_NON_GLOBAL:
    // KVM does not track global entries: a non-global flush is a global one.
    case INVPCID_TYPE_ALL_INCL_GLOBAL:
      kvm_make_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu);
      return 0;
  }
  return 1;
}

// ---- Emulator translation ------------------------------------------------------------------

/**
 * The access code of an emulated access (kvm_mmu_gva_to_gpa_read/write/fetch/system): U at
 * CPL 3 unless implicit, W for writes, F for fetches, IMPLICIT for implicit supervisor accesses.
 */
export function emulator_access(kind: 'read' | 'write' | 'fetch', cpl: number, implicit: boolean): number {
  let access = implicit ? PFERR_IMPLICIT_ACCESS : cpl === 3 ? PFERR_USER : 0;
  if (kind === 'write') access |= PFERR_WRITE;
  else if (kind === 'fetch') access |= PFERR_FETCH;
  return access;
}

/** kvm_mmu_gva_to_gpa_*: through walk_mmu's gva_to_gpa. Returns the gpa or INVALID_GPA. */
export function kvm_mmu_gva_to_gpa(vcpu: KvmVcpu, addr_lo: number, addr_hi: number, access: number, exception: X86Exception): number {
  const mmu = vcpu.arch.walk_mmu;
  return mmu.gva_to_gpa(vcpu, mmu, addr_lo, addr_hi, access, exception);
}

/**
 * kvm_inject_emulated_page_fault: choose the MMU whose inject callback delivers the fault. A
 * fault on a present translation (P=1, not a reserved-bit fault) may have come from a stale TLB
 * entry; hardware drops that entry before delivering #PF, so KVM invalidates the faulting
 * address in the current root first (a `flush gva`), or the guest could fault on it forever.
 */
export function kvm_inject_emulated_page_fault(vcpu: KvmVcpu, fault: X86Exception): void {
  const fault_mmu = fault.nested_page_fault ? vcpu.arch.mmu : vcpu.arch.walk_mmu;
  if ((fault.error_code & PFERR_PRESENT) !== 0 && (fault.error_code & PFERR_RSVD) === 0) {
    kvm_mmu_invalidate_addr(vcpu, fault_mmu, { lo: fault.address_lo, hi: fault.address_hi }, KVM_MMU_ROOT_CURRENT);
  }
  fault_mmu.inject_page_fault(vcpu, fault);
}
