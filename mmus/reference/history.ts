// The recent past of the vCPU, for speculative translations (model-contract "Speculative
// translations"; SDM 4.10.2.3: a processor may cache any translation that is valid at some moment,
// whether or not an access used it). What it keeps:
//   - states: a number `seq` per state of the machine between operations; an operation that
//     stores to guest memory (a `write`, an A/D update) or changes what a walk depends on makes
//     one new state;
//   - a journal of guest-memory stores: per 8-byte-aligned qword, the value it had before each
//     store, so the gptes of any past state can be re-read;
//   - the walk controls of each state (mode, CR3, CR4.PSE/PGE/PCIDE, EFER.NXE, PAE PDPTEs);
//   - the invalidations (INVLPG, INVPCID, MOV CR3, ...) with the state they happened in.
// Only states from `horizon` on are remembered: a flush of everything, a memslot delete or move,
// and the caps below move it forward (forgetting is always safe: the reference then allows less).
import type { GuestMemory } from '../memory/guest-memory.js';
import { CR4_PCIDE, CR4_PGE, CR4_PSE, CR3_PCID_MASK, EFER_NXE } from '../x86/bits.js';
import { MODE_PAE, pagingMode, type PagingMode } from './paging-mode.js';
import type { Registers } from './registers.js';
import { ALL_PCIDS, ANY_GLOBAL, KEEP_GLOBAL, type GlobalMode } from './tlb.js';

/** At most this many most recent states are remembered (the current one included). */
export const MAX_STATES = 256;
/** At most this many distinct walk-control states (register snapshots) are remembered. */
export const MAX_SNAPSHOTS = 64;
/** At most this many invalidation records are remembered. */
export const MAX_RECORDS = 128;

/** The walk controls in force from state `from` until the next snapshot's `from`. */
export class Snapshot {
  constructor(
    readonly from: number,
    readonly mode: PagingMode,
    readonly cr3Lo: number,
    readonly cr3Hi: number,
    readonly pse: boolean,
    /** CR4.PGE: G in a leaf makes the translation global. */
    readonly pge: boolean,
    readonly nxe: boolean,
    /** The PCID of the translations made under these controls (000H while CR4.PCIDE = 0). */
    readonly pcid: number,
    /** PDPTE0..3 as halves (PAE paging only, else all zero). */
    readonly pdptrs: Uint32Array,
  ) {}
}

/** One invalidation, made while state `seq` was current. */
export interface Invalidation {
  readonly seq: number;
  /** true: one linear page (hi:lo); false: a whole context. */
  readonly page: boolean;
  readonly hi: number;
  readonly lo: number;
  /** PCID or ALL_PCIDS (contexts only). */
  readonly pcid: number;
  readonly mode: GlobalMode;
}

const NO_PDPTRS = new Uint32Array(8);

function sameSnapshot(s: Snapshot, mode: PagingMode, r: Registers, pcid: number): boolean {
  if (s.mode !== mode || s.cr3Lo !== r.cr3Lo || s.cr3Hi !== r.cr3Hi || s.pcid !== pcid) return false;
  if (s.pse !== ((r.cr4 & CR4_PSE) !== 0) || s.pge !== ((r.cr4 & CR4_PGE) !== 0)) return false;
  if (s.nxe !== ((r.efer & EFER_NXE) !== 0)) return false;
  if (mode !== MODE_PAE) return true;
  for (let i = 0; i < 8; i++) if (s.pdptrs[i] !== r.pdptrs[i]) return false;
  return true;
}

export class History {
  /** The current state. */
  seq = 0;
  /** The oldest state remembered. */
  horizon = 0;
  /** Oldest first; the last one holds the current controls. */
  readonly snapshots: Snapshot[] = [];
  /** Oldest first. */
  readonly records: Invalidation[] = [];
  /**
   * qword index (gpa / 8) → flat [seq, lo, hi, setsAd, ...] ascending in seq: the qword held lo:hi
   * in every state before `seq` back to the previous entry (state seq - 1 is the last such
   * state). setsAd = 1 when the store only set A and/or D flags (a walk's A/D update): the states
   * before it then hold no translation that the states after it do not hold with more rights (an
   * entry without A cannot be cached; one without D serves a subset of the accesses), so a walk
   * over the history may skip such an entry.
   */
  readonly journal = new Map<number, number[]>();
  /** Journal keys in the order their entries were made (with the entry's seq), for pruning. */
  private readonly order: number[] = [];
  private orderHead = 0;
  /** Slots added since the horizon: [baseGfn, endGfn, seq of the first state with the slot]. */
  readonly added: number[] = [];
  /** Whether the current operation has already made a new state. */
  private changed = false;

  constructor(r: Registers) {
    this.snapshots.push(this.snapshotOf(r, 0));
  }

  /** Called at the start of every operation. */
  beginOp(): void {
    this.changed = false;
  }

  /** The operation changes the machine: the first change of an operation makes a new state. */
  private change(): void {
    if (this.changed) return;
    this.changed = true;
    this.seq++;
    if (this.seq - MAX_STATES + 1 > this.horizon) this.forgetBefore(this.seq - MAX_STATES + 1);
  }

  /**
   * Before a store of guest memory at gpa (within one qword; stores are naturally aligned);
   * `setsAd`: the store only sets A/D flags of a paging-structure entry.
   */
  noteStore(mem: GuestMemory, gpa: number, setsAd: boolean): void {
    this.change();
    const q = Math.floor(gpa / 8);
    const lo = mem.read32(q * 8);
    if (lo < 0) return; // not backed: nothing was stored
    const hi = mem.read32(q * 8 + 4);
    let list = this.journal.get(q);
    if (list === undefined) {
      list = [];
      this.journal.set(q, list);
    } else if (list.length !== 0 && list[list.length - 4] === this.seq) {
      return; // already stored to in this operation: the value of the previous state is kept
    }
    list.push(this.seq, lo, hi, setsAd ? 1 : 0);
    this.order.push(q, this.seq);
  }

  /** After a register write (or a PDPTE re-read): a new snapshot if the walk controls changed. */
  noteRegisters(r: Registers): void {
    const mode = pagingMode(r);
    const pcid = (r.cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0;
    const last = this.snapshots[this.snapshots.length - 1];
    if (sameSnapshot(last, mode, r, pcid)) return;
    this.change();
    const snap = this.snapshotOf(r, this.seq);
    if (last.from === this.seq) this.snapshots[this.snapshots.length - 1] = snap;
    else this.snapshots.push(snap);
    if (this.snapshots.length > MAX_SNAPSHOTS) this.forgetBefore(this.snapshots[this.snapshots.length - MAX_SNAPSHOTS].from);
  }

  /**
   * Undoes the A/D stores the current operation made (restoring guest memory) and forgets their
   * journal entries: the operation completed some other legal way, without them. Returns the
   * number of qwords restored.
   */
  undoAdStoresOfThisOp(mem: GuestMemory): number {
    if (!this.changed) return 0;
    let n = 0;
    for (const [q, list] of this.journal) {
      const k = list.length - 4;
      if (k < 0 || list[k] !== this.seq || list[k + 3] !== 1) continue;
      mem.write(q * 8, 4, list[k + 1], 0);
      mem.write(q * 8 + 4, 4, list[k + 2], 0);
      list.length = k;
      if (k === 0) this.journal.delete(q);
      n++;
    }
    return n;
  }

  /** A memslot was added: its pages were outside every memslot in earlier states. */
  noteSlotAdded(baseGfn: number, npages: number): void {
    this.change();
    this.added.push(baseGfn, baseGfn + npages, this.seq);
  }

  /** A memslot delete or move: the end of history (model-contract: nothing from before it). */
  noteSlotRemoved(): void {
    this.change();
    this.forgetBefore(this.seq);
  }

  /** A flush of every translation of every PCID: nothing before now can be cached any more. */
  flushAll(): void {
    this.forgetBefore(this.seq);
  }

  invalidatePage(hi: number, lo: number, pcid: number, mode: GlobalMode): void {
    this.record(true, hi, lo, pcid, mode);
  }

  invalidateContext(pcid: number, mode: GlobalMode): void {
    this.record(false, 0, 0, pcid, mode);
  }

  private record(page: boolean, hi: number, lo: number, pcid: number, mode: GlobalMode): void {
    const seq = this.seq;
    // A record removes the translations last valid before its state; an older record selecting
    // the same translations removes a subset of those, so it can go.
    const rs = this.records;
    let n = 0;
    for (let i = 0; i < rs.length; i++) {
      const x = rs[i];
      if (!(x.page === page && x.hi === hi && x.lo === lo && x.pcid === pcid && x.mode === mode)) rs[n++] = x;
    }
    rs.length = n;
    rs.push({ seq, page, hi, lo, pcid, mode });
    if (rs.length > MAX_RECORDS) this.forgetBefore(rs[0].seq);
  }

  /**
   * Whether an invalidation after state y removes a translation of (pcid, global) for the linear
   * page hi:lo made with a leaf covering `span` 4 KiB pages (SDM 4.10.4.1; the same selection as
   * the filled TLB, tlb.ts).
   */
  removedAfter(y: number, hi: number, lo: number, span: number, pcid: number, global: boolean): boolean {
    const rs = this.records;
    for (let i = rs.length - 1; i >= 0; i--) {
      const x = rs[i];
      if (x.seq <= y) break;
      if (global) {
        if (x.mode === KEEP_GLOBAL) continue;
        if (x.mode !== ANY_GLOBAL && x.pcid !== ALL_PCIDS && x.pcid !== pcid) continue;
      } else if (x.pcid !== ALL_PCIDS && x.pcid !== pcid) {
        continue;
      }
      if (!x.page) return true;
      if (x.hi !== hi) continue;
      if (x.lo === lo || (span > 1 && Math.floor(x.lo / span) === Math.floor(lo / span))) return true;
    }
    return false;
  }

  /** The first state from which the qword at gpa was backed, or 0 (backed all along, or never). */
  backedFrom(gpa: number): number {
    const a = this.added;
    if (a.length === 0) return 0;
    const gfn = Math.floor(gpa / 4096);
    for (let i = 0; i < a.length; i += 3) if (gfn >= a[i] && gfn < a[i + 1]) return a[i + 2];
    return 0;
  }

  /** Forgets every state before `h`, and what only they needed. */
  private forgetBefore(h: number): void {
    if (h <= this.horizon) return;
    this.horizon = h;
    // Journal entries of seq <= h only rebuild states before h.
    const order = this.order;
    let i = this.orderHead;
    while (i < order.length && order[i + 1] <= h) {
      const q = order[i];
      const list = this.journal.get(q);
      // The entry may be gone already (undoStoresOfThisState).
      if (list !== undefined && list[0] === order[i + 1]) {
        list.splice(0, 4);
        if (list.length === 0) this.journal.delete(q);
      }
      i += 2;
    }
    if (i === order.length) {
      order.length = 0;
      this.orderHead = 0;
    } else if (i > 1024) {
      order.splice(0, i);
      this.orderHead = 0;
    } else {
      this.orderHead = i;
    }
    const snaps = this.snapshots;
    let drop = 0;
    while (drop + 1 < snaps.length && snaps[drop + 1].from <= h) drop++;
    if (drop > 0) snaps.splice(0, drop);
    const rs = this.records;
    let keep = 0;
    while (keep < rs.length && rs[keep].seq <= h) keep++;
    if (keep > 0) rs.splice(0, keep);
    const a = this.added;
    let n = 0;
    for (let k = 0; k < a.length; k += 3) {
      if (a[k + 2] > h) {
        a[n++] = a[k];
        a[n++] = a[k + 1];
        a[n++] = a[k + 2];
      }
    }
    a.length = n;
  }

  private snapshotOf(r: Registers, from: number): Snapshot {
    const mode = pagingMode(r);
    const pcid = (r.cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0;
    return new Snapshot(from, mode, r.cr3Lo, r.cr3Hi, (r.cr4 & CR4_PSE) !== 0, (r.cr4 & CR4_PGE) !== 0,
      (r.efer & EFER_NXE) !== 0, pcid, mode === MODE_PAE ? r.pdptrs.slice() : NO_PDPTRS);
  }
}
