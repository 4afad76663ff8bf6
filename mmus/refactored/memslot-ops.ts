// KVM_SET_USER_MEMORY_REGION as the MMU sees it (model-contract "Memslots"): delete and move zap
// the slot's TDP leaves — or, under shadow paging, every shadow page (the fast zap of
// kvm_arch_flush_shadow_memslot) — and enabling dirty logging write-protects the slot's leaves
// (kvm_mmu_slot_apply_flags). Every change bumps the memslot generation under shadow paging.
// Models arch/x86/kvm/x86.c + mmu/mmu.c.
import type { MemslotAction, MemslotFlag, Observation } from '../backend.js';
import type { Memslot } from '../memory/memslot.js';
import { PAGE_SIZE } from '../x86/bits.js';
import { shadowSlotRemoveWrite } from './shadow/dirty-log.js';
import { shadowMemslotsUpdated } from './shadow/mmio.js';
import { zapAllFast } from './shadow/zap.js';
import { kvmSlotRemoveWrite, kvmZapGfnRange } from './tdp-mmu.js';
import type { Vcpu } from './vcpu.js';

function result(v: Vcpu, ok: boolean): Observation {
  return { outcome: ok ? 'ok' : 'rejected', events: v.events.take() };
}

/** Zaps every leaf of the slot's current range; a remote flush follows if any was zapped. */
function flushShadowMemslot(v: Vcpu, slot: Memslot): void {
  if (!v.tdpEnabled) {
    if (zapAllFast(v) > 0) v.events.requestFlush('remote');
    return;
  }
  const end = v.bug.memslotZapMissesLastGfn ? slot.endGfn - 1 : slot.endGfn;
  if (kvmZapGfnRange(v, slot.baseGfn, end) > 0) v.events.requestFlush('remote');
}

/** A memslot change that took effect (ok) bumps the shadow MMU's memslot generation. */
function changed(v: Vcpu, ok: boolean): Observation {
  if (ok && !v.tdpEnabled) shadowMemslotsUpdated(v);
  return result(v, ok);
}

export function memslotOp(v: Vcpu, action: MemslotAction, id: number, gpa: number, size: number, flags: readonly MemslotFlag[]): Observation {
  const mem = v.mem;
  switch (action) {
    case 'add':
      return changed(v, mem.addSlot({ slot: id, gpa, size, flags }) === undefined);
    case 'delete': {
      const slot = mem.slotById(id);
      if (slot === undefined) return result(v, false);
      flushShadowMemslot(v, slot);
      return changed(v, mem.deleteSlot(id) === undefined);
    }
    case 'move': {
      const slot = mem.slotById(id);
      if (slot === undefined) return result(v, false);
      // Same base: KVM sees no change at all.
      if (gpa === slot.baseGfn * PAGE_SIZE) return result(v, true);
      if (mem.checkRange(gpa, slot.npages * PAGE_SIZE, id) !== undefined) return result(v, false);
      flushShadowMemslot(v, slot);
      return changed(v, mem.moveSlot(id, gpa) === undefined);
    }
    case 'flags': {
      const slot = mem.slotById(id);
      if (slot === undefined) return result(v, false);
      const wasLogging = slot.dirtyLog;
      if (mem.setFlags(id, flags) !== undefined) return result(v, false);
      if (!wasLogging && slot.dirtyLog) {
        const n = v.tdpEnabled ? kvmSlotRemoveWrite(v, slot) : shadowSlotRemoveWrite(v, slot);
        if (n > 0) v.events.requestFlush('remote');
      }
      // Unchanged flags are no memslot change at all (KVM returns before committing).
      return wasLogging === slot.dirtyLog ? result(v, true) : changed(v, true);
    }
  }
}
