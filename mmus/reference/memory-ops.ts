// Guest-physical reads and writes and memslot changes: plain memory, as the CPU and the VMM see
// it (model-contract "Memory operations", "Memslots"). No MMU structure is involved.
import type { MmuEvent, Observation, Op } from '../backend.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { PAGE_SIZE } from '../x86/bits.js';
import type { History } from './history.js';

type MemOp<K extends Op['op']> = Extract<Op, { op: K }>;

/** Scratch for GuestMemory.read. */
const out: [number, number] = [0, 0];

/**
 * A guest store: outside every memslot or into a read-only one it is an MMIO exit, nothing stored.
 * The old value goes to the history's journal (a store is naturally aligned: one qword).
 */
export function writeOp(mem: GuestMemory, h: History, op: MemOp<'write'>, none: readonly MmuEvent[]): Observation {
  const slot = mem.findSlot(Math.floor(op.gpa / PAGE_SIZE));
  if (slot === undefined || slot.readonly) return { outcome: 'mmio', events: none };
  h.noteStore(mem, op.gpa, false);
  mem.write(op.gpa, op.size, op.value.lo, op.value.hi);
  return { outcome: 'ok', events: none };
}

/** A guest-physical load, zero-extended; outside every memslot it is an MMIO exit. */
export function readOp(mem: GuestMemory, op: MemOp<'read'>, none: readonly MmuEvent[]): Observation {
  if (!mem.read(op.gpa, op.size, out)) return { outcome: 'mmio', events: none };
  return { outcome: 'ok', value: { lo: out[0], hi: out[1] }, events: none };
}

/**
 * KVM_SET_USER_MEMORY_REGION: add / delete / move / flags; an invalid request is rejected. The
 * history learns of a new slot (its pages were unbacked before) and ends at a delete or move.
 */
export function memslotOp(mem: GuestMemory, h: History, op: MemOp<'memslot'>, none: readonly MmuEvent[]): Observation {
  let err: string | undefined;
  // A move to the slot's own gpa changes nothing (model-contract-shadow "Zaps and memslots").
  const stays = op.action === 'move' && mem.slotById(op.slot)?.baseGfn === op.gpa / PAGE_SIZE;
  switch (op.action) {
    case 'add':
      err = mem.addSlot({ slot: op.slot, gpa: op.gpa, size: op.size, flags: op.flags });
      break;
    case 'delete':
      err = mem.deleteSlot(op.slot);
      break;
    case 'move':
      err = mem.moveSlot(op.slot, op.gpa);
      break;
    case 'flags':
      err = mem.setFlags(op.slot, op.flags);
      break;
  }
  if (err !== undefined) return { outcome: 'rejected', events: none };
  if (op.action === 'add') h.noteSlotAdded(op.gpa / PAGE_SIZE, op.size / PAGE_SIZE);
  else if (op.action !== 'flags' && !stays) h.noteSlotRemoved();
  return { outcome: 'ok', events: none };
}
