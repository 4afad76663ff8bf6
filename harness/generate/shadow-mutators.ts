// Op generators aimed at KVM's shadow MMU (host tdp none): guest stores to live page tables
// (write-protection, emulated gpte writes, misaligned writes, flooding), unsync and sync through
// mapped page-table pages, CR3 switches among prepared address spaces with and without PCIDs,
// CR0.WP = 0 supervisor writes, INVLPG after gpte edits and dirty logging under live roots.
import { u64, type U64 } from '../../mmus/x86/u64.js';
import { CR0_PG, CR0_WP, CR3_NOFLUSH_HI, CR4_PCIDE, EFER_LMA, PTE_RW } from '../../mmus/x86/bits.js';
import type { MemslotFlag } from '../../mmus/backend.js';
import { accessMapped, gvaInside, pickMapping, unmappedGva } from './access-mutators.js';
import { entryFrame, toggleBit, withFrame } from './entry-bits.js';
import type { EntryRec, GenState, Hierarchy, Mapping } from './gen-state.js';
import { entrySize, indexBits, pageBytes } from './geometry.js';
import { dataPage } from './layout.js';
import { cr3For, enablePcid } from './modes.js';
import { bytesOf, mapTablePage, mergeBytes, prepareSpace, shareTable } from './shadow-tables.js';

/** An entry on the path of a mapping the scenario uses (the leaf half of the time). */
function liveEntry(g: GenState): { e: EntryRec; m: Mapping } | undefined {
  const m = pickMapping(g);
  if (m === undefined) return undefined;
  const gpa = g.rng.bool(0.5) ? m.path[m.path.length - 1] : g.rng.pick(m.path);
  const e = g.entries.get(gpa);
  return e === undefined ? undefined : { e, m };
}

/** One access (any kind, CPL 0 or 3) to an address inside m. */
function touch(g: GenState, m: Mapping, kind?: 'read' | 'write' | 'fetch', cpl?: 0 | 3): void {
  const rng = g.rng;
  const k = kind ?? rng.pick(['read', 'write', 'write', 'fetch'] as const);
  g.emit({ op: 'access', gva: gvaInside(g, m), kind: k, cpl: cpl ?? (rng.bool(0.6) ? 0 : 3), implicit: false });
}

/** Stores `next` into e: the whole entry, or just the bytes [off, off + size) of it. */
function storeEntry(g: GenState, e: EntryRec, next: U64, off = 0, size: 1 | 2 | 4 | 8 = entrySize(e.mode)): void {
  g.write(e.gpa + off, bytesOf(next, off, size), size);
  e.value = mergeBytes(e.value, next, off, size);
}

/**
 * live-gpte-write: a guest store to a gpte a walk of the scenario uses: a flag flip (P, RW, US,
 * NX, A, D) as a whole-entry or one-byte store, a new frame, or a misaligned store (2 bytes, or
 * one byte off the entry start) that KVM answers by zapping the whole shadow page.
 */
export function liveGpteWrite(g: GenState): boolean {
  const rng = g.rng;
  const live = liveEntry(g);
  if (live === undefined) return false;
  const { e, m } = live;
  const size = entrySize(e.mode);
  const r = rng.next();
  if (r < 0.5) {
    const bits = [0, 1, 1, 2, 2, 5, 6];
    if (size === 8) bits.push(63);
    const next = toggleBit(e.value, rng.pick(bits));
    // A one-byte store of the low byte is how an OS clears A or D: KVM treats it as aligned.
    if (next.hi === e.value.hi && rng.bool(0.3)) storeEntry(g, e, next, 0, 1);
    else storeEntry(g, e, next);
  } else if (r < 0.75) {
    const large = e.leaf && e.level > 1;
    const bytes = large ? pageBytes(e.mode, e.level) : 0x1000;
    const tables = [...g.tables.values()].filter((t) => t.mode === e.mode && t.level === e.level - 1 && t.gpa % 0x1000 === 0);
    const target = !e.leaf && tables.length > 0 && rng.bool(0.8) ? rng.pick(tables).gpa : e.leaf && !large ? dataPage(rng) : entryFrame(e.mode, e.value, large);
    storeEntry(g, e, withFrame(e.mode, e.value, target - (target % bytes), large));
  } else {
    // Misaligned for KVM: a 2-byte store, or a 1-byte store that does not start the entry.
    const next = toggleBit(toggleBit(e.value, 5), rng.pick([1, 2, 9, 10]));
    if (rng.bool(0.5)) {
      const off = 2 * rng.int(size / 2);
      storeEntry(g, e, next, off, 2);
    } else {
      const off = 1 + rng.int(size - 1);
      storeEntry(g, e, toggleBit(e.value, 8 * off + rng.int(8)), off, 1);
    }
  }
  g.focus = [m];
  if (rng.bool(0.6)) touch(g, m);
  return true;
}

/**
 * flood-table: three or four guest stores in a row into one upper-level table a walk uses (free
 * slots, or an entry rewritten with its own value), with no access between: KVM zaps a shadow
 * page written that often without being used. Then a walk through it again, usually.
 */
export function floodTable(g: GenState): boolean {
  const rng = g.rng;
  const m = pickMapping(g);
  if (m === undefined) return false;
  const upper = m.path.map((a) => g.entries.get(a)).filter((e): e is EntryRec => e !== undefined && e.level >= 2);
  if (upper.length === 0) return false;
  const e = rng.pick(upper);
  const size = entrySize(e.mode);
  const n = 2 ** indexBits(e.mode, e.level);
  for (let i = 3 + rng.int(2); i > 0; i--) {
    const idx = rng.int(n);
    const at = e.table + idx * size;
    const known = g.entries.get(at);
    // Rewriting a known entry with its value keeps the generator's picture true; free slots get
    // not-present junk, which no walk of the scenario follows.
    if (known !== undefined) g.write(at, known.value, size);
    else g.write(at, u64(rng.u32() & ~1, size === 8 ? rng.u32() : 0), size);
  }
  if (rng.bool(0.8)) touch(g, m);
  return true;
}

/**
 * map-table-page: maps a new page of the current address space onto a live guest page table,
 * writes through it (a level-1 table goes unsync; an upper-level one is write-tracked and the
 * write emulated), stores into the table directly, then walks, INVLPGs or reloads CR3 so KVM
 * syncs what it let go.
 */
export function mapTablePageMutator(g: GenState): boolean {
  const rng = g.rng;
  const h = g.currentHierarchy();
  if (h === undefined) return false;
  const used = h.mappings.flatMap((m) => m.path.map((a) => g.entries.get(a)?.table)).filter((t): t is number => t !== undefined);
  if (used.length === 0) return false;
  const leafTables = used.filter((t) => g.tables.get(t)?.level === 1);
  const table = leafTables.length > 0 && rng.bool(0.7) ? rng.pick(leafTables) : rng.pick(used);
  const alias = mapTablePage(g, h, table);
  if (alias === null) return false;
  g.focus = [alias];
  g.emit({ op: 'access', gva: gvaInside(g, alias), kind: 'write', cpl: rng.bool(0.7) ? 0 : 3, implicit: false });
  // A store into the table the alias maps: to an entry a walk uses when there is one.
  const victims = [...g.entries.values()].filter((e) => e.table - (e.table % 0x1000) === table - (table % 0x1000));
  if (victims.length > 0 && rng.bool(0.8)) {
    const e = rng.pick(victims);
    storeEntry(g, e, toggleBit(e.value, rng.pick([1, 2, 5, 6])));
    const through = g.mappingsThrough(e.gpa);
    const r = rng.next();
    if (through.length > 0) {
      const m = rng.pick(through);
      if (r < 0.3) g.emit({ op: 'invlpg', gva: gvaInside(g, m) });
      else if (r < 0.5) g.set('cr3', g.regs.cr3);
      touch(g, m);
    }
  }
  return true;
}

/** invlpg-live: edits a 4 KiB leaf gpte, then INVLPGs its page (or an unmapped one) and accesses it again. */
export function invlpgLive(g: GenState): boolean {
  const rng = g.rng;
  const m = pickMapping(g);
  if (m === undefined || m.level !== 1) return false;
  const e = g.entries.get(m.path[m.path.length - 1]);
  if (e === undefined) return false;
  touch(g, m, 'read');
  storeEntry(g, e, toggleBit(e.value, rng.pick([1, 1, 2, 0])));
  const r = rng.next();
  if (r < 0.7) g.emit({ op: 'invlpg', gva: gvaInside(g, m) });
  else if (r < 0.85) g.emit({ op: 'invlpg', gva: unmappedGva(g) });
  // else no INVLPG at all: the architecture lets the old translation live on.
  touch(g, m);
  return true;
}

/**
 * cr3-cycle: switches CR3 among 2-4 address spaces of the current mode (preparing the missing
 * ones), accessing each; with PCIDE each space keeps its PCID and NOFLUSH is set half of the time.
 */
export function cr3Cycle(g: GenState): boolean {
  const rng = g.rng;
  const mode = g.mode;
  if (mode === 'off') return false;
  const long = (g.regs.efer & EFER_LMA) !== 0;
  if (long && g.has('pcid') && (g.regs.cr4 & CR4_PCIDE) === 0 && rng.bool(0.3)) enablePcid(g);
  const wanted = 2 + rng.int(3);
  let spaces = g.hierarchies.filter((h) => h.mode === mode);
  while (spaces.length < wanted && !g.full) {
    prepareSpace(g, mode);
    spaces = g.hierarchies.filter((h) => h.mode === mode);
  }
  const pcide = (g.regs.cr4 & CR4_PCIDE) !== 0;
  for (let i = 2 + rng.int(4); i > 0 && !g.full; i--) {
    const current = g.currentHierarchy();
    const others = spaces.filter((h) => h !== current);
    if (others.length === 0) break;
    const h = rng.pick(others);
    g.set('cr3', spaceCr3(g, h, pcide));
    g.focus = h.mappings.slice(-2);
    const m = pickMapping(g);
    if (m !== undefined) touch(g, m);
    if (m !== undefined && rng.bool(0.3)) touch(g, m);
  }
  return true;
}

/** CR3 for space h: under PCIDE its own PCID (its index among the spaces) and NOFLUSH half of the time. */
function spaceCr3(g: GenState, h: Hierarchy, pcide: boolean): U64 {
  if (!pcide) return cr3For(g, h);
  const pcid = (g.hierarchies.indexOf(h) + 1) & 0xfff;
  const v = cr3For(g, h, pcid);
  return g.rng.bool(0.5) ? { lo: v.lo, hi: (v.hi | CR3_NOFLUSH_HI) >>> 0 } : v;
}

/**
 * wp-supervisor-write: with CR0.WP = 0 a supervisor write to a read-only page succeeds and KVM
 * gives the SPTE W but takes U away; a user access then faults into KVM. WP back on makes the
 * same supervisor write fault.
 */
export function wpSupervisorWrite(g: GenState): boolean {
  const rng = g.rng;
  if ((g.regs.cr0 & CR0_PG) === 0) return false;
  const m = pickMapping(g);
  if (m === undefined) return false;
  const leaf = g.entries.get(m.path[m.path.length - 1]);
  if (leaf === undefined) return false;
  if ((leaf.value.lo & PTE_RW) !== 0 && rng.bool(0.7)) storeEntry(g, leaf, toggleBit(leaf.value, 1));
  const wp = g.regs.cr0 & CR0_WP;
  if (wp !== 0) g.set('cr0', u64((g.regs.cr0 & ~CR0_WP) >>> 0));
  touch(g, m, 'write', 0);
  if (rng.bool(0.6)) touch(g, m, rng.pick(['read', 'write'] as const), 3);
  if (rng.bool(0.3)) touch(g, m, 'fetch', 0);
  if (rng.bool(0.7)) {
    g.set('cr0', u64((g.regs.cr0 | CR0_WP) >>> 0));
    touch(g, m, 'write', 0);
  }
  return true;
}

/**
 * dirty-log-live: turns dirty logging on (or off) for a slot with live mappings, usually the
 * main one that also holds the page tables, then writes through mappings.
 */
export function dirtyLogLive(g: GenState): boolean {
  const rng = g.rng;
  const writable = g.slots.filter((s) => !s.readonly);
  if (writable.length === 0) return false;
  const main = writable.find((s) => s.slot === 0);
  const s = main !== undefined && rng.bool(0.75) ? main : rng.pick(writable);
  const flags: MemslotFlag[] = s.dirtyLog ? [] : ['dirty_log'];
  g.emit({ op: 'memslot', action: 'flags', slot: s.slot, gpa: 0, size: 0, flags });
  s.dirtyLog = !s.dirtyLog;
  for (let i = 1 + rng.int(3); i > 0; i--) {
    const m = pickMapping(g);
    if (m === undefined) break;
    touch(g, m, 'write');
  }
  return true;
}

/** share-table: a second walk onto a live table (see shareTable), then an access through it. */
export function shareTableMutator(g: GenState): boolean {
  const made = shareTable(g);
  if (made.length === 0) return false;
  if (g.rng.bool(0.7)) accessMapped(g);
  return true;
}
