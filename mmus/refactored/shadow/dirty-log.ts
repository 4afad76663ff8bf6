// Dirty logging under shadow paging (§7.9): enabling KVM_MEM_LOG_DIRTY_PAGES write-protects
// every writable leaf SPTE of the slot, so the next guest write faults and is logged. Models
// kvm_mmu_slot_remove_write_access (slot_rmap_write_protect) in arch/x86/kvm/mmu/mmu.c.
import { PTE_RW } from '../../x86/bits.js';
import type { Memslot } from '../../memory/memslot.js';
import type { Vcpu } from '../vcpu.js';
import type { SpteRef } from './sp.js';
import { compareSpteRef } from './wrprot.js';

/** W off every writable leaf mapping a gfn of the slot (ascending gfn, holder); returns the count. */
export function shadowSlotRemoveWrite(v: Vcpu, slot: Memslot): number {
  if (v.bug.dirtyLogNoWrprot) return 0;
  const hits: { gfn: number; ref: SpteRef }[] = [];
  for (const [gfn, refs] of v.shadow.rmap) {
    if (!slot.containsGfn(gfn)) continue;
    for (const ref of refs) if ((ref.sp.spteLo[ref.index] & PTE_RW) !== 0) hits.push({ gfn, ref });
  }
  hits.sort((a, b) => a.gfn - b.gfn || compareSpteRef(a.ref, b.ref));
  for (const { gfn, ref } of hits) {
    ref.sp.spteLo[ref.index] = (ref.sp.spteLo[ref.index] & ~PTE_RW) >>> 0;
    v.events.push({ type: 'wrprot', gfn, level: 1 });
  }
  return hits.length;
}
