// Test helper: builds guest page-table hierarchies (32-bit, PAE, 4- and 5-level) as `write` Ops,
// so tests and the seed corpus state a mapping ("gva -> gpa, leaf at level 2, U=0 in the PDE")
// instead of hand-assembling entries. Test-only code: BigInt is fine here.
import type { Op } from '../backend.js';
import { u64FromBigInt } from '../x86/u64.js';

export type PagingMode = '32bit' | 'pae' | 'long4' | 'long5';

/** Anything a test writes as an address or entry: numbers below 2^53, or bigint for wider values. */
export type Wide = number | bigint;

const ENTRY_TOKENS: Readonly<Record<string, bigint>> = {
  P: 1n << 0n,
  W: 1n << 1n,
  U: 1n << 2n,
  PWT: 1n << 3n,
  PCD: 1n << 4n,
  A: 1n << 5n,
  D: 1n << 6n,
  PS: 1n << 7n,
  G: 1n << 8n,
  NX: 1n << 63n,
};

/**
 * Entry bits from a readable spec: space-separated tokens P W U PWT PCD A D PS G NX, `pkN` for
 * protection key N (bits 62:59) and `bN` for a raw bit N (reserved-bit tests). '' = no bits.
 */
export function entryBits(spec: string): bigint {
  let v = 0n;
  for (const tok of spec.split(/\s+/)) {
    if (tok === '') continue;
    const named = ENTRY_TOKENS[tok];
    if (named !== undefined) v |= named;
    else if (/^pk([0-9]|1[0-5])$/.test(tok)) v |= BigInt(tok.slice(2)) << 59n;
    else if (/^b([0-9]|[1-5][0-9]|6[0-3])$/.test(tok)) v |= 1n << BigInt(tok.slice(1));
    else throw new Error(`entryBits: unknown token '${tok}' in '${spec}'`);
  }
  return v;
}

/** Top level, entry size and the index of `gva` at each level for one paging mode. */
interface Geometry {
  readonly top: number;
  readonly entrySize: 4 | 8;
  index(gva: bigint, level: number): number;
  /** Bytes mapped by one entry at `level`. */
  span(level: number): bigint;
}

const GEOMETRY: Readonly<Record<PagingMode, Geometry>> = {
  '32bit': {
    top: 2,
    entrySize: 4,
    index: (gva, level) => Number((gva >> BigInt(12 + 10 * (level - 1))) & 0x3ffn),
    span: (level) => 1n << BigInt(12 + 10 * (level - 1)),
  },
  pae: {
    top: 3,
    entrySize: 8,
    index: (gva, level) => Number((gva >> BigInt(12 + 9 * (level - 1))) & (level === 3 ? 3n : 0x1ffn)),
    span: (level) => 1n << BigInt(12 + 9 * (level - 1)),
  },
  long4: {
    top: 4,
    entrySize: 8,
    index: (gva, level) => Number((gva >> BigInt(12 + 9 * (level - 1))) & 0x1ffn),
    span: (level) => 1n << BigInt(12 + 9 * (level - 1)),
  },
  long5: {
    top: 5,
    entrySize: 8,
    index: (gva, level) => Number((gva >> BigInt(12 + 9 * (level - 1))) & 0x1ffn),
    span: (level) => 1n << BigInt(12 + 9 * (level - 1)),
  },
};

export interface MapOptions {
  /** Level of the leaf: 1 = 4 KiB, 2 = 2 MiB / 4 MiB (PS), 3 = 1 GiB (PS). Default 1. */
  readonly level?: number;
  /** Leaf entry bits (PS is added for level > 1). Default 'P W U'. */
  readonly leaf?: string;
  /**
   * Bits of the non-leaf entries on the path, one spec for all or one per level (e.g.
   * `{ 2: 'P W' }` gives the PDE U=0). Default 'P W U', and 'P' for a PAE PDPTE (whose R/W
   * and U/S bits are reserved).
   */
  readonly tables?: string | Readonly<Record<number, string>>;
}

/**
 * One guest page-table hierarchy rooted at `root` (the CR3 value; for PAE the PDPT address).
 * New tables are allocated one 4 KiB page at a time from `nextTable` upward. map() returns
 * the writes that create or change entries; an entry already holding the value is not rewritten.
 */
export class PageTables {
  private readonly geo: Geometry;
  private nextTable: bigint;
  /** Entry gpa -> value written there by this builder. */
  private readonly entries = new Map<bigint, bigint>();
  /** Entry gpa -> the table it points to (non-leaf entries only). */
  private readonly children = new Map<bigint, bigint>();

  constructor(
    readonly mode: PagingMode,
    readonly root: Wide,
    nextTable: Wide,
  ) {
    this.geo = GEOMETRY[mode];
    this.nextTable = BigInt(nextTable);
  }

  /** Maps the page containing `gva` to `gpa` (aligned to the leaf's page size). */
  map(gva: Wide, gpa: Wide, opts: MapOptions = {}): Op[] {
    const va = BigInt(gva);
    const pa = BigInt(gpa);
    const leafLevel = opts.level ?? 1;
    this.checkLeafLevel(leafLevel);
    if (pa % this.geo.span(leafLevel) !== 0n) {
      throw new Error(`PageTables.map: gpa 0x${pa.toString(16)} is not aligned to a level-${leafLevel} page`);
    }
    const ops: Op[] = [];
    let table = BigInt(this.root);
    for (let level = this.geo.top; level > leafLevel; level--) {
      const at = table + BigInt(this.geo.index(va, level) * this.geo.entrySize);
      let child = this.children.get(at);
      if (child === undefined) {
        child = this.nextTable;
        this.nextTable += 0x1000n;
        this.children.set(at, child);
      }
      this.put(at, child | entryBits(this.tableSpec(level, opts.tables)), ops);
      table = child;
    }
    const at = table + BigInt(this.geo.index(va, leafLevel) * this.geo.entrySize);
    const ps = leafLevel > 1 ? entryBits('PS') : 0n;
    this.put(at, this.leafFrame(pa, leafLevel) | ps | entryBits(opts.leaf ?? 'P W U'), ops);
    return ops;
  }

  /** The gpa of the entry for `gva` at `level` (its table must exist: map through it first). */
  entryGpa(gva: Wide, level: number): number {
    const va = BigInt(gva);
    let table = BigInt(this.root);
    for (let l = this.geo.top; l > level; l--) {
      const at = table + BigInt(this.geo.index(va, l) * this.geo.entrySize);
      const child = this.children.get(at);
      if (child === undefined) throw new Error(`PageTables.entryGpa: no level-${l - 1} table for 0x${va.toString(16)}`);
      table = child;
    }
    return Number(table + BigInt(this.geo.index(va, level) * this.geo.entrySize));
  }

  /** The value this builder last wrote to the entry for `gva` at `level`. */
  entryValue(gva: Wide, level: number): bigint {
    const v = this.entries.get(BigInt(this.entryGpa(gva, level)));
    if (v === undefined) throw new Error(`PageTables.entryValue: no level-${level} entry for 0x${BigInt(gva).toString(16)}`);
    return v;
  }

  /** Overwrites the entry for `gva` at `level` with a raw value (e.g. to plant reserved bits). */
  setEntry(gva: Wide, level: number, value: bigint): Op[] {
    const ops: Op[] = [];
    this.put(BigInt(this.entryGpa(gva, level)), value, ops);
    return ops;
  }

  /** The next table page this builder would allocate (to place unrelated data past it). */
  get allocated(): number {
    return Number(this.nextTable);
  }

  private put(at: bigint, value: bigint, ops: Op[]): void {
    if (this.entries.get(at) === value) return;
    this.entries.set(at, value);
    ops.push(writeEntry(Number(at), value, this.geo.entrySize));
  }

  private tableSpec(level: number, tables: MapOptions['tables']): string {
    if (typeof tables === 'string') return tables;
    const own = tables?.[level];
    if (own !== undefined) return own;
    return this.mode === 'pae' && level === 3 ? 'P' : 'P W U';
  }

  private checkLeafLevel(level: number): void {
    const maxLeaf = this.mode === '32bit' || this.mode === 'pae' ? 2 : 3;
    if (!Number.isInteger(level) || level < 1 || level > maxLeaf) {
      throw new Error(`PageTables.map: a ${this.mode} leaf cannot be at level ${level}`);
    }
  }

  /** Frame bits of a leaf; a 4 MiB 32-bit page carries PA[35:32] in bits 16:13 (PSE-36). */
  private leafFrame(pa: bigint, level: number): bigint {
    if (this.mode !== '32bit') return pa;
    if (pa >= 1n << 32n && level === 1) throw new Error('PageTables.map: a 32-bit 4 KiB page must be below 4 GiB');
    if (level === 1) return pa;
    if (pa >= 1n << 36n) throw new Error('PageTables.map: a 4 MiB page must be below 64 GiB (PSE-36)');
    return (pa & 0xffc00000n) | ((pa >> 32n) << 13n);
  }
}

/** A guest store of one paging-structure entry. */
export function writeEntry(gpa: number, value: bigint, size: 4 | 8): Op {
  return { op: 'write', gpa, value: u64FromBigInt(value), size };
}
