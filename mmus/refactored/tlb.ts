// Guest TLB invalidations under TDP (§7.5, model-contract "TLB operations"): INVLPG and
// INVPCID become flush requests, as does the invalidation before an emulated #PF. Models
// kvm_mmu_invlpg / kvm_handle_invpcid / kvm_mmu_invalidate_addr in the kvm-chainsaw tree.
import type { U64 } from '../backend.js';
import { CR3_PCID_MASK, CR4_PCIDE } from '../x86/bits.js';
import { isCanonical, isLongMode, modeGva } from './canonical.js';
import type { KvmPageWalk } from './pagewalk.js';
import type { Vcpu } from './vcpu.js';

/**
 * kvm_mmu_invalidate_addr(w, addr, KVM_MMU_ROOT_CURRENT): for gva_walk a hardware flush of the
 * GVA (non-canonical: nothing, as for INVLPG). ngpa_walk translates L2 GPAs, not linear
 * addresses: no hardware flush. With TDP the roots are direct, so there is no gpte to sync.
 */
export function kvmMmuInvalidateAddr(v: Vcpu, w: KvmPageWalk, gva: U64): void {
  if (w !== v.gvaWalk) return;
  if (isLongMode(v) && !isCanonical(v, gva)) return;
  v.events.requestFlush('gva', gva);
}

/** INVLPG. Always succeeds. */
export function kvmMmuInvlpg(v: Vcpu, gva: U64): void {
  kvmMmuInvalidateAddr(v, v.gvaWalk, modeGva(v, gva));
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
      if (pcid === activePcid(v)) kvmMmuInvalidateAddr(v, v.gvaWalk, gva);
      return true;
    }
    case 1:
      if (!pcidEnabled && pcid !== 0) return false;
      // kvm_invalidate_pcid: with TDP a guest TLB flush.
      v.events.requestFlush('guest');
      return true;
    default:
      v.events.requestFlush('guest');
      return true;
  }
}
