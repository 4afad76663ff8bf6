// Op generators for TLB invalidation (INVLPG, INVPCID), memslot changes and plain data stores.
import type { MemslotFlag } from '../../mmus/backend.js';
import { u64, type U64 } from '../../mmus/x86/u64.js';
import { CR4_PCIDE } from '../../mmus/x86/bits.js';
import { accessMapped, gvaInside, nonCanonicalGva, pickMapping, unmappedGva } from './access-mutators.js';
import type { GenState } from './gen-state.js';
import { dataPage, HIGH_SLOT, RO_SLOT } from './layout.js';

/** A GVA for an invalidation: a mapped page mostly, else a hole or a non-canonical address. */
function invalidationGva(g: GenState): U64 {
  const r = g.rng.next();
  const m = pickMapping(g);
  if (m !== undefined && r < 0.75) return gvaInside(g, m);
  return r < 0.9 ? unmappedGva(g) : nonCanonicalGva(g);
}

/** invlpg: flushes one GVA, then often re-accesses. */
export function invlpg(g: GenState): boolean {
  g.emit({ op: 'invlpg', gva: invalidationGva(g) });
  if (g.rng.bool(0.4)) accessMapped(g);
  return true;
}

/** invpcid: all four types (and an invalid one), the active PCID or another. */
export function invpcid(g: GenState): boolean {
  const rng = g.rng;
  const r = rng.next();
  const type = r < 0.3 ? 0 : r < 0.5 ? 1 : r < 0.7 ? 2 : r < 0.95 ? 3 : 4 + rng.int(4);
  const active = (g.regs.cr4 & CR4_PCIDE) !== 0 ? g.regs.cr3.lo & 0xfff : 0;
  const p = rng.next();
  const pcid = p < 0.5 ? active : p < 0.7 ? 0 : p < 0.97 ? rng.int(0x1000) : 0x1000 + rng.int(0x1000);
  g.emit({ op: 'invpcid', type, pcid, gva: invalidationGva(g) });
  return true;
}

/** write-data: a store of 1-8 bytes into a mapped page's frame or any data page. */
export function writeData(g: GenState): boolean {
  const rng = g.rng;
  const m = pickMapping(g);
  const page = m !== undefined && m.level === 1 && rng.bool(0.6) ? m.gpa : dataPage(rng);
  if (page >= 2 ** g.maxphyaddr) return false;
  const size = rng.pick([1, 2, 4, 8] as const);
  g.write(page + rng.int(0x1000 / size) * size, u64(rng.u32(), rng.u32()), size);
  return true;
}

/**
 * memslot: delete, move, add or change flags — usually a valid change (KVM accepts it, mappings
 * into the slot are zapped), sometimes one KVM rejects (overlap, unknown id, read-only change).
 */
export function memslot(g: GenState): boolean {
  const rng = g.rng;
  const slots = g.slots;
  const r = rng.next();
  const limit = 2 ** g.maxphyaddr;
  const others = slots.filter((s) => s.slot !== 0);
  if (r < 0.25) {
    // Deleting slot 0 takes the page tables with it: rare, but a legitimate scenario.
    const victim = others.length > 0 && rng.bool(0.85) ? rng.pick(others) : slots.find((s) => s.slot === 0);
    const id = victim?.slot ?? 5;
    g.emit({ op: 'memslot', action: 'delete', slot: id, gpa: 0, size: 0, flags: [] });
    if (victim !== undefined) slots.splice(slots.indexOf(victim), 1);
  } else if (r < 0.45) {
    const s = others.length > 0 ? rng.pick(others) : slots[0];
    if (s === undefined) return false;
    const candidates = [0x10000000, 0x200000000, RO_SLOT.gpa, HIGH_SLOT.gpa, 0x1000000].filter((a) => a + s.size <= limit);
    const gpa = rng.pick(candidates);
    g.emit({ op: 'memslot', action: 'move', slot: s.slot, gpa, size: 0, flags: [] });
    if (!overlaps(g, gpa, s.size, s.slot)) s.gpa = gpa;
  } else if (r < 0.75) {
    const id = rng.bool(0.9) || slots.length === 0 ? 3 + rng.int(4) : rng.pick(slots).slot;
    const gpa = rng.pick([0x6000000, 0xc0000000, 0x7f00000, HIGH_SLOT.gpa, 0x3000000]);
    const size = rng.pick([0x1000, 0x200000, 0x400000]);
    if (gpa + size > limit) return false;
    const f = rng.next();
    const flags: MemslotFlag[] = f < 0.6 ? [] : f < 0.8 ? ['dirty_log'] : ['readonly'];
    g.emit({ op: 'memslot', action: 'add', slot: id, gpa, size, flags });
    if (!slots.some((s) => s.slot === id) && !overlaps(g, gpa, size, id)) {
      slots.push({ slot: id, gpa, size, readonly: flags.includes('readonly'), dirtyLog: flags.includes('dirty_log') });
    }
  } else {
    if (slots.length === 0) return false;
    const s = rng.pick(slots);
    const dirtyLog = !s.dirtyLog;
    // Changing readonly is refused by KVM: keep it mostly, flip it rarely to test the refusal.
    const readonly = rng.bool(0.1) ? !s.readonly : s.readonly;
    const flags: MemslotFlag[] = [...(readonly ? (['readonly'] as const) : []), ...(dirtyLog ? (['dirty_log'] as const) : [])];
    g.emit({ op: 'memslot', action: 'flags', slot: s.slot, gpa: 0, size: 0, flags });
    if (readonly === s.readonly) s.dirtyLog = dirtyLog;
  }
  if (rng.bool(0.6)) accessMapped(g);
  return true;
}

function overlaps(g: GenState, gpa: number, size: number, self: number): boolean {
  return g.slots.some((s) => s.slot !== self && gpa < s.gpa + s.size && s.gpa < gpa + size);
}
