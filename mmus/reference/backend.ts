// The reference backend: one architectural vCPU (registers + guest memory + the architectural
// TLB) that applies each operation by evaluating the SDM/APM rules on the current state. No roles,
// no permission bitmaps, no shadow or TDP tables. Every access is walked afresh (the primary
// observation); the TLB (filled translations) and the history (speculative ones, speculative.ts)
// only add the other outcomes the architecture allows (alternatives). The host's kind (ept, npt,
// none) only selects the vendor: the architecture does not depend on how the VMM maps memory.
import type { AccessKind, Backend, Config, MmuEvent, Observation, Op, Reg, VcpuState } from '../backend.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { PAGE_SIZE, PFERR_PRESENT, PFERR_RSVD } from '../x86/bits.js';
import type { U64 } from '../x86/u64.js';
import { KIND_FETCH, KIND_READ, KIND_WRITE, type Kind } from './access-rights.js';
import { setAccessedDirty } from './accessed-dirty.js';
import { History } from './history.js';
import { makeMachine, type Machine } from './machine.js';
import { memslotOp, readOp, writeOp } from './memory-ops.js';
import { MODE_OFF, MODE_PAE, isCanonical, isLongMode, pagingMode } from './paging-mode.js';
import { loadPdptrs } from './pdptrs.js';
import { setCr0, setCr3, setCr4, setEfer, setPkru, setRflags } from './register-writes.js';
import { Registers } from './registers.js';
import { translate, Walk } from './translate.js';
import { SpeculativeTranslations } from './speculative.js';
import { Tlb, WITH_PCID } from './tlb.js';
import { flushOnCr0, flushOnCr3, flushOnCr4, invlpg, invpcid } from './tlb-ops.js';
import { cachedAlternatives, currentPcid, fillFromWalk, pageHi, pageLo } from './tlb-use.js';

const NO_EVENTS: readonly MmuEvent[] = Object.freeze([]);
const OK: Observation = Object.freeze({ outcome: 'ok', events: NO_EVENTS });
const GP: Observation = Object.freeze({ outcome: 'gp', events: NO_EVENTS });

function kindOf(k: AccessKind): Kind {
  return k === 'write' ? KIND_WRITE : k === 'fetch' ? KIND_FETCH : KIND_READ;
}

export class ReferenceBackend implements Backend {
  private readonly m: Machine;
  private readonly r = new Registers();
  private readonly mem: GuestMemory;
  /** Scratch for the current walk's result (overwritten by every translation). */
  private readonly walk = new Walk();
  private readonly tlb = new Tlb();
  private readonly history = new History(this.r);
  private readonly speculative: SpeculativeTranslations;
  /**
   * Ledger (model-contract "Architectural TLB"): gfns some access found outside every memslot.
   * KVM made an MMIO SPTE for them and may keep emulating from it without a walk (no D) even
   * after a memslot add covers the gfn (a sync re-stamps the SPTE).
   */
  private readonly mmioGfns = new Set<number>();
  /** Whether the last operation was an `access` (adoptAlternative applies to nothing else). */
  private lastWasAccess = false;

  constructor(config: Config) {
    this.m = makeMachine(config);
    this.mem = new GuestMemory(config.memslots);
    this.speculative = new SpeculativeTranslations(this.history, this.m, this.mem, this.mmioGfns);
  }

  state(): VcpuState {
    return this.r.snapshot();
  }

  apply(op: Op): Observation {
    this.history.beginOp();
    this.lastWasAccess = op.op === 'access';
    this.tlb.forgetLastFill();
    switch (op.op) {
      case 'access':
        return this.translateOp(op.gva, op.kind, op.cpl, op.implicit, true);
      case 'gva_to_gpa':
        return this.translateOp(op.gva, op.kind, op.cpl, op.implicit, false);
      case 'write':
        return writeOp(this.mem, this.history, op, NO_EVENTS);
      case 'read':
        return readOp(this.mem, op, NO_EVENTS);
      case 'set':
        return this.setOp(op.reg, op.value) ? OK : GP;
      case 'invlpg':
        // INVLPG never faults on its operand (ledger 9: non-canonical is a no-op).
        invlpg(this.r, this.tlb, this.history, op.gva);
        return OK;
      case 'invpcid':
        return invpcid(this.r, this.m, this.tlb, this.history, op.type, op.pcid, op.gva) ? OK : GP;
      case 'memslot':
        return memslotOp(this.mem, this.history, op, NO_EVENTS);
      case 'check':
        // The deep check reads a KVM model's page tables; the architecture has none to report.
        return OK;
    }
  }

  /**
   * Tells the reference that the operation it just applied completed as one of its alternatives
   * (a cached or speculative translation, which writes no A/D flags) rather than as the fresh
   * walk: the walk's A/D updates are undone so that guest memory follows the execution the other
   * backend took (otherwise a later walk or read would differ only because of that choice), and
   * the TLB fill of that walk is taken back (the walk did not happen in that execution). Call it
   * right after the operation; it does nothing when that operation was not an access.
   */
  adoptAlternative(): void {
    if (!this.lastWasAccess) return;
    this.history.undoAdStoresOfThisOp(this.mem);
    this.tlb.undoLastFill();
  }

  /**
   * A register write, then the TLB invalidation it architecturally implies (tlb-ops.ts). The
   * history first records the new walk controls (a new state), so that an invalidation removes
   * what was valid before the write and not what the new controls make valid.
   */
  private setOp(reg: Reg, v: U64): boolean {
    const { r, m, mem, tlb, history } = this;
    const old = reg === 'cr0' ? r.cr0 : r.cr4;
    switch (reg) {
      case 'cr0':
        if (!setCr0(r, m, mem, v)) return false;
        history.noteRegisters(r);
        flushOnCr0(tlb, history, old, r.cr0);
        return true;
      case 'cr3':
        if (!setCr3(r, m, mem, v)) return false;
        history.noteRegisters(r);
        flushOnCr3(r, tlb, history, v);
        return true;
      case 'cr4':
        if (!setCr4(r, m, mem, v)) return false;
        history.noteRegisters(r);
        flushOnCr4(r, this.m, tlb, history, old, r.cr4);
        return true;
      case 'efer':
        if (!setEfer(r, m, v)) return false;
        history.noteRegisters(r);
        return true;
      case 'pkru': return setPkru(r, v);
      case 'rflags': return setRflags(r, v);
    }
  }

  /**
   * A guest memory access (`full`) or the emulator's translation only (gva_to_gpa): canonical
   * check (access only, IA-32e mode), walk, A/D, then for an access the memslot lookup. An
   * access also consults and fills the TLB; gva_to_gpa is a software walk and touches neither.
   */
  private translateOp(gva: U64, accessKind: AccessKind, cpl: number, implicit: boolean, full: boolean): Observation {
    const r = this.r;
    const long = isLongMode(r);
    // Outside IA-32e mode linear addresses are 32 bits (model-contract "Addresses").
    const gvaLo = gva.lo;
    const gvaHi = long ? gva.hi : 0;
    // Ledger 9: the walker itself ignores non-canonical bits; the access raises #GP first.
    if (full && long && !isCanonical(r, gvaHi)) return GP;
    const kind = kindOf(accessKind);
    const mode = pagingMode(r);
    if (mode === MODE_OFF) {
      // No paging: linear = physical (SDM 4.1.1), and nothing is cached (the TLB is empty).
      if (full && this.isMmio(gvaLo, kind)) {
        this.noteMmio(gvaLo);
        return { outcome: 'mmio', gpa: gvaLo, level: 0, events: NO_EVENTS };
      }
      return { outcome: 'ok', gpa: gvaLo, level: 0, events: NO_EVENTS };
    }
    if (mode === MODE_PAE && this.m.amd) {
      // model-contract "PDPTR load" (AMD/npt): the PDPTEs are re-read from memory at the start
      // of each walking operation; a failed re-read keeps the registers as they were.
      loadPdptrs(r, this.m, this.mem, r.cr3Lo, r.cr3Hi);
      this.history.noteRegisters(r);
    }
    // SDM 4.6: CPL 3 accesses are user-mode unless implicit (implicit ones are supervisor).
    const user = cpl === 3 && !implicit;
    const w = this.walk;
    const hi = pageHi(gvaHi);
    const lo = pageLo(gvaLo);
    // What the TLB held for the page when the access began (before it fills or invalidates).
    const cached = full ? this.tlb.lookup(hi, lo) : undefined;
    // The last state before this access: its own A/D writes make the next one.
    const before = this.history.seq;
    if (!translate(r, this.m, this.mem, mode, gvaLo, gvaHi, kind, user, implicit, w)) {
      const address = long || gva.hi === 0 ? gva : { lo: gvaLo, hi: 0 };
      const fault: Observation = { outcome: 'page_fault', errorCode: w.errorCode, address, to: 'L1', events: NO_EVENTS };
      if (!full) return fault;
      // P = 1 and RSVD = 0: the walk reached its leaf and failed on rights.
      const rightsFault = (w.errorCode & (PFERR_PRESENT | PFERR_RSVD)) === PFERR_PRESENT;
      let alternatives = cached === undefined || cached.length === 0 ? undefined
        : cachedAlternatives(cached, r, this.mem, this.mmioGfns, kind, user, implicit, gvaLo, fault, w, rightsFault, NO_EVENTS);
      alternatives = this.speculative.alternatives(r, kind, user, implicit, gvaLo, gvaHi, hi, lo, before, fault,
        undefined, alternatives, NO_EVENTS);
      if (alternatives !== undefined) return { ...fault, alternatives };
      // The fault is certain, and a page fault invalidates the page's entries of the current
      // PCID (SDM 4.10.4.1). Ledger (model-contract "Architectural TLB"): only where KVM does it,
      // for P = 1 and RSVD = 0; a not-present or reserved-bit fault leaves them.
      if (rightsFault) {
        this.tlb.invalidatePage(hi, lo, currentPcid(r), WITH_PCID);
        this.history.invalidatePage(hi, lo, currentPcid(r), WITH_PCID);
      }
      return fault;
    }
    const events = setAccessedDirty(this.mem, this.history, w, kind === KIND_WRITE, NO_EVENTS);
    const gpa = w.gpa;
    const level = w.level;
    if (!full) return { outcome: 'ok', gpa, level, events };
    // Model-contract "access": no memslot, or a write to a read-only one, is emulated MMIO.
    const primary: Observation = { outcome: this.isMmio(gpa, kind) ? 'mmio' : 'ok', gpa, level, events };
    if (primary.outcome === 'mmio') this.noteMmio(gpa);
    let alternatives = cached === undefined || cached.length === 0 ? undefined
      : cachedAlternatives(cached, r, this.mem, this.mmioGfns, kind, user, implicit, gvaLo, primary, w, false, NO_EVENTS);
    alternatives = this.speculative.alternatives(r, kind, user, implicit, gvaLo, gvaHi, hi, lo, before, primary,
      w, alternatives, NO_EVENTS);
    fillFromWalk(this.tlb, cached, r, w, gvaLo, gvaHi, kind === KIND_WRITE);
    return alternatives === undefined ? primary : { ...primary, alternatives };
  }

  private noteMmio(gpa: number): void {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    if (this.mem.findSlot(gfn) === undefined) this.mmioGfns.add(gfn);
  }

  private isMmio(gpa: number, kind: Kind): boolean {
    const slot = this.mem.findSlot(Math.floor(gpa / PAGE_SIZE));
    return slot === undefined || (kind === KIND_WRITE && slot.readonly);
  }
}
