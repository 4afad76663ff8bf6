// MMIO SPTEs and the memslot generation (§7.8): every memslot change bumps the generation, so
// MMIO SPTEs stamped earlier fault into KVM again (lazily, no zap), and a dummy root — whose
// CR3 frame had no memslot — is dropped so the next entry looks again. Models
// kvm_mmu_invalidate_mmio_sptes / kvm_arch_memslots_updated (arch/x86/kvm/mmu/mmu.c, x86.c).
import type { Vcpu } from '../vcpu.js';
import { freeRoot, ROOT_DUMMY } from './roots.js';

/** After a memslot change took effect (shadow paging only). */
export function shadowMemslotsUpdated(v: Vcpu): void {
  v.shadow.memslotGeneration++;
  const root = v.mmu.shadowRoot;
  if (root.kind === ROOT_DUMMY) freeRoot(root);
}
