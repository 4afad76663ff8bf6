// Speculative translations (model-contract "Speculative translations"; SDM 4.10.2.3): besides the
// translations accesses filled (tlb-use.ts), a processor may hold any translation for the page
// that was valid at some moment since the last invalidation covering it, used or not. KVM's
// shadow MMU really serves such translations: an unsync level-1 shadow page answers for every
// linear address that walks through its guest table, with the gptes as they were when synced.
//
// For the access's 4 KiB linear page this walks every remembered state (history.ts) at once:
// each paging-structure entry on the path has a value per range of states (from the journal),
// and each range where the path is present and reserved-bit free down to a leaf is one
// translation, last valid at the range's end. A clear A flag does not stop it: a speculative walk
// sets A itself (SDM 4.8), so the CPU may have cached the translation while a PCID was active
// even though the A flags in memory were set later, under another PCID. It is allowed when no later invalidation removed
// it and its rights permit the access under the controls of now, as a filled entry's are.
import type { MmuEvent, Observation, Outcome } from '../backend.js';
import { NOT_BACKED, type GuestMemory } from '../memory/guest-memory.js';
import { CR4_PCIDE, CR3_PCID_MASK, EFER_NXE, PAGE_SIZE, PTE_A, PTE_D, PTE_G, PTE_NX_HI, PTE_P, PTE_PKEY_SHIFT_HI, PTE_PS, PTE_RW, PTE_US } from '../x86/bits.js';
import { accessFault, KIND_WRITE, type Kind } from './access-rights.js';
import type { History, Snapshot } from './history.js';
import type { Machine } from './machine.js';
import { MODE_32BIT, MODE_5LEVEL, MODE_OFF, MODE_PAE } from './paging-mode.js';
import type { Registers } from './registers.js';
import { isRsvd32, isRsvdLong, isRsvdPae } from './reserved-bits.js';
import type { Walk } from './translate.js';

const TWO32 = 0x1_0000_0000;

/** Index of the entry for the page at `level` in a 512-entry table (SDM 4.4.2, 4.5.4). */
function index64(level: number, gvaLo: number, gvaHi: number): number {
  switch (level) {
    case 5: return (gvaHi >>> 16) & 0x1ff;
    case 4: return (gvaHi >>> 7) & 0x1ff;
    case 3: return ((gvaHi & 0x7f) << 2) | (gvaLo >>> 30);
    case 2: return (gvaLo >>> 21) & 0x1ff;
    default: return (gvaLo >>> 12) & 0x1ff;
  }
}

/**
 * One instance per backend; the per-access inputs live in fields so the recursive walk allocates
 * nothing unless it finds an alternative.
 */
export class SpeculativeTranslations {
  // The access being answered.
  private r!: Registers;
  private kind: Kind = 0;
  private user = false;
  private implicit = false;
  private gvaLo = 0;
  private gvaHi = 0;
  private pageHi = 0;
  private pageLo = 0;
  private pcidNow = 0;
  private primary!: Observation;
  private out: Observation[] | undefined;
  private none!: readonly MmuEvent[];
  // The snapshot being walked.
  private snap!: Snapshot;

  constructor(
    private readonly h: History,
    private readonly m: Machine,
    private readonly mem: GuestMemory,
    /** Gfns an access found outside every memslot (backend.ts, the MMIO ledger). */
    private readonly mmioGfns: ReadonlySet<number>,
  ) {}

  /**
   * Appends to `list` (allocating one if needed) every outcome a speculative translation allows
   * for this access that is neither the primary's nor already listed; returns the list. `upTo`:
   * the last state before the access (its own A/D writes, already journalled, make the next one).
   * `walk`: the fresh walk when it succeeded (its path is then complete), else undefined.
   */
  alternatives(
    r: Registers, kind: Kind, user: boolean, implicit: boolean, gvaLo: number, gvaHi: number,
    pageHi: number, pageLo: number, upTo: number, primary: Observation, walk: Walk | undefined,
    list: Observation[] | undefined, none: readonly MmuEvent[],
  ): Observation[] | undefined {
    this.r = r;
    this.kind = kind;
    this.user = user;
    this.implicit = implicit;
    this.gvaLo = gvaLo;
    this.gvaHi = gvaHi;
    this.pageHi = pageHi;
    this.pageLo = pageLo;
    this.pcidNow = (r.cr4 & CR4_PCIDE) !== 0 ? r.cr3Lo & CR3_PCID_MASK : 0;
    this.primary = primary;
    this.out = list;
    this.none = none;
    const h = this.h;
    const snaps = h.snapshots;
    const last = snaps.length - 1;
    // The shortcut below relies on a translation of unchanged memory repeating the primary. The
    // ledger's MMIO write breaks that: the same translation with D = 0 serves the write without
    // the D update the primary makes, which is a different observation.
    const mmioWrite = kind === KIND_WRITE && primary.events.length !== 0 &&
      (primary.outcome === 'mmio' || (primary.gpa !== undefined && this.mmioGfns.has(Math.floor(primary.gpa / PAGE_SIZE))));
    for (let i = 0; i <= last; i++) {
      const s = snaps[i];
      if (s.mode === MODE_OFF) continue;
      // A snapshot of another PCID can only have left global translations behind — except under
      // shadow paging (ledger: KVM's shadow pages are shared by every address space that reaches
      // the same guest table, whatever its PCID).
      if (s.pcid !== this.pcidNow && !s.pge && !this.m.shadow) continue;
      const a = Math.max(s.from, h.horizon);
      const b = Math.min(upTo, i < last ? snaps[i + 1].from - 1 : h.seq);
      if (a > b) continue;
      // The current controls over unchanged memory give the fresh walk's translation only.
      if (i === last && walk !== undefined && !mmioWrite && this.unchanged(walk, a, b)) continue;
      this.snap = s;
      if (s.mode === MODE_32BIT) {
        this.walkTable(2, (s.cr3Lo & 0xfffff000) >>> 0, a, b, true, true, false);
      } else if (s.mode === MODE_PAE) {
        // PDPTE registers: only P is checked at use (validated when loaded); no A, no rights.
        const k = gvaLo >>> 30;
        const lo = s.pdptrs[2 * k];
        if ((lo & PTE_P) === 0) continue;
        this.walkTable(2, (s.pdptrs[2 * k + 1] & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0), a, b, true, true, false);
      } else {
        const top = s.mode === MODE_5LEVEL ? 5 : 4;
        // Ledger (shadow paging): another PCID's moment counts with the current address space's
        // tables, as they were then — KVM's shadow pages hold them for every root reaching them.
        const cr = s.pcid !== this.pcidNow && this.m.shadow ? r : s;
        this.walkTable(top, (cr.cr3Hi & 0xfffff) * TWO32 + ((cr.cr3Lo & 0xfffff000) >>> 0), a, b, true, true, false);
      }
    }
    const out = this.out;
    this.out = undefined;
    return out;
  }

  /**
   * Whether every entry on the fresh walk's path kept its value over states a..b (and existed):
   * then walking the current controls over those states finds that walk's translation alone.
   */
  private unchanged(w: Walk, a: number, b: number): boolean {
    const h = this.h;
    if (h.added.length !== 0) return false;
    for (let k = 0; k < w.count; k++) {
      const list = h.journal.get(Math.floor(w.gpteGpa[k] / 8));
      if (list === undefined) continue;
      for (let i = 0; i < list.length; i += 4) {
        const seq = list[i];
        if (seq > b) break;
        if (seq > a && list[i + 3] === 0) return false;
      }
    }
    return true;
  }

  /**
   * Walks the entry at gpa over states a..b: one `entry` call per range of states in which it
   * kept one value (from the journal; the current memory for the last range). States in which
   * its memslot did not exist yet are skipped: the entry was not present then.
   */
  private forRanges(level: number, gpa: number, a: number, b: number, userPage: boolean, writable: boolean, xd: boolean): void {
    const h = this.h;
    const q = Math.floor(gpa / 8);
    const upper = ((gpa / 4) & 1) === 1; // 4-byte gptes: the high half of the qword
    const list = h.journal.get(q);
    const backed = h.backedFrom(gpa);
    let i = 0;
    if (list !== undefined) while (i < list.length && list[i] <= a) i += 4;
    let start = a;
    while (start <= b) {
      let end: number;
      let lo: number;
      let hi: number;
      // A store that only set A/D merges the states before it into those after it (history.ts),
      // when both are in the range.
      if (list !== undefined) while (i < list.length && list[i + 3] === 1 && list[i] <= b) i += 4;
      if (list !== undefined && i < list.length) {
        end = Math.min(b, list[i] - 1);
        lo = list[i + 1];
        hi = list[i + 2];
        i += 4;
      } else {
        end = b;
        lo = this.mem.read32(q * 8);
        if (lo === NOT_BACKED) return;
        hi = this.mem.read32(q * 8 + 4);
      }
      if (start < backed) start = backed;
      if (start <= end) {
        if (upper) this.entry(level, gpa, start, end, hi, 0, userPage, writable, xd);
        else this.entry(level, gpa, start, end, lo, hi, userPage, writable, xd);
      }
      start = end + 1;
    }
  }

  /** The entry for the page at `level` of the table at `table`, over states a..b. */
  private walkTable(level: number, table: number, a: number, b: number, userPage: boolean, writable: boolean, xd: boolean): void {
    const gvaLo = this.gvaLo;
    const gpa = this.snap.mode === MODE_32BIT
      ? table + 4 * (level === 2 ? gvaLo >>> 22 : (gvaLo >>> 12) & 0x3ff)
      : table + 8 * index64(level, gvaLo, this.gvaHi);
    this.forRanges(level, gpa, a, b, userPage, writable, xd);
  }

  /**
   * One value (lo:hi) of one entry in states s..e: nothing unless present, free of reserved bits
   * (under that snapshot's CR4.PSE and EFER.NXE) and accessed; a leaf is a candidate, else the
   * walk goes on into the table it points to over the same states.
   */
  private entry(level: number, gpa: number, s: number, e: number, lo: number, hi: number,
    userPage: boolean, writable: boolean, xd: boolean): void {
    if ((lo & PTE_P) === 0) return;
    const snap = this.snap;
    const m = this.m;
    const gvaLo = this.gvaLo;
    const u = userPage && (lo & PTE_US) !== 0;
    const w = writable && (lo & PTE_RW) !== 0;
    if (snap.mode === MODE_32BIT) {
      // 32-bit paging (SDM 4.3): 4-byte entries; a PDE with PS and CR4.PSE maps 4 MiB.
      if (isRsvd32(m, level, lo, snap.pse)) return;
      if (level === 2 && snap.pse && (lo & PTE_PS) !== 0) {
        const high = m.pse36 ? (lo >>> 13) & 0xf : 0;
        this.candidate(e, high * TWO32 + (((lo & 0xffc00000) | (gvaLo & 0x003ff000)) >>> 0), 2, 1024, u, w, false, 0, lo);
      } else if (level === 1) {
        this.candidate(e, (lo & 0xfffff000) >>> 0, 1, 1, u, w, false, 0, lo);
      } else {
        this.walkTable(1, (lo & 0xfffff000) >>> 0, s, e, u, w, false);
      }
      return;
    }
    // PAE (SDM 4.4) and 4-/5-level (SDM 4.5) paging: 8-byte entries, XD, protection keys.
    const pae = snap.mode === MODE_PAE;
    const rsvd = pae ? isRsvdPae(m, level, lo, hi, snap.nxe) : isRsvdLong(m, level, lo, hi, snap.nxe);
    if (rsvd) return;
    const x = xd || (snap.nxe && (hi & PTE_NX_HI) !== 0);
    if (level !== 1 && (lo & PTE_PS) === 0) {
      this.walkTable(level - 1, (hi & 0xfffff) * TWO32 + ((lo & 0xfffff000) >>> 0), s, e, u, w, x);
      return;
    }
    let low: number;
    let span: number;
    if (level === 1) {
      low = lo & 0xfffff000;
      span = 1;
    } else if (level === 2) {
      low = (lo & 0xffe00000) | (gvaLo & 0x001ff000);
      span = 512;
    } else {
      low = (lo & 0xc0000000) | (gvaLo & 0x3ffff000);
      span = 262144;
    }
    const pkey = pae ? 0 : (hi >>> PTE_PKEY_SHIFT_HI) & 0xf;
    this.candidate(e, (hi & 0xfffff) * TWO32 + (low >>> 0), level, span, u, w, x, pkey, lo);
  }

  /**
   * A translation valid in states up to `last`: listed when it may still be cached now (PCID,
   * invalidations), it permits the access under the current controls, and it says something new.
   */
  private candidate(last: number, frame: number, level: number, span: number, userPage: boolean,
    writable: boolean, xd: boolean, pkey: number, leafLo: number): void {
    const snap = this.snap;
    const global = snap.pge && (leafLo & PTE_G) !== 0;
    const otherPcid = snap.pcid !== this.pcidNow;
    if (!global && otherPcid && !this.m.shadow) return;
    // SDM 4.8: a write must set D in the leaf; a translation whose leaf had D = 0 cannot —
    // except towards a gpa outside every memslot, or one an access found outside every memslot
    // before (ledger: KVM emulates a write from its MMIO SPTE without walking, so D stays clear).
    const write = this.kind === KIND_WRITE;
    const gpa = frame + (this.gvaLo & 0xfff);
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const slot = this.mem.findSlot(gfn);
    if (write && (leafLo & PTE_D) === 0 && slot !== undefined && !this.mmioGfns.has(gfn)) return;
    const r = this.r;
    const executable = (r.efer & EFER_NXE) === 0 || !xd;
    if (accessFault(r, this.kind, this.user, this.implicit, userPage, writable, executable, pkey) !== 0) return;
    const p = this.primary;
    if (p.outcome !== 'page_fault' && p.events.length === 0 && p.gpa === gpa && p.level === level) return;
    // Ledger (shadow paging): another PCID's translation goes with an invalidation of the current
    // PCID's page (KVM syncs or frees the current PCID's roots then), not with one of its own PCID
    // (KVM frees that PCID's cached roots, but the shared shadow pages stay).
    if (this.h.removedAfter(last, this.pageHi, this.pageLo, span, otherPcid ? this.pcidNow : snap.pcid, global)) return;
    const outcome: Outcome = slot === undefined || (write && slot.readonly) ? 'mmio' : 'ok';
    const out = this.out;
    if (out !== undefined) {
      for (const o of out) if (o.outcome === outcome && o.gpa === gpa && o.level === level) return;
    }
    (this.out ??= []).push({ outcome, gpa, level, events: this.none });
  }
}
