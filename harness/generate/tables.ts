// Building valid guest page-table hierarchies with `write` ops: table pages from the allocator,
// entries top-down, leaves of every size, and the shadow records that let later ops aim at them.
import type { U64 } from '../../mmus/x86/u64.js';
import { CR4_PSE, PTE_A, PTE_D, PTE_G, PTE_P, PTE_PCD, PTE_PWT, PTE_RW, PTE_US } from '../../mmus/x86/bits.js';
import { makeEntry, entryFrame, isPresent, type EntryFlags } from './entry-bits.js';
import type { GenState, Hierarchy, Mapping } from './gen-state.js';
import {
  entrySize,
  gvaFromIndices,
  gvaIndex,
  indexBits,
  isLongMode,
  pageBytes,
  topLevel,
  type GenMode,
} from './geometry.js';
import { dataPage, HIGH_SLOT, holePage, LARGE_BASE, LARGE_END, RO_SLOT } from './layout.js';

export type EntryKind = 'table' | 'leaf' | 'pdpte';

/** Random flags, biased to valid and permissive: most walks should get through. */
export function randomFlags(g: GenState, mode: GenMode, kind: EntryKind): EntryFlags {
  const rng = g.rng;
  if (kind === 'pdpte') {
    // A PAE PDPTE has only P, PWT and PCD besides the address: the rest is reserved (SDM 4.4.1).
    return { low: (rng.bool(0.98) ? PTE_P : 0) | (rng.bool(0.05) ? PTE_PWT : 0) | (rng.bool(0.05) ? PTE_PCD : 0), nx: false, pkey: 0 };
  }
  const table = kind === 'table';
  let low = rng.bool(table ? 0.99 : 0.97) ? PTE_P : 0;
  if (rng.bool(table ? 0.95 : 0.8)) low |= PTE_RW;
  if (rng.bool(table ? 0.9 : 0.7)) low |= PTE_US;
  if (rng.bool(0.5)) low |= PTE_A;
  if (!table && rng.bool(0.35)) low |= PTE_D;
  if (!table && rng.bool(0.1)) low |= PTE_G;
  if (rng.bool(0.04)) low |= PTE_PWT;
  if (rng.bool(0.04)) low |= PTE_PCD;
  const has64 = mode !== '32-bit';
  // NX without EFER.NXE is a reserved bit: keep it rare unless the plan turns NXE on.
  const nx = has64 && rng.bool(g.plan.nxe ? (table ? 0.05 : 0.2) : 0.02);
  const pkey = isLongMode(mode) && !table && g.has('pku') && rng.bool(0.3) ? rng.int(16) : 0;
  return { low, nx, pkey };
}

/** A region: fixed indices for the upper levels, around which this hierarchy's mappings cluster. */
function newRegion(g: GenState, mode: GenMode): Record<number, number> {
  const rng = g.rng;
  const r: Record<number, number> = {};
  for (let level = topLevel(mode); level >= 2; level--) {
    const n = 2 ** indexBits(mode, level);
    const top = level === topLevel(mode);
    // Low, high (kernel-like) and random slots, so sign extension and the top index both get used.
    const choice = rng.int(top ? 5 : 4);
    r[level] = choice === 0 ? 0 : choice === 1 ? 1 : choice === 2 ? n - 1 : choice === 3 ? rng.int(n) : n >>> 1;
  }
  return r;
}

/** Starts an empty hierarchy for mode: a root table (PAE: a 32-byte aligned PDPT) and 1-3 regions. */
export function newHierarchy(g: GenState, mode: GenMode): Hierarchy {
  const rng = g.rng;
  let root: number;
  if (mode === 'pae') {
    // CR3 bits 11:5 select the PDPT inside its page; any 32-byte aligned spot is valid.
    root = g.allocTablePage(false) + (rng.bool(0.5) ? 0 : rng.int(128) * 32);
  } else {
    root = g.allocTablePage(isLongMode(mode) && rng.bool(0.05));
  }
  g.tables.set(root, { gpa: root, level: topLevel(mode), mode });
  const regions = Array.from({ length: 1 + rng.int(3) }, () => newRegion(g, mode));
  const h: Hierarchy = { mode, root, mappings: [], regions };
  g.hierarchies.push(h);
  return h;
}

/** Leaf level for a new mapping: mostly 4 KiB, some 2/4 MiB and (with gbpages) 1 GiB pages. */
function pickLeafLevel(g: GenState, mode: GenMode): number {
  const rng = g.rng;
  if (mode === '32-bit') return rng.bool((g.plan.cr4Extra & CR4_PSE) !== 0 ? 0.2 : 0.05) ? 2 : 1;
  if (isLongMode(mode) && rng.bool(g.has('gbpages') ? 0.07 : 0.02)) return 3;
  return rng.bool(0.15) ? 2 : 1;
}

/** Where a new leaf points: mostly RAM, sometimes a table page, ROM, the high slot or a hole. */
function pickLeafGpa(g: GenState, mode: GenMode, level: number): number {
  const rng = g.rng;
  const hasRo = g.slots.some((s) => s.readonly);
  const hasHigh = g.slots.some((s) => s.gpa === HIGH_SLOT.gpa);
  const r = rng.next();
  if (level === 1) {
    if (r < 0.05 && g.tables.size > 0) return pageOf(rng.pick([...g.tables.keys()]));
    if (r < 0.1 && hasRo) return slotPage(g, RO_SLOT);
    if (r < 0.15 && hasHigh && mode !== '32-bit') return slotPage(g, HIGH_SLOT);
    if (r < 0.21) return holePage(rng);
    return dataPage(rng);
  }
  const bytes = pageBytes(mode, level);
  if (level === 3) {
    if (r < 0.6) return 0;
    if (r < 0.8 && hasHigh) return HIGH_SLOT.gpa;
    return 0x40000000 * (1 + rng.int(3));
  }
  if (r < 0.1) return 0;
  if (r < 0.15 && hasRo) return RO_SLOT.gpa;
  // PSE-36 reaches the high slot from a 32-bit PDE; 64-bit entries reach it directly.
  if (r < 0.22 && hasHigh && (mode !== '32-bit' || g.has('pse36') || rng.bool(0.3))) return HIGH_SLOT.gpa;
  if (r < 0.27) return 0xc0000000;
  return LARGE_BASE + rng.int((LARGE_END - LARGE_BASE) / bytes) * bytes;
}

/**
 * A page of a small slot, often its first or last one: zaps of a deleted or moved slot must cover
 * both ends of its range, and off-by-one bugs live there.
 */
function slotPage(g: GenState, slot: { readonly gpa: number; readonly size: number }): number {
  const pages = slot.size / 0x1000;
  const r = g.rng.next();
  const index = r < 0.2 ? 0 : r < 0.45 ? pages - 1 : g.rng.int(pages);
  return slot.gpa + index * 0x1000;
}

function pageOf(gpa: number): number {
  return gpa - (gpa % 0x1000);
}

/** A GVA in one of h's regions for a leaf at `level`: near the region, not on its own tables. */
function pickGva(g: GenState, h: Hierarchy, level: number): U64 {
  const rng = g.rng;
  const region = rng.pick(h.regions);
  const indices: Record<number, number> = {};
  for (let l = topLevel(h.mode); l > level; l--) indices[l] = region[l];
  const n = 2 ** indexBits(h.mode, level);
  if (level === 1) {
    indices[1] = rng.bool(0.8) ? rng.int(16) : rng.int(n);
  } else {
    // Next to the region's own slot at this level (which holds the table for 4 KiB pages).
    const base = region[level] ?? 0;
    indices[level] = (base + 1 + rng.int(level === 2 ? 8 : 3)) % n;
  }
  return gvaFromIndices(h.mode, indices);
}

/** Emits the write of a new entry and records it in the shadow. */
export function writeNewEntry(
  g: GenState,
  h: Hierarchy,
  table: number,
  level: number,
  gpa: number,
  value: U64,
  leaf: boolean,
): void {
  g.write(gpa, value, entrySize(h.mode));
  g.entries.set(gpa, { gpa, level, mode: h.mode, table, hierarchy: h, leaf, value, orig: value, origLeaf: leaf });
}

/**
 * Maps the page at gva (aligned to the leaf size) to leafGpa with a leaf at `level`, creating
 * missing tables. Returns null, writing nothing more, when the path runs into a leaf, a mutated
 * entry or an existing leaf slot.
 */
export function mapGva(g: GenState, h: Hierarchy, gva: U64, level: number, leafGpa: number, leafFlags: EntryFlags): Mapping | null {
  const mode = h.mode;
  const size = entrySize(mode);
  const path: number[] = [];
  let table = h.root;
  for (let l = topLevel(mode); l > level; l--) {
    const egpa = table + gvaIndex(mode, gva, l) * size;
    path.push(egpa);
    const e = g.entries.get(egpa);
    if (e === undefined) {
      // A lower table in the high slot makes entries carry address bits above 32.
      const child = g.allocTablePage(mode !== '32-bit' && g.rng.bool(0.05));
      g.tables.set(child, { gpa: child, level: l - 1, mode });
      const kind: EntryKind = mode === 'pae' && l === 3 ? 'pdpte' : 'table';
      const flags = randomFlags(g, mode, kind);
      // The builder's own path stays present so the mapping can be reached; mutators break it later.
      const value = makeEntry(mode, child, { ...flags, low: flags.low | 1 }, false);
      writeNewEntry(g, h, table, l, egpa, value, false);
      table = child;
      continue;
    }
    const next = entryFrame(mode, e.value, false);
    const t = g.tables.get(next);
    if (e.leaf || !isPresent(e.value) || t === undefined || t.level !== l - 1 || t.mode !== mode) return null;
    table = next;
  }
  const egpa = table + gvaIndex(mode, gva, level) * size;
  if (g.entries.has(egpa)) return null;
  path.push(egpa);
  writeNewEntry(g, h, table, level, egpa, makeEntry(mode, leafGpa, leafFlags, level > 1), true);
  const m: Mapping = { gva, level, gpa: leafGpa, path, hierarchy: h };
  h.mappings.push(m);
  return m;
}

/** Maps one more random page in h (a few tries when a pick collides). */
export function mapRandom(g: GenState, h: Hierarchy): Mapping | null {
  for (let attempt = 0; attempt < 4; attempt++) {
    const level = pickLeafLevel(g, h.mode);
    const gva = pickGva(g, h, level);
    const m = mapGva(g, h, gva, level, pickLeafGpa(g, h.mode, level), randomFlags(g, h.mode, 'leaf'));
    if (m !== null) return m;
  }
  return null;
}
