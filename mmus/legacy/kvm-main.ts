// KVM_SET_USER_MEMORY_REGION as the MMU sees it (virt/kvm/kvm_main.c __kvm_set_memory_region
// plus x86.c's kvm_arch_flush_shadow_memslot / kvm_mmu_slot_apply_flags). Delete and move zap
// the old range's leaf SPTEs (TDP) or, with shadow paging, zap every shadow page (the
// SLOT_ZAP_ALL quirk's fast zap); enabling dirty logging write-protects the slot's SPTEs; every
// successful change bumps the memslot generation. Semantics: docs/model-contract.md
// "Memslots" and docs/model-contract-shadow.md "Zaps and memslots".
import type { MemslotAction, MemslotFlag } from '../backend.js';
import type { Memslot } from '../memory/memslot.js';
import type { Kvm } from './kvm-host.js';
import { KVM_REQ_TLB_FLUSH } from './kvm-host.js';
import { kvm_mmu_slot_remove_write_access, kvm_zap_gfn_range } from './mmu.js';
import { kvm_mmu_zap_all_fast, kvm_shadow_wrprot_slot } from './shadow-mmu.js';

const PAGE_SIZE = 4096;

/**
 * kvm_arch_flush_shadow_memslot: TDP zaps every leaf SPTE of the slot (contract: no fast
 * zap-all); the shadow MMU, with KVM's default quirk, zaps everything.
 */
function kvm_arch_flush_shadow_memslot(kvm: Kvm, slot: Memslot): void {
  if (!kvm.tdp_enabled) kvm_mmu_zap_all_fast(kvm);
  else kvm_zap_gfn_range(kvm, slot.baseGfn, slot.baseGfn + slot.npages);
}

/** kvm_mmu_slot_apply_flags: dirty logging turned on write-protects the slot. */
function kvm_mmu_slot_apply_flags(kvm: Kvm, old_dirty_log: boolean, slot: Memslot): void {
  if (old_dirty_log === slot.dirtyLog || !slot.dirtyLog) return;
  if (!kvm.tdp_enabled) {
    if (kvm_shadow_wrprot_slot(kvm, slot.baseGfn, slot.baseGfn + slot.npages)) kvm.log.request(KVM_REQ_TLB_FLUSH);
  } else kvm_mmu_slot_remove_write_access(kvm, slot.baseGfn, slot.npages);
  // Turning logging off would let collapsible huge pages come back; host memory is 4 KiB here.
}

/** What __kvm_set_memory_region did. */
const REJECTED = 0;
const UNCHANGED = 1;
const CHANGED = 2;

/**
 * Returns true when KVM accepts the change, false when it refuses it (nothing changed). An
 * accepted change that changes something is a new memslot generation (older MMIO SPTEs fault
 * into KVM again); a move to the slot's own gpa or unchanged flags are no-ops.
 */
export function kvm_set_memory_region(
  kvm: Kvm,
  action: MemslotAction,
  id: number,
  gpa: number,
  size: number,
  flags: readonly MemslotFlag[],
): boolean {
  const r = __kvm_set_memory_region(kvm, action, id, gpa, size, flags);
  if (r === CHANGED) {
    kvm.memslots_gen++;
    kvm.memslots_updated = true;
  }
  return r !== REJECTED;
}

function __kvm_set_memory_region(
  kvm: Kvm,
  action: MemslotAction,
  id: number,
  gpa: number,
  size: number,
  flags: readonly MemslotFlag[],
): number {
  const mem = kvm.memory;
  switch (action) {
    case 'add':
      return mem.addSlot({ slot: id, gpa, size, flags }) === undefined ? CHANGED : REJECTED;
    case 'delete': {
      const slot = mem.slotById(id);
      if (slot === undefined) return REJECTED;
      kvm_arch_flush_shadow_memslot(kvm, slot);
      return mem.deleteSlot(id) === undefined ? CHANGED : REJECTED;
    }
    case 'move': {
      const slot = mem.slotById(id);
      if (slot === undefined) return REJECTED;
      // Same base gfn: not a move at all for KVM (and the flags are not part of a move).
      if (gpa === slot.baseGfn * PAGE_SIZE) return UNCHANGED;
      if (mem.checkRange(gpa, slot.npages * PAGE_SIZE, id) !== undefined) return REJECTED;
      kvm_arch_flush_shadow_memslot(kvm, slot);
      return mem.moveSlot(id, gpa) === undefined ? CHANGED : REJECTED;
    }
    case 'flags': {
      const slot = mem.slotById(id);
      if (slot === undefined) return REJECTED;
      const old_dirty_log = slot.dirtyLog;
      const old_readonly = slot.readonly;
      if (mem.setFlags(id, flags) !== undefined) return REJECTED;
      kvm_mmu_slot_apply_flags(kvm, old_dirty_log, slot);
      return slot.dirtyLog === old_dirty_log && slot.readonly === old_readonly ? UNCHANGED : CHANGED;
    }
  }
}
