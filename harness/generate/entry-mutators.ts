// Op generators that edit page-table entries the generator wrote: flag flips, reserved bits,
// protection keys, aliasing, self-reference, leaves outside memory, and new mappings.
import { u64, type U64 } from '../../mmus/x86/u64.js';
import { CR4_PKE } from '../../mmus/x86/bits.js';
import { accessMapped, pickMapping } from './access-mutators.js';
import { hasPs, setBit, toggleBit, withFrame } from './entry-bits.js';
import type { EntryRec, GenState } from './gen-state.js';
import { entrySize, isLongMode, pageBytes } from './geometry.js';
import { dataPage, holePage } from './layout.js';
import { mapRandom } from './tables.js';

/** An entry to edit: on a focused mapping's path most of the time, else any in the current hierarchy. */
function pickEntry(g: GenState): EntryRec | undefined {
  const rng = g.rng;
  const m = pickMapping(g);
  // The leaf half the time: its effects are local; an upper entry changes many mappings at once.
  if (m !== undefined && rng.bool(0.7)) return g.entries.get(rng.bool(0.5) ? m.path[m.path.length - 1] : rng.pick(m.path));
  const h = g.currentHierarchy();
  const all = [...g.entries.values()];
  const mine = h === undefined ? all : all.filter((e) => e.hierarchy === h);
  const from = mine.length > 0 ? mine : all;
  return from.length > 0 ? rng.pick(from) : undefined;
}

/**
 * Emits the write that turns e into `value`: the whole entry, or only the high half or the one
 * byte that changed (so A/D bits the walker set elsewhere in the entry survive), then focuses the
 * mappings through e and often accesses one of them right away.
 */
function rewrite(g: GenState, e: EntryRec, value: U64, leaf = e.leaf): void {
  const rng = g.rng;
  const size = entrySize(e.mode);
  if (size === 8 && value.lo === e.value.lo && rng.bool(0.5)) {
    g.write(e.gpa + 4, u64(value.hi), 4);
  } else if (value.hi === e.value.hi && onlyByteDiffers(value.lo, e.value.lo) !== -1 && rng.bool(0.3)) {
    const b = onlyByteDiffers(value.lo, e.value.lo);
    g.write(e.gpa + b, u64((value.lo >>> (8 * b)) & 0xff), 1);
  } else {
    g.write(e.gpa, value, size);
  }
  e.value = value;
  e.leaf = leaf;
  const through = g.mappingsThrough(e.gpa);
  if (through.length > 0) g.focus = through;
  if (through.length > 0 && rng.bool(0.4)) accessMapped(g);
}

/** Index of the single byte in which a and b differ, or -1. */
function onlyByteDiffers(a: number, b: number): number {
  const x = (a ^ b) >>> 0;
  for (let i = 0; i < 4; i++) if (x !== 0 && (x & ~(0xff << (8 * i))) === 0) return i;
  return -1;
}

function isPdpte(e: EntryRec): boolean {
  return e.mode === 'pae' && e.level === 3;
}

/** flip-flag: toggles P, R/W, U/S, A, D, NX, PS, G, PWT or PCD. */
export function flipFlag(g: GenState): boolean {
  const e = pickEntry(g);
  if (e === undefined) return false;
  const bits: number[] = [0, 0, 0, 1, 1, 1, 2, 2, 2, 5, 5, 6, 6, 7, 8, 3, 4];
  if (e.mode !== '32-bit') bits.push(63, 63, 63);
  const bit = g.rng.pick(bits);
  const value = toggleBit(e.value, bit);
  // PS decides leafness above level 1 (32-bit: only with CR4.PSE, but the shadow just follows the bit).
  const leaf = bit === 7 && e.level > 1 ? hasPs(value) : e.leaf;
  rewrite(g, e, value, leaf);
  return true;
}

/** Reserved-bit candidates for e (SDM 4.3-4.5 and the table in kvm-mmu-model.md §5.2). */
function reservedBits(g: GenState, e: EntryRec): number[] {
  const m = g.maxphyaddr;
  const out: number[] = [];
  if (e.mode === '32-bit') {
    // 4 MiB PDE: 21:17 always reserved, 16:13 too without PSE-36. A PDE pointing at a table gets
    // PS instead (with CR4.PSE, a large page whose frame bits land on reserved ones); 4 KiB
    // entries have no reserved bits at all.
    if (e.level === 2 && e.leaf) for (let b = 13; b <= 21; b++) out.push(b);
    if (e.level === 2 && !e.leaf) out.push(7);
    return out;
  }
  const top = e.mode === 'pae' ? 62 : 51;
  for (let b = m; b <= top; b++) out.push(b);
  if (m < 52) out.push(51, 51);
  if (isPdpte(e)) out.push(1, 2, 5, 6, 7, 8, 63);
  if (e.leaf && e.level === 2) for (let b = 13; b <= 20; b++) out.push(b);
  if (e.leaf && e.level === 3) for (let b = 13; b <= 29; b++) out.push(b);
  if (isLongMode(e.mode) && e.level >= 4) out.push(7, 7, 8, 8);
  if (isLongMode(e.mode) && e.level === 3 && !g.has('gbpages')) out.push(7);
  if (!g.plan.nxe) out.push(63);
  // MAXPHYADDR 52 with NXE leaves a 4 KiB entry nothing reserved: move its frame to the top bit
  // (outside memory); a table entry gets PS, making it a large page over an unaligned frame.
  if (out.length === 0) out.push(e.level === 1 ? 51 : 7);
  return out;
}

/** set-rsvd: sets a bit that is reserved in this entry's position (above MAXPHYADDR, large-page address bits, PML4E bit 7/8, PDPTE bits). */
export function setReserved(g: GenState): boolean {
  const e = pickEntry(g);
  if (e === undefined) return false;
  const bits = reservedBits(g, e);
  if (bits.length === 0) return false;
  const bit = g.rng.pick(bits);
  const value = setBit(e.value, bit);
  rewrite(g, e, value, bit === 7 && e.level > 1 ? true : e.leaf);
  return true;
}

/** set-pkey: gives a 64-bit leaf a protection key, sometimes with a PKRU that restricts it. */
export function setPkey(g: GenState): boolean {
  const e = pickEntry(g);
  if (e === undefined || !isLongMode(e.mode) || !e.leaf) return false;
  const key = 1 + g.rng.int(15);
  rewrite(g, e, { lo: e.value.lo, hi: ((e.value.hi & ~(0xf << 27)) | (key << 27)) >>> 0 });
  if ((g.regs.cr4 & CR4_PKE) !== 0 && g.rng.bool(0.5)) {
    const bits = g.rng.pick([1, 2, 3]) << (2 * key);
    g.set('pkru', u64((g.regs.pkru | bits) >>> 0));
  }
  // Look at the keyed page at once: a key only matters to a data access through it.
  if (g.rng.bool(0.7)) accessMapped(g);
  return true;
}

/** The frame a large leaf at this level may point at: aligned to its size. */
function alignFor(e: EntryRec, gpa: number): number {
  const bytes = e.leaf && e.level > 1 ? pageBytes(e.mode, e.level) : 0x1000;
  return gpa - (gpa % bytes);
}

/** repoint: points an entry at another table (aliasing, possibly across levels) or a data page. */
export function repoint(g: GenState): boolean {
  const e = pickEntry(g);
  if (e === undefined) return false;
  const rng = g.rng;
  const target = rng.bool(0.7) && g.tables.size > 1 ? rng.pick([...g.tables.keys()]) : dataPage(rng);
  const frame = alignFor(e, target - (target % 0x1000));
  if (e.mode === '32-bit' && frame >= 2 ** 32) return false;
  rewrite(g, e, withFrame(e.mode, e.value, frame, e.leaf && e.level > 1));
  return true;
}

/** self-ref: points an entry at the table that holds it (a recursive mapping). */
export function selfRef(g: GenState): boolean {
  const e = pickEntry(g);
  if (e === undefined) return false;
  const table = e.table - (e.table % 0x1000);
  rewrite(g, e, withFrame(e.mode, e.value, alignFor(e, table), e.leaf && e.level > 1));
  return true;
}

/** leaf-outside: points an entry (usually a leaf) outside every memslot: a hole, or just below 2^MAXPHYADDR. */
export function leafOutside(g: GenState): boolean {
  const rng = g.rng;
  let e = pickEntry(g);
  const m = pickMapping(g);
  if (m !== undefined && rng.bool(0.7)) e = g.entries.get(m.path[m.path.length - 1]);
  if (e === undefined) return false;
  const wide = e.mode !== '32-bit' && rng.bool(0.4);
  const gpa = wide ? 2 ** g.maxphyaddr - 2 ** 30 : holePage(rng);
  rewrite(g, e, withFrame(e.mode, e.value, alignFor(e, gpa), e.leaf && e.level > 1));
  return true;
}

/** clear-entry: zeroes an entry (not present). */
export function clearEntry(g: GenState): boolean {
  const e = pickEntry(g);
  if (e === undefined) return false;
  rewrite(g, e, u64(0), e.level === 1);
  return true;
}

/** restore-entry: writes back what the builder wrote into a mutated entry, so a scenario recovers from its breakage. */
export function restoreEntry(g: GenState): boolean {
  const m = pickMapping(g);
  const onPath = m === undefined ? [] : m.path.map((a) => g.entries.get(a)!).filter(isMutated);
  const e = onPath.length > 0 ? g.rng.pick(onPath) : pickMutated(g);
  if (e === undefined) return false;
  rewrite(g, e, e.orig, e.origLeaf);
  return true;
}

function isMutated(e: EntryRec): boolean {
  return e.value.lo !== e.orig.lo || e.value.hi !== e.orig.hi;
}

function pickMutated(g: GenState): EntryRec | undefined {
  const mutated = [...g.entries.values()].filter(isMutated);
  return mutated.length > 0 ? g.rng.pick(mutated) : undefined;
}

/** map-more: maps a new page in the current hierarchy (a not-present -> present change, no flush needed). */
export function mapMore(g: GenState): boolean {
  const h = g.currentHierarchy() ?? (g.hierarchies.length > 0 ? g.rng.pick(g.hierarchies) : undefined);
  if (h === undefined) return false;
  const m = mapRandom(g, h);
  if (m === null) return false;
  g.focus = [m];
  if (g.rng.bool(0.6)) accessMapped(g);
  return true;
}
