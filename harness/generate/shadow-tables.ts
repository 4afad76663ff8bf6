// Page-table shapes that matter to KVM's shadow MMU: guest tables reached by several walks (two
// PDEs -> one PT, two PML4Es -> one PDPT, a top-level entry of another address space -> a table
// of this one), extra address spaces for CR3 switching, and leaves that map live page tables.
import { PTE_P, PTE_RW, PTE_US } from '../../mmus/x86/bits.js';
import type { U64 } from '../../mmus/x86/u64.js';
import { entryFrame, isPresent, makeEntry } from './entry-bits.js';
import type { EntryRec, GenState, Hierarchy, Mapping } from './gen-state.js';
import { canonicalize, entrySize, gvaFromIndices, gvaWidth, indexBits, levelShift, topLevel, withBits, type GenMode } from './geometry.js';
import { mapGva, mapRandom, newHierarchy, randomFlags, writeNewEntry } from './tables.js';

/** Present non-leaf entries whose child is a table the generator built (a walk goes through them). */
function tableEntries(g: GenState, h?: Hierarchy): EntryRec[] {
  const out: EntryRec[] = [];
  for (const e of g.entries.values()) {
    if (h !== undefined && e.hierarchy !== h) continue;
    if (e.leaf || e.level < 2 || !isPresent(e.value)) continue;
    const t = g.tables.get(entryFrame(e.mode, e.value, false));
    if (t !== undefined && t.level === e.level - 1 && t.mode === e.mode) out.push(e);
  }
  return out;
}

/** Index of entry e inside its table. */
function indexOf(e: EntryRec): number {
  return (e.gpa - e.table) / entrySize(e.mode);
}

/** A slot of `table` (level `level`) that holds no entry the generator wrote, near `near`; undefined when none is found. */
function freeSlot(g: GenState, mode: GenMode, table: number, level: number, near: number): number | undefined {
  const n = 2 ** indexBits(mode, level);
  for (let tries = 0; tries < 8; tries++) {
    const idx = tries < 4 ? (near + 1 + g.rng.int(Math.min(8, n - 1))) % n : g.rng.int(n);
    if (!g.entries.has(table + idx * entrySize(mode))) return idx;
  }
  return undefined;
}

/**
 * share-table: points a free entry at the table child of a live entry e, so one guest table is
 * reached by two walks. The new entry sits in e's own table (two PDEs -> one PT) or, for a root
 * entry, in the root of another address space of the mode (its CR3 switch then meets known
 * tables). Its rights are drawn afresh: the same guest table under different access is a
 * different shadow page role. Records the mappings the new entry makes reachable and focuses them.
 */
export function shareTable(g: GenState, within?: Hierarchy): Mapping[] {
  const rng = g.rng;
  const candidates = tableEntries(g, within ?? g.currentHierarchy());
  if (candidates.length === 0) return [];
  const e = rng.pick(candidates);
  const mode = e.mode;
  const top = e.level === topLevel(mode);
  const others = top ? g.hierarchies.filter((h) => h.mode === mode && h !== e.hierarchy) : [];
  const into = others.length > 0 && rng.bool(0.4) ? rng.pick(others) : e.hierarchy;
  const table = into === e.hierarchy ? e.table : into.root;
  const idx = freeSlot(g, mode, table, e.level, indexOf(e));
  if (idx === undefined) return [];
  const child = entryFrame(mode, e.value, false);
  const kind = mode === 'pae' && e.level === 3 ? 'pdpte' : 'table';
  const flags = randomFlags(g, mode, kind);
  const egpa = table + idx * entrySize(mode);
  writeNewEntry(g, into, table, e.level, egpa, makeEntry(mode, child, { ...flags, low: flags.low | PTE_P }, false), false);
  const shift = levelShift(mode, e.level);
  const bits = indexBits(mode, e.level);
  const made: Mapping[] = [];
  for (const m of e.hierarchy.mappings.filter((x) => x.path.includes(e.gpa))) {
    const k = m.path.indexOf(e.gpa);
    const path = into === e.hierarchy ? [...m.path.slice(0, k), egpa, ...m.path.slice(k + 1)] : [egpa, ...m.path.slice(k + 1)];
    const gva = canonicalize(withBits(m.gva, shift, bits, idx), gvaWidth(mode));
    const alias: Mapping = { gva, level: m.level, gpa: m.gpa, path, hierarchy: into };
    into.mappings.push(alias);
    made.push(alias);
  }
  if (made.length > 0) g.focus = made.slice(-2);
  return made;
}

/**
 * Builds another address space of `mode` with a mapping or two; half of the time one of its root
 * entries shares a table of an existing space (kernel-style shared upper tables).
 */
export function prepareSpace(g: GenState, mode: GenMode): Hierarchy {
  const h = newHierarchy(g, mode);
  for (let i = 1 + g.rng.int(2); i > 0; i--) mapRandom(g, h);
  const donors = g.hierarchies.filter((x) => x.mode === mode && x !== h);
  if (donors.length > 0 && g.rng.bool(0.5)) shareIntoRoot(g, g.rng.pick(donors), h);
  return h;
}

/** A free root entry of `into` pointing at the child table of one of donor's root entries. */
function shareIntoRoot(g: GenState, donor: Hierarchy, into: Hierarchy): void {
  const roots = tableEntries(g, donor).filter((e) => e.level === topLevel(donor.mode) && e.table === donor.root);
  if (roots.length === 0) return;
  const e = g.rng.pick(roots);
  const mode = donor.mode;
  // The same index first: the shared half then maps the same GVAs in both spaces, as a kernel does.
  const same = indexOf(e);
  const idx = g.entries.has(into.root + same * entrySize(mode)) ? freeSlot(g, mode, into.root, e.level, same) : same;
  if (idx === undefined) return;
  const egpa = into.root + idx * entrySize(mode);
  const kind = mode === 'pae' ? 'pdpte' : 'table';
  const flags = randomFlags(g, mode, kind);
  writeNewEntry(g, into, into.root, e.level, egpa, makeEntry(mode, entryFrame(mode, e.value, false), { ...flags, low: flags.low | PTE_P }, false), false);
  const shift = levelShift(mode, e.level);
  const bits = indexBits(mode, e.level);
  for (const m of donor.mappings.filter((x) => x.path[0] === e.gpa)) {
    const gva = canonicalize(withBits(m.gva, shift, bits, idx), gvaWidth(mode));
    into.mappings.push({ gva, level: m.level, gpa: m.gpa, path: [egpa, ...m.path.slice(1)], hierarchy: into });
  }
}

/**
 * Maps a new 4 KiB page of h onto the guest page table at `tableGpa` (writable, often user), so
 * accesses and stores through it hit a page KVM shadows: write-tracked for an upper-level table,
 * unsync-able for a level-1 one.
 */
export function mapTablePage(g: GenState, h: Hierarchy, tableGpa: number): Mapping | null {
  const rng = g.rng;
  const page = tableGpa - (tableGpa % 0x1000);
  const flags = randomFlags(g, h.mode, 'leaf');
  const low = flags.low | PTE_P | PTE_RW | (rng.bool(0.6) ? PTE_US : 0);
  for (let attempt = 0; attempt < 4; attempt++) {
    const region = rng.pick(h.regions);
    const indices: Record<number, number> = {};
    for (let l = topLevel(h.mode); l > 1; l--) indices[l] = region[l];
    indices[1] = 16 + rng.int(32);
    const m = mapGva(g, h, gvaFromIndices(h.mode, indices), 1, page, { ...flags, low, nx: false });
    if (m !== null) return m;
  }
  return null;
}

/** The bytes [off, off + size) of v (little-endian), for a store of part of an entry; size 1, 2, 4 or 8, aligned. */
export function bytesOf(v: U64, off: number, size: 1 | 2 | 4 | 8): U64 {
  if (size === 8) return v;
  const word = off < 4 ? v.lo : v.hi;
  const shift = 8 * (off % 4);
  const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  return { lo: ((word >>> shift) & mask) >>> 0, hi: 0 };
}

/** old with the bytes [off, off + size) taken from next. */
export function mergeBytes(old: U64, next: U64, off: number, size: 1 | 2 | 4 | 8): U64 {
  if (size === 8) return next;
  const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  const shift = 8 * (off % 4);
  const m = (mask << shift) >>> 0;
  if (off < 4) return { lo: ((old.lo & ~m) | (next.lo & m)) >>> 0, hi: old.hi };
  return { lo: old.lo, hi: ((old.hi & ~m) | (next.hi & m)) >>> 0 };
}
