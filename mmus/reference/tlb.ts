// The architectural TLB as data (SDM 4.10.2; APM 5.5): the translations the processor MAY still
// hold for a (PCID, 4 KiB linear page), with what SDM 4.10.2.2 says an entry caches. It is a set
// of possibilities, not one cache: every entry that some legal execution could still be using
// stays until an invalidation that the SDM requires removes it (tlb-ops.ts says which).
//
// Keys: a linear page number is up to 45 bits (bits 56:12), too wide for one small-integer key,
// so the map is two-level on bits 56:32 and bits 31:12, both small integers (no boxed keys).

/** Combined rights of the walk (SDM 4.10.2.2): AND of U/S, AND of R/W, OR of XD. */
export const RIGHT_USER = 1;
export const RIGHT_WRITE = 2;
export const RIGHT_XD = 4;

/** How a selective invalidation treats global entries (SDM 4.10.2.4). */
export const KEEP_GLOBAL = 0; // only non-global entries of the PCID (MOV CR3, INVPCID 0/1/3)
export const WITH_PCID = 1; // every entry associated with the PCID, global or not
export const ANY_GLOBAL = 2; // entries of the PCID, plus global entries of any PCID (INVLPG)
export type GlobalMode = typeof KEEP_GLOBAL | typeof WITH_PCID | typeof ANY_GLOBAL;

/** Stands for "every PCID" in invalidateContext. */
export const ALL_PCIDS = -1;

export class TlbEntry {
  constructor(
    /** The PCID current when the entry was made (000H while CR4.PCIDE = 0, SDM 4.10.1). */
    readonly pcid: number,
    /** G = 1 in the leaf with CR4.PGE = 1 at fill time (SDM 4.10.2.4). */
    readonly global: boolean,
    /** Guest-physical address of the 4 KiB frame this page translates to. */
    readonly frame: number,
    /** Leaf level: 1 = 4 KiB, 2 = 2/4 MiB, 3 = 1 GiB. */
    readonly level: number,
    /** 4 KiB pages the translation covers (1, 512, 1024 for 4 MiB, 262144): INVLPG of any of them removes it. */
    readonly span: number,
    /** RIGHT_* bits. */
    readonly rights: number,
    /** Protection key of the leaf (IA-32e paging; 0 otherwise). */
    readonly pkey: number,
    /** D of the leaf at fill time; without it the entry cannot serve a write (SDM 4.8). */
    public dirty: boolean,
  ) {}
}

function isSelected(e: TlbEntry, pcid: number, mode: GlobalMode): boolean {
  if (e.global) {
    if (mode === KEEP_GLOBAL) return false;
    if (mode === ANY_GLOBAL) return true;
  }
  return pcid === ALL_PCIDS || e.pcid === pcid;
}

export class Tlb {
  /**
   * bits 56:32 of the page's linear address → bits 31:12 → entries. Invalidation empties lists
   * but keeps them (and the inner maps): a page touched once is likely refilled after a flush,
   * and a scenario touches few pages, so this saves allocation at no real cost in memory.
   */
  private readonly pages = new Map<number, Map<number, TlbEntry[]>>();
  /** The inner map last used and its key: accesses mostly stay under one value of bits 56:32. */
  private lastHi = -1;
  private lastInner: Map<number, TlbEntry[]> | undefined;
  private count = 0;
  /** Entries with span > 1: only then must a page invalidation look beyond its own key. */
  private large = 0;

  get size(): number {
    return this.count;
  }

  private inner(hi: number): Map<number, TlbEntry[]> | undefined {
    if (hi === this.lastHi) return this.lastInner;
    const inner = this.pages.get(hi);
    if (inner !== undefined) {
      this.lastHi = hi;
      this.lastInner = inner;
    }
    return inner;
  }

  /** The entries for the page (any PCID; possibly an empty list), or undefined; allocation-free. */
  lookup(hi: number, lo: number): TlbEntry[] | undefined {
    if (this.count === 0) return undefined;
    return this.inner(hi)?.get(lo);
  }

  /**
   * Records a translation; an identical one already held only gains D (it is the same
   * possibility). `list` is what lookup(hi, lo) returned just before, if anything.
   */
  fill(hi: number, lo: number, list: TlbEntry[] | undefined, pcid: number, global: boolean, frame: number,
    level: number, span: number, rights: number, pkey: number, dirty: boolean): void {
    this.lastList = undefined;
    this.lastEntry = undefined;
    if (list === undefined) {
      let inner = this.inner(hi);
      if (inner === undefined) {
        inner = new Map();
        this.pages.set(hi, inner);
        this.lastHi = hi;
        this.lastInner = inner;
      }
      list = inner.get(lo);
      if (list === undefined) {
        list = [];
        inner.set(lo, list);
      }
    }
    for (const e of list) {
      if (e.pcid === pcid && e.global === global && e.frame === frame && e.level === level &&
          e.span === span && e.rights === rights && e.pkey === pkey) {
        if (dirty && !e.dirty) {
          e.dirty = true;
          this.lastEntry = e;
          this.lastCreated = false;
        }
        return;
      }
    }
    const e = new TlbEntry(pcid, global, frame, level, span, rights, pkey, dirty);
    list.push(e);
    this.count++;
    if (span > 1) this.large++;
    this.lastList = list;
    this.lastEntry = e;
    this.lastCreated = true;
  }

  /** What the last fill changed, so that undoLastFill can take it back. */
  private lastList: TlbEntry[] | undefined;
  private lastEntry: TlbEntry | undefined;
  private lastCreated = false;

  /** Forgets what the last fill changed (a new operation starts). */
  forgetLastFill(): void {
    this.lastEntry = undefined;
  }

  /** Takes back the last fill (the entry it added, or the D it gave an entry), if still there. */
  undoLastFill(): void {
    const e = this.lastEntry;
    this.lastEntry = undefined;
    if (e === undefined) return;
    if (!this.lastCreated) {
      e.dirty = false;
      return;
    }
    const list = this.lastList!;
    const i = list.indexOf(e);
    if (i < 0) return;
    list.splice(i, 1);
    this.count--;
    if (e.span > 1) this.large--;
  }

  /**
   * Invalidates the entries for linear page hi:lo selected by (pcid, mode), including large-page
   * entries whose translation covers that page.
   */
  invalidatePage(hi: number, lo: number, pcid: number, mode: GlobalMode): void {
    if (this.count === 0) return;
    const inner = this.inner(hi);
    if (inner === undefined) return;
    if (this.large === 0) {
      const list = inner.get(lo);
      if (list !== undefined && list.length !== 0) this.prune(list, pcid, mode, lo, lo);
    } else {
      // Every span divides 2^20, so a covering large-page entry shares bits 56:32 with the page.
      for (const [key, list] of inner) if (list.length !== 0) this.prune(list, pcid, mode, key, lo);
    }
  }

  /**
   * Removes in place the entries of `list` (key `lo`) selected by (pcid, mode) whose translation
   * covers page `page`: the exact page, or a large page containing it (SDM 4.10.2.3: INVLPG and
   * page faults remove every entry for the translation, whatever page it was made for).
   */
  private prune(list: TlbEntry[], pcid: number, mode: GlobalMode, lo: number, page: number): void {
    let n = 0;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const covers = lo === page || (e.span > 1 && Math.floor(lo / e.span) === Math.floor(page / e.span));
      if (covers && isSelected(e, pcid, mode)) {
        this.count--;
        if (e.span > 1) this.large--;
      } else {
        list[n++] = e;
      }
    }
    list.length = n;
  }

  /** Invalidates every entry selected by (pcid, mode), for all pages (pcid may be ALL_PCIDS). */
  invalidateContext(pcid: number, mode: GlobalMode): void {
    if (this.count === 0) return;
    for (const inner of this.pages.values()) {
      for (const list of inner.values()) {
        let n = 0;
        for (let i = 0; i < list.length; i++) {
          const e = list[i];
          if (isSelected(e, pcid, mode)) {
            this.count--;
            if (e.span > 1) this.large--;
          } else {
            list[n++] = e;
          }
        }
        list.length = n;
      }
    }
  }

  /** Invalidates everything, global entries and all PCIDs included. */
  flushAll(): void {
    if (this.count === 0) return;
    for (const inner of this.pages.values()) for (const list of inner.values()) list.length = 0;
    this.count = 0;
    this.large = 0;
  }
}
