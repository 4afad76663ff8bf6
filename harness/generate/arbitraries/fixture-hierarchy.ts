// The fixed guest page tables property scenarios start from, one layout per paging mode: five
// pool GVAs mapped by 4 KiB leaves, sharing upper levels the way a real address space does.
import type { Op } from '../../../mmus/backend.js';
import { u64, type U64 } from '../../../mmus/x86/u64.js';
import { PTE_P, PTE_RW, PTE_US } from '../../../mmus/x86/bits.js';
import { entrySize, gvaIndex, topLevel, type GenMode } from '../geometry.js';
import { DATA_BASE, LARGE_BASE, TABLE_BASE } from '../layout.js';

/** One entry of the fixture: where it is and the frame it points to. */
export interface FixtureEntry {
  readonly gpa: number;
  readonly level: number;
  readonly frame: number;
}

export interface FixtureHierarchy {
  readonly mode: GenMode;
  /** The root table (PAE: the PDPT); CR3 points here. */
  readonly root: number;
  /** The GVAs ops aim at, by pool index. */
  readonly gvas: readonly U64[];
  /** entries[gvaIndex][level - 1]: the entry translating that GVA at that level. */
  readonly entries: readonly (readonly FixtureEntry[])[];
  /** Frames in the tables' own region a rewritten entry may point to (the config adds more). */
  readonly pool: readonly number[];
  /** The `write` ops that build it (each entry once, top-down). */
  readonly writes: readonly Op[];
}

/**
 * Low pages, a second PDE, a second PDPTE (PAE/long) and the top of the address space: the
 * kernel half in long mode (PML4/PML5 index 256 / 511), 3 GiB otherwise.
 */
function poolGvas(mode: GenMode): U64[] {
  const base = [u64(0x1000), u64(0x2000), u64(mode === '32-bit' ? 0x400000 : 0x200000), u64(0x40000000)];
  return [...base, mode === '4-level' || mode === '5-level' ? u64(0, 0xffff8000) : u64(0xc0000000)];
}

const TABLE_FLAGS = PTE_P | PTE_RW | PTE_US;

/** Builds the fixture for `mode`; tables are allocated from TABLE_BASE in order of first use. */
export function buildFixtureHierarchy(mode: GenMode): FixtureHierarchy {
  const size = entrySize(mode);
  const top = topLevel(mode);
  const gvas = poolGvas(mode);
  const written = new Map<number, FixtureEntry>();
  const writes: Op[] = [];
  let next = TABLE_BASE + 0x1000;
  const put = (gpa: number, level: number, frame: number, flags: number): FixtureEntry => {
    const known = written.get(gpa);
    if (known !== undefined) return known;
    const entry = { gpa, level, frame };
    written.set(gpa, entry);
    writes.push({ op: 'write', gpa, value: u64(frame | flags), size });
    return entry;
  };
  const entries = gvas.map((gva, i) => {
    const path: FixtureEntry[] = [];
    let table = TABLE_BASE;
    for (let level = top; level >= 1; level--) {
      const gpa = table + gvaIndex(mode, gva, level) * size;
      // A PAE PDPTE holds only P besides the address: R/W and U/S are reserved there (SDM 4.4.1).
      const flags = mode === 'pae' && level === 3 ? PTE_P : TABLE_FLAGS;
      const frame = level === 1 ? DATA_BASE + i * 0x1000 : (written.get(gpa)?.frame ?? next);
      if (level > 1 && frame === next) next += 0x1000;
      path[level - 1] = put(gpa, level, frame, flags);
      table = frame;
    }
    return path;
  });
  // An unused data page, a large-page-aligned region, the root (a self-map) and the last table.
  const pool = [DATA_BASE + gvas.length * 0x1000, LARGE_BASE, TABLE_BASE, next - 0x1000];
  return { mode, root: TABLE_BASE, gvas, entries, pool, writes };
}
