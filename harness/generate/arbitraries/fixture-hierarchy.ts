// The fixed guest page tables property scenarios start from, one layout per paging mode: five
// pool GVAs mapped by 4 KiB leaves, sharing upper levels the way a real address space does, plus
// what shadow paging cares about: writable mappings of the page tables themselves, a read-only
// recursive view, a device page, and two more address spaces sharing the kernel half.
import type { Op } from '../../../mmus/backend.js';
import { u64, type U64 } from '../../../mmus/x86/u64.js';
import { PTE_A, PTE_D, PTE_P, PTE_RW, PTE_US } from '../../../mmus/x86/bits.js';
import { canonicalize, entrySize, gvaIndex, gvaWidth, indexBits, levelShift, topLevel, withBits, type GenMode } from '../geometry.js';
import { DATA_BASE, HOLES, LARGE_BASE, TABLE_BASE } from '../layout.js';

/** One entry of the fixture: where it is and the frame it points to. */
export interface FixtureEntry {
  readonly gpa: number;
  readonly level: number;
  readonly frame: number;
  /** The low flag bits it was written with. */
  readonly flags: number;
}

export interface FixtureHierarchy {
  readonly mode: GenMode;
  /** The root table (PAE: the PDPT); CR3 points here. */
  readonly root: number;
  /**
   * The GVAs ops aim at, by pool index: the first GVA_POOL_SIZE map data pages; then a read-only
   * view of the first page table (a recursive slot) and a device page (a guest-physical hole: MMIO).
   */
  readonly gvas: readonly U64[];
  /** entries[gvaIndex][level - 1]: the entry translating that GVA at that level. */
  readonly entries: readonly (readonly FixtureEntry[])[];
  /** Frames in the tables' own region a rewritten entry may point to (the config adds more). */
  readonly pool: readonly number[];
  /**
   * Roots of the address spaces, space 0 (= root) first. The others map the user pool GVAs to
   * pages of their own and share the kernel half (the top-level entry of the last pool GVA).
   */
  readonly spaces: readonly number[];
  /**
   * For each table page of space 0, a GVA mapping it writable for the supervisor: a level-1
   * table's recursive slot in itself, an upper table's page in the kernel's direct map.
   */
  readonly aliases: ReadonlyMap<number, U64>;
  /** The `write` ops that build it (each entry once, top-down). */
  readonly writes: readonly Op[];
}

/** Pool GVAs every intent source aims at (the arbitraries add the view and the device page). */
const BASE_GVAS = 5;

/**
 * Low pages, a second PDE, a second PDPTE (PAE/long) and the top of the address space: the
 * kernel half in long mode (PML4/PML5 index 256 / 511), 3 GiB otherwise.
 */
function poolGvas(mode: GenMode): U64[] {
  const base = [u64(0x1000), u64(0x2000), u64(mode === '32-bit' ? 0x400000 : 0x200000), u64(0x40000000)];
  return [...base, mode === '4-level' || mode === '5-level' ? u64(0, 0xffff8000) : u64(0xc0000000)];
}

const TABLE_FLAGS = PTE_P | PTE_RW | PTE_US;
/** Level-1 slots of the extra mappings, clear of the pool GVAs' own slots. */
const VIEW_INDEX = 0x1f0;
const ALIAS_INDEX = 0x1f1;
const DEVICE_INDEX = 0x1f2;
const DIRECT_MAP_INDEX = 0x1f4;
/** Where space k's user pages go: 1 MiB per space above the data pages of space 0. */
const SPACE_DATA_STRIDE = 0x100000;
const SPACES = 3;

/** Builds the fixture for `mode`; tables are allocated from TABLE_BASE in order of first use. */
export function buildFixtureHierarchy(mode: GenMode): FixtureHierarchy {
  const size = entrySize(mode);
  const top = topLevel(mode);
  const written = new Map<number, FixtureEntry>();
  const writes: Op[] = [];
  let next = TABLE_BASE + 0x1000;
  /** Level and a GVA through it, for each table page of space 0 (in order of allocation). */
  const tables = new Map<number, { level: number; gva: U64 }>([[TABLE_BASE, { level: top, gva: u64(0) }]]);
  const put = (gpa: number, level: number, frame: number, flags: number): FixtureEntry => {
    const known = written.get(gpa);
    if (known !== undefined) return known;
    const entry = { gpa, level, frame, flags };
    written.set(gpa, entry);
    writes.push({ op: 'write', gpa, value: u64(frame | flags), size });
    return entry;
  };
  /** Maps gva in the space rooted at `root` to a 4 KiB leaf, allocating tables; the path, top level first. */
  const map = (root: number, gva: U64, leaf: number, leafFlags: number, record: boolean): FixtureEntry[] => {
    const path: FixtureEntry[] = [];
    let table = root;
    for (let level = top; level >= 1; level--) {
      const gpa = table + gvaIndex(mode, gva, level) * size;
      // A PAE PDPTE holds only P besides the address: R/W and U/S are reserved there (SDM 4.4.1).
      const flags = level === 1 ? leafFlags : mode === 'pae' && level === 3 ? PTE_P : TABLE_FLAGS;
      const frame = level === 1 ? leaf : (written.get(gpa)?.frame ?? next);
      if (level > 1 && frame === next) {
        next += 0x1000;
        if (record) tables.set(frame, { level: level - 1, gva });
      }
      path[level - 1] = put(gpa, level, frame, flags);
      table = frame;
    }
    return path;
  };
  const gvas = poolGvas(mode);
  const entries = gvas.map((gva, i) => map(TABLE_BASE, gva, DATA_BASE + i * 0x1000, TABLE_FLAGS, true));
  // An unused data page, a large-page-aligned region, the root (a self-map) and the last table.
  const pool = [DATA_BASE + BASE_GVAS * 0x1000, LARGE_BASE, TABLE_BASE, next - 0x1000];
  const at = (gva: U64, index: number) => canonicalize(withBits(gva, levelShift(mode, 1), indexBits(mode, 1), index), gvaWidth(mode));
  const firstTable = entries[0][0].gpa - (entries[0][0].gpa % 0x1000);
  const kernel = gvas[BASE_GVAS - 1];
  const view = at(gvas[0], VIEW_INDEX);
  const device = at(kernel, DEVICE_INDEX);
  gvas.push(view, device);
  entries.push(map(TABLE_BASE, view, firstTable, PTE_P | PTE_US | PTE_A | PTE_D, false));
  entries.push(map(TABLE_BASE, device, HOLES[0], PTE_P | PTE_RW | PTE_A | PTE_D, false));
  const aliases = new Map<number, U64>();
  let direct = DIRECT_MAP_INDEX;
  for (const [page, t] of tables) {
    const gva = t.level === 1 ? at(t.gva, ALIAS_INDEX) : at(kernel, direct++);
    map(TABLE_BASE, gva, page, PTE_P | PTE_RW | PTE_A | PTE_D, false);
    aliases.set(page, gva);
  }
  const spaces = [TABLE_BASE];
  const kernelTop = entries[BASE_GVAS - 1][top - 1];
  for (let k = 1; k < SPACES; k++) {
    const root = next;
    next += 0x1000;
    spaces.push(root);
    put(root + (kernelTop.gpa - TABLE_BASE), top, kernelTop.frame, mode === 'pae' ? PTE_P : TABLE_FLAGS);
    for (let i = 0; i < BASE_GVAS - 1; i++) map(root, gvas[i], DATA_BASE + k * SPACE_DATA_STRIDE + i * 0x1000, TABLE_FLAGS, false);
  }
  return { mode, root: TABLE_BASE, gvas, entries, pool, spaces, aliases, writes };
}
