// Op generators that translate: accesses and gva_to_gpa aimed at mapped pages (mostly), at
// holes in the tables and at non-canonical addresses, plus reads of the gptes they walked.
import type { AccessKind, Op } from '../../mmus/backend.js';
import type { U64 } from '../../mmus/x86/u64.js';
import type { GenState, Mapping } from './gen-state.js';
import { entrySize, gvaIndex, gvaPlus, indexBits, levelShift, pageBytes, topLevel, withBits } from './geometry.js';
import { dataPage } from './layout.js';

/** A mapping to aim at: a focused one half of the time, else any of the current hierarchy's. */
export function pickMapping(g: GenState): Mapping | undefined {
  const rng = g.rng;
  const h = g.currentHierarchy();
  const focus = h === undefined ? g.focus : g.focus.filter((m) => m.hierarchy === h);
  if (focus.length > 0 && rng.bool(0.5)) return rng.pick(focus);
  if (h !== undefined && h.mappings.length > 0) return rng.pick(h.mappings);
  return focus.length > 0 ? rng.pick(focus) : undefined;
}

function pickKind(g: GenState): AccessKind {
  const r = g.rng.next();
  return r < 0.45 ? 'read' : r < 0.8 ? 'write' : 'fetch';
}

function pickCpl(g: GenState): 0 | 1 | 2 | 3 {
  const r = g.rng.next();
  return r < 0.5 ? 0 : r < 0.92 ? 3 : g.rng.bool() ? 1 : 2;
}

/** An address inside m's page: usually in its first 4 KiB, sometimes anywhere in a large page. */
export function gvaInside(g: GenState, m: Mapping): U64 {
  const rng = g.rng;
  const bytes = pageBytes(m.hierarchy.mode, m.level);
  const page = bytes > 0x1000 && rng.bool(0.5) ? rng.int(bytes / 0x1000) * 0x1000 : 0;
  const off = rng.bool(0.5) ? rng.int(512) * 8 : rng.int(0x1000);
  return gvaPlus(m.gva, page + off);
}

/** A GVA with paging off or no mapping known: identity-mapped RAM, a table page or a hole. */
function physicalGva(g: GenState): U64 {
  const r = g.rng.next();
  const gpa = r < 0.7 ? dataPage(g.rng) : r < 0.85 && g.tables.size > 0 ? g.rng.pick([...g.tables.keys()]) : 0xfee00000;
  return { lo: gpa >>> 0, hi: 0 };
}

function translateOp(g: GenState, kind: 'access' | 'gva_to_gpa', gva: U64): Op {
  const implicit = g.rng.bool(0.08);
  return { op: kind, gva, kind: pickKind(g), cpl: pickCpl(g), implicit };
}

/** Reads the gpte at entry gpa (full width; sometimes just the byte holding A/D). */
function readGpte(g: GenState, gpa: number): void {
  const e = g.entries.get(gpa);
  const size = e === undefined ? 8 : entrySize(e.mode);
  g.emit(g.rng.bool(0.1) ? { op: 'read', gpa, size: 1 } : { op: 'read', gpa, size });
}

/** access-mapped: an access to a mapped page; sometimes repeated (A/D already set) and followed by a read of its leaf gpte. */
export function accessMapped(g: GenState, kind: 'access' | 'gva_to_gpa' = 'access'): boolean {
  // With paging off a GVA is a GPA: aim at memory mostly, at a mapped GVA (truncated) sometimes.
  const m = g.mode === 'off' && g.rng.bool(0.7) ? undefined : pickMapping(g);
  const gva = m === undefined ? physicalGva(g) : gvaInside(g, m);
  g.emit(translateOp(g, kind, gva));
  if (kind === 'access' && g.rng.bool(0.2)) g.emit(translateOp(g, 'access', gva));
  if (m !== undefined && g.rng.bool(0.15)) readGpte(g, m.path[m.path.length - 1]);
  return true;
}

/** A GVA next to a mapping but with a different table index at one level: a hole in the tables. */
export function unmappedGva(g: GenState): U64 {
  const rng = g.rng;
  const m = pickMapping(g);
  if (m === undefined || rng.bool(0.1)) return { lo: (rng.u32() & ~0xfff) >>> 0, hi: 0 };
  const mode = m.hierarchy.mode;
  const level = m.level + rng.int(topLevel(mode) - m.level + 1);
  const bits = indexBits(mode, level);
  const idx = gvaIndex(mode, m.gva, level) ^ (1 + rng.int(Math.min(7, 2 ** bits - 1)));
  return withBits(m.gva, levelShift(mode, level), bits, idx);
}

export function accessUnmapped(g: GenState): boolean {
  g.emit(translateOp(g, 'access', unmappedGva(g)));
  return true;
}

/** A GVA whose bits above the linear-address width disagree with its sign bit (or a high half in 32-bit modes, which truncation drops). */
export function nonCanonicalGva(g: GenState): U64 {
  const rng = g.rng;
  const m = pickMapping(g);
  const base = m === undefined ? physicalGva(g) : gvaInside(g, m);
  const width = g.mode === '5-level' ? 57 : 48;
  const bit = width + rng.int(64 - width);
  return { lo: base.lo, hi: (base.hi ^ (1 << (bit - 32))) >>> 0 };
}

export function accessNonCanonical(g: GenState): boolean {
  g.emit(translateOp(g, g.rng.bool(0.2) ? 'gva_to_gpa' : 'access', nonCanonicalGva(g)));
  return true;
}

/** gva-to-gpa: the emulator's translation of a mapped (mostly) or unmapped address. */
export function gvaToGpa(g: GenState): boolean {
  if (g.rng.bool(0.75)) return accessMapped(g, 'gva_to_gpa');
  g.emit(translateOp(g, 'gva_to_gpa', unmappedGva(g)));
  return true;
}

/** read-gpte: reads an entry on a focused path (checks A/D), else any entry written. */
export function readGpteOp(g: GenState): boolean {
  const m = pickMapping(g);
  if (m !== undefined) {
    readGpte(g, g.rng.pick(m.path));
    return true;
  }
  if (g.entries.size === 0) return false;
  readGpte(g, g.rng.pick([...g.entries.keys()]));
  return true;
}
