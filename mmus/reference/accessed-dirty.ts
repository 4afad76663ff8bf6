// Accessed and dirty flags (SDM 4.8; APM 5.4.2): set after a successful translation, reported
// as set_ad events in the order they are written.
import type { MmuEvent } from '../backend.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { PAGE_SIZE, PTE_A, PTE_D } from '../x86/bits.js';
import type { History } from './history.js';
import type { Walk } from './translate.js';

/**
 * Sets A in every paging-structure entry of the path that lacks it, top level down, and D in the
 * leaf for a write. Each entry is updated as a locked read-modify-write of its current value
 * (SDM 4.8), so an entry seen twice on a self-referencing path is written once. PDPTE registers
 * are never written (PAE, SDM 4.4.1). Ledger 4 (model-contract "A/D"): entries in read-only
 * memslots are left alone and produce no event. Each store is journalled in `h`. Returns the events (shared empty array if none).
 */
export function setAccessedDirty(
  mem: GuestMemory, h: History, w: Walk, write: boolean, none: readonly MmuEvent[],
): readonly MmuEvent[] {
  let events: MmuEvent[] | undefined;
  const last = w.count - 1;
  for (let i = 0; i <= last; i++) {
    const gpa = w.gpteGpa[i];
    const slot = mem.findSlot(Math.floor(gpa / PAGE_SIZE));
    if (slot === undefined || slot.readonly) continue;
    const lo = mem.read32(gpa);
    let next = lo | PTE_A;
    if (i === last && write) next |= PTE_D;
    next >>>= 0;
    if (next === lo) continue;
    h.noteStore(mem, gpa, true);
    mem.write(gpa, 4, next, 0);
    const hi = w.gpteSize === 8 ? mem.read32(gpa + 4) : 0;
    (events ??= []).push({ type: 'set_ad', gpa, value: { lo: next, hi } });
  }
  return events ?? none;
}
