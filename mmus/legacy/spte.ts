// SPTE masks and make_spte for the TDP MMU's leaf SPTEs (arch/x86/kvm/mmu/spte.c, spte.h, LEG):
// kvm_mmu_set_ept_masks for Intel, kvm_mmu_reset_all_pte_masks for AMD NPT. KVM keeps these as
// module globals; here they hang off the VM so two backends in one process stay independent.
// SPTE values are two 32-bit halves.
import { ACC_EXEC_MASK, ACC_USER_MASK, ACC_WRITE_MASK, type KvmCaps } from './kvm-host.js';

/** SPTE_MMU_PRESENT_MASK (bit 11): software "this SPTE is shadow-present". */
export const SPTE_MMU_PRESENT_MASK = 1 << 11;
/** SPTE_TDP_AD_DISABLED (bit 52, high half bit 20): A/D-less SPTE (EPT without A/D bits). */
const SPTE_TDP_AD_DISABLED_HI = 1 << 20;
const SPTE_TDP_AD_MASK_HI = 3 << 20;
const PT_WRITABLE_MASK = 1 << 1;
const TWO_32 = 4294967296;

/** The per-vendor SPTE masks, each as [lo, hi] halves where needed. */
export class SpteMasks {
  readonly present_lo: number;
  readonly present_hi: number;
  readonly user_lo: number;
  readonly x_lo: number;
  readonly nx_hi: number;
  readonly accessed_lo: number;
  readonly dirty_lo: number;
  readonly memtype_lo: number;
  readonly host_writable_lo: number;
  readonly host_writable_hi: number;
  readonly mmu_writable_lo: number;
  readonly mmu_writable_hi: number;
  /** KVM software bits, excluded from `map` events. */
  readonly sw_lo: number;
  readonly sw_hi: number;
  readonly ad_disabled: boolean;

  constructor(caps: KvmCaps) {
    if (caps.vendor === 'intel') {
      // kvm_mmu_set_ept_masks(has_ad_bits = ept_ad, has_exec_only = false)
      this.present_lo = 1 << 0; // VMX_EPT_READABLE_MASK (no execute-only support assumed)
      this.present_hi = (1 << 31) >>> 0; // VMX_EPT_SUPPRESS_VE_BIT
      this.user_lo = 1 << 0; // "user" = readable in LEG's EPT encoding
      this.x_lo = 1 << 2;
      this.nx_hi = 0;
      this.accessed_lo = caps.ept_ad ? 1 << 8 : 0;
      this.dirty_lo = caps.ept_ad ? 1 << 9 : 0;
      this.memtype_lo = (6 << 3) | (1 << 6); // vmx_get_mt_mask: WB | IPAT
      this.host_writable_lo = 0;
      this.host_writable_hi = 1 << 25; // EPT_SPTE_HOST_WRITABLE, bit 57
      this.mmu_writable_lo = 0;
      this.mmu_writable_hi = 1 << 26; // EPT_SPTE_MMU_WRITABLE, bit 58
      this.ad_disabled = !caps.ept_ad;
    } else {
      this.present_lo = 1 << 0;
      this.present_hi = 0;
      this.user_lo = 1 << 2;
      this.x_lo = 0;
      this.nx_hi = (1 << 31) >>> 0;
      this.accessed_lo = 1 << 5;
      this.dirty_lo = 1 << 6;
      this.memtype_lo = 0;
      this.host_writable_lo = 1 << 9; // DEFAULT_SPTE_HOST_WRITABLE
      this.host_writable_hi = 0;
      this.mmu_writable_lo = 1 << 10; // DEFAULT_SPTE_MMU_WRITABLE
      this.mmu_writable_hi = 0;
      this.ad_disabled = false;
    }
    this.sw_lo = (SPTE_MMU_PRESENT_MASK | this.host_writable_lo | this.mmu_writable_lo) >>> 0;
    this.sw_hi = (SPTE_TDP_AD_MASK_HI | this.host_writable_hi | this.mmu_writable_hi) >>> 0;
  }
}

/**
 * make_spte for a TDP leaf at level 1 (no prefetch, no huge page, no unsync: TDP never shadows
 * guest tables). Writes the SPTE to out[0..1].
 */
export function make_spte(m: SpteMasks, pte_access: number, pfn: number, host_writable: boolean, out: Uint32Array): void {
  let lo = SPTE_MMU_PRESENT_MASK | m.present_lo | m.accessed_lo;
  let hi = m.present_hi;
  if (m.ad_disabled) hi |= SPTE_TDP_AD_DISABLED_HI;
  if (pte_access & ACC_EXEC_MASK) lo |= m.x_lo;
  else hi |= m.nx_hi;
  if (pte_access & ACC_USER_MASK) lo |= m.user_lo;
  lo |= m.memtype_lo;
  if (host_writable) {
    lo |= m.host_writable_lo;
    hi |= m.host_writable_hi;
  } else {
    pte_access &= ~ACC_WRITE_MASK;
  }
  const hpa = pfn * 4096;
  lo |= hpa % TWO_32;
  hi |= Math.floor(hpa / TWO_32);
  if (pte_access & ACC_WRITE_MASK) {
    lo |= PT_WRITABLE_MASK | m.mmu_writable_lo | m.dirty_lo;
    hi |= m.mmu_writable_hi;
  }
  out[0] = lo >>> 0;
  out[1] = hi >>> 0;
}

export function is_shadow_present_pte(lo: number): boolean {
  return (lo & SPTE_MMU_PRESENT_MASK) !== 0;
}

export function is_writable_pte(lo: number): boolean {
  return (lo & PT_WRITABLE_MASK) !== 0;
}

export function is_mmu_writable_spte(m: SpteMasks, lo: number, hi: number): boolean {
  return ((lo & m.mmu_writable_lo) | (hi & m.mmu_writable_hi)) !== 0;
}

export function is_executable_pte(m: SpteMasks, lo: number, hi: number): boolean {
  return (lo & m.x_lo) === m.x_lo && (hi & m.nx_hi) === 0;
}

/** The SPTE minus the write bit: dirty-logging write protection keeps A, D and MMU-writable. */
export function spte_clear_writable(_m: SpteMasks, lo: number): number {
  return (lo & ~PT_WRITABLE_MASK) >>> 0;
}

/** Restores W on an MMU-writable SPTE (fast_page_fault); hardware would set D on the write. */
export function spte_set_writable(m: SpteMasks, lo: number): number {
  return (lo | PT_WRITABLE_MASK | m.dirty_lo) >>> 0;
}

/** Host frame number of a present SPTE (bits 51:12). */
export function spte_to_pfn(lo: number, hi: number): number {
  return (hi & 0xfffff) * (TWO_32 / 4096) + ((lo >>> 12) & 0xfffff);
}

/** The SPTE as `map` events report it: architectural bits only. */
export function spte_event_lo(m: SpteMasks, lo: number): number {
  return (lo & ~m.sw_lo) >>> 0;
}

export function spte_event_hi(m: SpteMasks, hi: number): number {
  return (hi & ~m.sw_hi) >>> 0;
}

// ---- Shadow paging SPTEs (x86 format: kvm_mmu_reset_all_pte_masks, ept=0) --------------------
// A shadow MMU on an Intel host without EPT uses the architectural x86 format for its SPTEs:
// P, W, U, A, D, NX at their PTE positions, software bits 9 (host-writable), 10 (MMU-writable)
// and 11 (shadow-present). Non-leaf shadow entries are P|W|U without NX, so only the leaf
// decides the rights the hardware enforces.

const X86_P = 1 << 0;
const X86_W = 1 << 1;
const X86_U = 1 << 2;
const X86_A = 1 << 5;
const X86_D = 1 << 6;
const X86_HOST_WRITABLE = 1 << 9;
const X86_MMU_WRITABLE = 1 << 10;
const X86_NX_HI = (1 << 31) >>> 0;
/** shadow_host_writable_mask: the slot was writable when the SPTE was made. */
export const SHADOW_SPTE_HOST_WRITABLE = X86_HOST_WRITABLE;
/** Software bits of a shadow SPTE, left out of `map` events and digests. */
export const SHADOW_SPTE_SW_LO = (X86_HOST_WRITABLE | X86_MMU_WRITABLE | SPTE_MMU_PRESENT_MASK) >>> 0;

/**
 * An MMIO SPTE: not shadow-present, with reserved bit 51 so that the hardware reports a
 * reserved-bit fault; the gfn and generation live in the page's shadowed_translation arrays.
 */
export const MMIO_SPTE_LO = X86_P;
export const MMIO_SPTE_HI = 1 << 19;

export function is_mmio_spte(lo: number, hi: number): boolean {
  return (lo & SPTE_MMU_PRESENT_MASK) === 0 && (hi & MMIO_SPTE_HI) !== 0;
}

/**
 * make_spte for a shadow leaf (level 1, never a prefetch): P, A, U with ACC_USER, NX without
 * ACC_EXEC, W and MMU-writable with ACC_WRITE (the caller already removed ACC_WRITE where KVM
 * refuses it), D with W unless `dirty` is false (KVM's "old SPTE kept W" shortcut), the
 * host-writable software bit when the slot is writable. Writes [lo, hi] to out.
 */
export function make_shadow_spte(pte_access: number, pfn: number, host_writable: boolean, out: Uint32Array, dirty = true): void {
  let lo = SPTE_MMU_PRESENT_MASK | X86_P | X86_A;
  let hi = 0;
  if ((pte_access & ACC_EXEC_MASK) === 0) hi |= X86_NX_HI;
  if (pte_access & ACC_USER_MASK) lo |= X86_U;
  if (host_writable) lo |= X86_HOST_WRITABLE;
  else pte_access &= ~ACC_WRITE_MASK;
  const hpa = pfn * 4096;
  lo |= hpa % TWO_32;
  hi |= Math.floor(hpa / TWO_32);
  if (pte_access & ACC_WRITE_MASK) {
    lo |= X86_W | X86_MMU_WRITABLE;
    if (dirty) lo |= X86_D;
  }
  out[0] = lo >>> 0;
  out[1] = hi >>> 0;
}

/**
 * spte_write_protect: W goes (A and D stay). Protecting a shadowed guest page table
 * (`pt_protect`) also clears MMU-writable: only an unsync step may make the SPTE writable
 * again; dirty logging keeps it.
 */
export function shadow_spte_clear_writable(lo: number, pt_protect: boolean): number {
  return (lo & ~(pt_protect ? X86_W | X86_MMU_WRITABLE : X86_W)) >>> 0;
}

/** shadow_mmu_writable_mask is set. */
export function is_mmu_writable_shadow_spte(lo: number): boolean {
  return (lo & X86_MMU_WRITABLE) !== 0;
}

/**
 * The hardware's permission check on a present shadow leaf (SDM 4.6 with CR0.WP = 1): W for
 * writes, U for user accesses, not U for a supervisor fetch under SMEP or a supervisor data
 * access under SMAP without the AC override, and no NX for fetches.
 */
export function shadow_spte_allows(lo: number, hi: number, write: boolean, user: boolean, fetch: boolean, smep: boolean, smap: boolean): boolean {
  if (write && (lo & X86_W) === 0) return false;
  if (fetch && (hi & X86_NX_HI) !== 0) return false;
  const u = (lo & X86_U) !== 0;
  if (user) return u;
  if (u && (fetch ? smep : smap)) return false;
  return true;
}
