// PAE PDPTR register cache: load_pdptrs (x86.c), kvm_pdptr_read (kvm_cache_regs.h) and the
// vendor cache_reg hooks (vmx.c / svm.c) that refill VCPU_EXREG_PDPTR after an exit.
// Kept apart from x86.ts so the MMU (get_pdptr) and the CR writers share it without a cycle.
import { NOT_BACKED } from '../memory/guest-memory.js';
import { KVM_REQ_LOAD_MMU_PGD, kvm_make_request, type KvmVcpu } from './kvm-host.js';
import { KVM_MMU_ROOT_CURRENT, kvm_mmu_free_roots } from './mmu.js';

/** Reserved bits of a present PAE PDPTE (pdptr_rsvd_bits): M..63, 8:5, 2:1. Low half. */
const PDPTR_RSVD_LO = 0x1e6;

/** High half of rsvd_bits(M, 63). M is 36..52. */
function pdptrRsvdHi(maxphyaddr: number): number {
  return (~((1 << (maxphyaddr - 32)) - 1)) >>> 0;
}

/**
 * load_pdptrs: reads the four PDPTEs at CR3[M-1:5] into walk_mmu->pdptrs. Returns false, changing
 * nothing, when the PDPT is outside every memslot or a present PDPTE has reserved bits set.
 */
export function load_pdptrs(vcpu: KvmVcpu, cr3: number): boolean {
  const mmu = vcpu.arch.walk_mmu;
  const mem = vcpu.kvm.memory;
  // kvm_translate_gpa would translate an L2 CR3 through EPT12/NPT12; walk_mmu is never
  // nested_mmu in this scope, so the PDPT gpa is CR3 itself.
  const pdpt = cr3 - (cr3 & 0x1f);
  const rsvdHi = pdptrRsvdHi(vcpu.kvm.caps.maxphyaddr);
  let l0 = 0, h0 = 0, l1 = 0, h1 = 0, l2 = 0, h2 = 0, l3 = 0, h3 = 0;
  for (let i = 0; i < 4; i++) {
    const lo = mem.read32(pdpt + 8 * i);
    const hi = mem.read32(pdpt + 8 * i + 4);
    if (lo === NOT_BACKED || hi === NOT_BACKED) return false;
    if ((lo & 1) !== 0 && ((lo & PDPTR_RSVD_LO) !== 0 || (hi & rsvdHi) !== 0)) return false;
    if (i === 0) (l0 = lo), (h0 = hi);
    else if (i === 1) (l1 = lo), (h1 = hi);
    else if (i === 2) (l2 = lo), (h2 = hi);
    else (l3 = lo), (h3 = hi);
  }
  // With TDP a PDPTE change does not free roots; shadow paging rebuilds its PAE roots.
  if (
    !vcpu.kvm.tdp_enabled &&
    (mmu.pdptrs_lo[0] !== l0 || mmu.pdptrs_hi[0] !== h0 || mmu.pdptrs_lo[1] !== l1 || mmu.pdptrs_hi[1] !== h1 ||
      mmu.pdptrs_lo[2] !== l2 || mmu.pdptrs_hi[2] !== h2 || mmu.pdptrs_lo[3] !== l3 || mmu.pdptrs_hi[3] !== h3)
  ) {
    kvm_mmu_free_roots(vcpu.kvm, mmu, KVM_MMU_ROOT_CURRENT);
  }
  mmu.pdptrs_lo[0] = l0;
  mmu.pdptrs_hi[0] = h0;
  mmu.pdptrs_lo[1] = l1;
  mmu.pdptrs_hi[1] = h1;
  mmu.pdptrs_lo[2] = l2;
  mmu.pdptrs_hi[2] = h2;
  mmu.pdptrs_lo[3] = l3;
  mmu.pdptrs_hi[3] = h3;
  vcpu.arch.pdptr_avail = true; // kvm_register_mark_dirty implies available
  kvm_make_request(KVM_REQ_LOAD_MMU_PGD, vcpu);
  return true;
}

/**
 * The vendor cache_reg(VCPU_EXREG_PDPTR) hook.
 * VMX with EPT: the PDPTEs live in the VMCS, loaded from (and equal to) the cached copy; the
 * guest cannot change them behind KVM's back here, so nothing to re-read (Intel: PDPTEs are
 * registers, SDM 4.4.1).
 * SVM with NPT: the CPU has no PDPTE registers to save; KVM re-reads guest memory at CR3, and a
 * failed re-read leaves the old values in place.
 */
export function kvm_cache_reg_pdptr(vcpu: KvmVcpu): void {
  vcpu.arch.pdptr_avail = true;
  if (vcpu.kvm.caps.vendor === 'amd') load_pdptrs(vcpu, vcpu.arch.cr3);
}

/** kvm_pdptr_read: the default get_pdptr callback. Writes PDPTE `index` as [lo, hi] to out. */
export function kvm_pdptr_read(vcpu: KvmVcpu, index: number, out: Uint32Array): void {
  if (!vcpu.arch.pdptr_avail) kvm_cache_reg_pdptr(vcpu);
  const mmu = vcpu.arch.walk_mmu;
  out[0] = mmu.pdptrs_lo[index];
  out[1] = mmu.pdptrs_hi[index];
}

/** The exit path: lazily-loaded registers become unavailable (regs_avail &= ~LAZY_LOAD_SET). */
export function kvm_vcpu_exit_clear_lazy_regs(vcpu: KvmVcpu): void {
  vcpu.arch.pdptr_avail = false;
}
