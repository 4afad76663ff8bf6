// Guest TLB invalidations (§7.5, model-contract "TLB operations"): INVLPG and INVPCID become
// flush requests, as does the invalidation before an emulated #PF; under shadow paging they
// also re-sync the gva's SPTE in unsync pages of the roots concerned. Models kvm_mmu_invlpg /
// kvm_mmu_invpcid_gva / kvm_handle_invpcid / kvm_mmu_invalidate_addr in the kvm-chainsaw tree.
import type { U64 } from '../backend.js';
import { CR3_PCID_MASK, CR4_PCIDE } from '../x86/bits.js';
import { isCanonical, isLongMode, modeGva } from './canonical.js';
import { kvmInvalidatePcid } from './mmu.js';
import { ROOT_SP } from './shadow/roots.js';
import { invalidateAddrInRoot } from './shadow/sync.js';
import type { KvmPageWalk } from './pagewalk.js';
import type { Vcpu } from './vcpu.js';

/** KVM_MMU_ROOT_CURRENT and KVM_MMU_ROOT_PREVIOUS(i) = 2 << i. */
export const ROOT_CURRENT = 1;
export const ROOTS_ALL = 0xf;

/**
 * kvm_mmu_invalidate_addr(w, addr, roots): for gva_walk a hardware flush of the GVA
 * (non-canonical: nothing, as for INVLPG). ngpa_walk translates L2 GPAs, not linear
 * addresses: no hardware flush. With TDP the roots are direct, so there is no gpte to sync;
 * with shadow paging each root in `roots` re-syncs the gva's SPTE in its unsync pages.
 */
export function kvmMmuInvalidateAddr(v: Vcpu, w: KvmPageWalk, gva: U64, roots = ROOT_CURRENT): void {
  if (w !== v.gvaWalk) return;
  if (isLongMode(v) && !isCanonical(v, gva)) return;
  v.events.requestFlush('gva', gva);
  if (v.tdpEnabled) return;
  const mmu = v.mmu;
  if ((roots & ROOT_CURRENT) !== 0) invalidateAddrInRoot(v, mmu.shadowRoot, gva.lo, gva.hi);
  mmu.shadowPrevRoots.forEach((r, i) => {
    if ((roots & (2 << i)) !== 0) invalidateAddrInRoot(v, r, gva.lo, gva.hi);
  });
}

/** INVLPG (all roots). Always succeeds. */
export function kvmMmuInvlpg(v: Vcpu, gva: U64): void {
  kvmMmuInvalidateAddr(v, v.gvaWalk, modeGva(v, gva), v.bug.invlpgSkipsPrevRoots ? ROOT_CURRENT : ROOTS_ALL);
}

/** kvm_mmu_invpcid_gva: the current root if pcid is active, and the cached roots of that PCID. */
function kvmMmuInvpcidGva(v: Vcpu, gva: U64, pcid: number): void {
  let roots = pcid === activePcid(v) ? ROOT_CURRENT : 0;
  if (!v.tdpEnabled) {
    v.mmu.shadowPrevRoots.forEach((r, i) => {
      if (r.kind === ROOT_SP && pcid === ((v.cr4 & CR4_PCIDE) !== 0 ? r.pgdLo & CR3_PCID_MASK : 0)) roots |= 2 << i;
    });
  }
  if (roots !== 0) kvmMmuInvalidateAddr(v, v.gvaWalk, gva, roots);
}

/** kvm_get_active_pcid. */
function activePcid(v: Vcpu): number {
  return (v.cr4 & CR4_PCIDE) !== 0 ? v.cr3Lo & CR3_PCID_MASK : 0;
}

/** INVPCID. Returns false for #GP (#UD without the feature is folded into it). */
export function kvmHandleInvpcid(v: Vcpu, type: number, pcid: number, gvaIn: U64): boolean {
  if (!v.hasPcid) return false;
  if (type > 3 || pcid > 0xfff) return false;
  const pcidEnabled = (v.cr4 & CR4_PCIDE) !== 0;
  switch (type) {
    case 0: {
      const gva = modeGva(v, gvaIn);
      if ((!pcidEnabled && pcid !== 0) || (isLongMode(v) && !isCanonical(v, gva))) return false;
      kvmMmuInvpcidGva(v, gva, pcid);
      return true;
    }
    case 1:
      if (!pcidEnabled && pcid !== 0) return false;
      kvmInvalidatePcid(v, pcid);
      return true;
    default:
      v.events.requestFlush('guest');
      return true;
  }
}
