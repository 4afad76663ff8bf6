// The per-operation service step under shadow paging (docs/model-contract-shadow.md "Service
// step"): the requests KVM handles before re-entering the guest, in vcpu_enter_guest's order —
// free obsolete roots, KVM_REQ_MMU_SYNC, KVM_REQ_TLB_FLUSH_GUEST (sync roots, drop unsync prev
// roots), then kvm_mmu_reload. Models arch/x86/kvm/x86.c and kvm_mmu_load in mmu.c.
import type { Vcpu } from '../vcpu.js';
import { freeRoot, isObsoleteRoot, mmuAllocRoots, ROOT_INVALID } from './roots.js';
import { kvmMmuSyncPrevRoots, kvmMmuSyncRoots } from './sync.js';

/** Runs after every operation (shadow paging only); its events join the operation's. */
export function shadowServiceRequests(v: Vcpu): void {
  const mmu = v.mmu;
  // KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: roots whose pages a zap took away.
  if (isObsoleteRoot(mmu.shadowRoot)) freeRoot(mmu.shadowRoot);
  for (const r of mmu.shadowPrevRoots) if (isObsoleteRoot(r)) freeRoot(r);
  if (v.reqMmuSync) {
    v.reqMmuSync = false;
    kvmMmuSyncRoots(v);
  }
  if (v.events.isRequested('guest')) {
    kvmMmuSyncRoots(v);
    kvmMmuSyncPrevRoots(v);
  }
  kvmMmuReload(v);
}

/** kvm_mmu_reload: with no valid current root, kvm_mmu_load allocates it, then syncs what it reaches. */
export function kvmMmuReload(v: Vcpu): void {
  if (v.mmu.shadowRoot.kind !== ROOT_INVALID) return;
  mmuAllocRoots(v);
  kvmMmuSyncRoots(v);
}
