// Op generators for what an OS does to an address space that is not running: the kernel stores
// into a live page table of one space through its own mapping of that table, switches CR3 to
// another space and shoots the change down from there (INVLPG, INVPCID naming the old PCID), or
// the MMU is reset meanwhile, then the old space runs again (NOFLUSH under PCIDE). For KVM these
// are unsync shadow pages under roots cached in prev_roots.
import { u64, type U64 } from '../../mmus/x86/u64.js';
import { CR0_PG, CR0_WP, CR3_NOFLUSH_HI, CR4_PCIDE, CR4_SMEP, EFER_LMA, PTE_A, PTE_D, PTE_P, PTE_RW } from '../../mmus/x86/bits.js';
import { gvaInside } from './access-mutators.js';
import { toggleBit, withFrame } from './entry-bits.js';
import type { EntryRec, GenState, Hierarchy, Mapping } from './gen-state.js';
import { canonicalize, entrySize, gvaWidth, indexBits, levelShift, withBits } from './geometry.js';
import { mapGva, randomFlags } from './tables.js';
import { cr3For, enablePcid } from './modes.js';
import { mapTablePage, mergeBytes, prepareSpace, bytesOf } from './shadow-tables.js';

/** A writable 4 KiB mapping of h onto the table page at `page`: one the scenario made already, else a new one. */
function tableAlias(g: GenState, h: Hierarchy, page: number): Mapping | null {
  const known = h.mappings.filter((m) => m.level === 1 && m.gpa === page && ((g.entries.get(m.path[m.path.length - 1])?.value.lo ?? 0) & PTE_RW) !== 0);
  if (known.length > 0 && g.rng.bool(0.7)) return g.rng.pick(known);
  return mapTablePage(g, h, page);
}

function store(g: GenState, e: EntryRec, next: U64): void {
  const size = entrySize(e.mode);
  g.write(e.gpa, bytesOf(next, 0, size), size);
  e.value = mergeBytes(e.value, next, 0, size);
}

/** CR3 for h with `pcid` (under PCIDE) and NOFLUSH when asked. */
function cr3With(g: GenState, h: Hierarchy, pcid: number, noflush: boolean): U64 {
  const pcide = (g.regs.cr4 & CR4_PCIDE) !== 0;
  const v = cr3For(g, h, pcide ? pcid : 0);
  return pcide && noflush ? { lo: v.lo, hi: (v.hi | CR3_NOFLUSH_HI) >>> 0 } : v;
}

/**
 * A new leaf in m's page table mapping that table page, read-only or clean (a recursive slot
 * of the kernel's); null when no free slot is found.
 */
function selfView(g: GenState, h: Hierarchy, m: Mapping, tablePage: number): Mapping | null {
  const rng = g.rng;
  const mode = h.mode;
  const flags = randomFlags(g, mode, 'leaf');
  const low = (rng.bool(0.5) ? flags.low & ~PTE_RW : flags.low & ~PTE_D) | PTE_P;
  const n = 2 ** indexBits(mode, 1);
  for (let tries = 0; tries < 4; tries++) {
    const gva = canonicalize(withBits(m.gva, levelShift(mode, 1), indexBits(mode, 1), rng.int(n)), gvaWidth(mode));
    const v = mapGva(g, h, gva, 1, tablePage, { ...flags, low, nx: false });
    if (v !== null) return v;
  }
  return null;
}

/**
 * The leaf's new value: a flag flip or a new frame, or (a kernel mapping one of its page tables)
 * present, writable and dirty onto a level-1 table of the mode, its own table half of the time.
 */
function editedGpte(g: GenState, leaf: EntryRec): U64 {
  const rng = g.rng;
  if (rng.bool(0.7)) return toggleBit(leaf.value, rng.pick([0, 1, 1, 2, 12]));
  const tables = [...g.tables.values()].filter((t) => t.mode === leaf.mode && t.level === 1);
  const target = tables.length === 0 || rng.bool(0.5) ? leaf.table : rng.pick(tables).gpa;
  const v = withFrame(leaf.mode, leaf.value, target - (target % 0x1000), false);
  return u64((v.lo | PTE_P | PTE_RW | PTE_A | PTE_D) >>> 0, v.hi);
}

/**
 * edit-away: in the current space, a walk through a 4 KiB leaf, a store through a mapping of its
 * page table (KVM lets a shadowed level-1 table go unsync) and a gpte change in that table; then
 * CR3 to another space of the mode, where the kernel invalidates the change (INVLPG of the GVA,
 * INVPCID type 0 / 1 naming the old PCID) or the MMU is reset (CR0.WP or CR4.SMEP off and on),
 * or nothing happens; then back to the first space, NOFLUSH half of the time, and the page again.
 */
export function editAway(g: GenState): boolean {
  const rng = g.rng;
  const mode = g.mode;
  if (mode === 'off' || (g.regs.cr0 & CR0_PG) === 0) return false;
  const home = g.currentHierarchy();
  if (home === undefined) return false;
  const leaves = home.mappings.filter((m) => m.level === 1 && g.entries.has(m.path[m.path.length - 1]));
  if (leaves.length === 0) return false;
  let m = rng.pick(leaves);
  let leaf = g.entries.get(m.path[m.path.length - 1])!;
  // Processes get PCIDs when the CPU has them (CR3's PCID bits are cleared first).
  if ((g.regs.efer & EFER_LMA) !== 0 && g.has('pcid') && (g.regs.cr4 & CR4_PCIDE) === 0 && rng.bool(0.4)) enablePcid(g);
  const homeCr3 = g.regs.cr3;
  const pcide = (g.regs.cr4 & CR4_PCIDE) !== 0;
  const pcid = pcide ? homeCr3.lo & 0xfff : 0;
  const tablePage = leaf.table - (leaf.table % 0x1000);
  g.emit({ op: 'access', gva: gvaInside(g, m), kind: 'read', cpl: rng.bool(0.5) ? 0 : 3, implicit: false });
  // Sometimes the page to edit is a read-only view of the table itself, read once: the edit
  // below then upgrades it to writable and dirty, which a sync may not grant (KVM shadows it).
  const view = rng.bool(0.3) ? selfView(g, home, m, tablePage) : null;
  if (view !== null) {
    m = view;
    leaf = g.entries.get(view.path[view.path.length - 1])!;
    g.emit({ op: 'access', gva: gvaInside(g, m), kind: 'read', cpl: 0, implicit: false });
  }
  const alias = tableAlias(g, home, tablePage);
  if (alias !== null) g.emit({ op: 'access', gva: gvaInside(g, alias), kind: 'write', cpl: 0, implicit: false });
  store(g, leaf, view !== null ? u64((leaf.value.lo | PTE_RW | PTE_D | PTE_A) >>> 0, leaf.value.hi) : editedGpte(g, leaf));
  let away = g.hierarchies.filter((h) => h.mode === mode && h !== home);
  if (away.length === 0 || (away.length < 2 && rng.bool(0.3))) {
    prepareSpace(g, mode);
    away = g.hierarchies.filter((h) => h.mode === mode && h !== home);
  }
  const other = rng.pick(away);
  // Each space its own PCID, as an OS gives each process one.
  const otherPcid = (g.hierarchies.indexOf(other) + 1) & 0xfff;
  g.set('cr3', cr3With(g, other, otherPcid === pcid ? (pcid + 1) & 0xfff : otherPcid, rng.bool(0.5)));
  const r = rng.next();
  if (r < 0.35) {
    g.emit({ op: 'invlpg', gva: gvaInside(g, m) });
  } else if (r < 0.6 && pcide) {
    const type = rng.bool(0.5) ? 0 : 1;
    g.emit({ op: 'invpcid', type, pcid, gva: type === 0 ? gvaInside(g, m) : u64(0) });
  } else if (r < 0.8) {
    // A role bit off and on again: KVM unloads every root, the cached ones included.
    const smep = g.has('smep') && rng.bool(0.4);
    if (smep) {
      g.set('cr4', u64((g.regs.cr4 ^ CR4_SMEP) >>> 0));
      g.set('cr4', u64((g.regs.cr4 ^ CR4_SMEP) >>> 0));
    } else {
      g.set('cr0', u64((g.regs.cr0 ^ CR0_WP) >>> 0));
      g.set('cr0', u64((g.regs.cr0 ^ CR0_WP) >>> 0));
    }
  }
  if (g.currentHierarchy() !== other) return true;
  g.set('cr3', cr3With(g, home, pcid, rng.bool(0.6)));
  g.focus = [m];
  g.emit({ op: 'access', gva: gvaInside(g, m), kind: rng.pick(['read', 'write', 'fetch'] as const), cpl: rng.bool(0.5) ? 0 : 3, implicit: false });
  return true;
}
