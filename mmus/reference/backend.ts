// The reference backend: one architectural vCPU (registers + guest memory) that applies each
// operation by evaluating the SDM/APM rules on the current state. No roles, no permission
// bitmaps, no shadow or TDP tables, no TLB: nothing is remembered between operations except the
// registers and memory themselves.
import type { AccessKind, Backend, Config, MmuEvent, Observation, Op, Reg, VcpuState } from '../backend.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { PAGE_SIZE } from '../x86/bits.js';
import type { U64 } from '../x86/u64.js';
import { KIND_FETCH, KIND_READ, KIND_WRITE, type Kind } from './access-rights.js';
import { setAccessedDirty } from './accessed-dirty.js';
import { makeMachine, type Machine } from './machine.js';
import { memslotOp, readOp, writeOp } from './memory-ops.js';
import { MODE_OFF, MODE_PAE, isCanonical, isLongMode, pagingMode } from './paging-mode.js';
import { loadPdptrs } from './pdptrs.js';
import { setCr0, setCr3, setCr4, setEfer, setPkru, setRflags } from './register-writes.js';
import { Registers } from './registers.js';
import { translate, Walk } from './translate.js';
import { invpcid } from './tlb-ops.js';

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

  constructor(config: Config) {
    this.m = makeMachine(config);
    this.mem = new GuestMemory(config.memslots);
  }

  state(): VcpuState {
    return this.r.snapshot();
  }

  apply(op: Op): Observation {
    switch (op.op) {
      case 'access':
        return this.translateOp(op.gva, op.kind, op.cpl, op.implicit, true);
      case 'gva_to_gpa':
        return this.translateOp(op.gva, op.kind, op.cpl, op.implicit, false);
      case 'write':
        return writeOp(this.mem, op, NO_EVENTS);
      case 'read':
        return readOp(this.mem, op, NO_EVENTS);
      case 'set':
        return this.setOp(op.reg, op.value) ? OK : GP;
      case 'invlpg':
        // INVLPG never faults on its operand (ledger 9: non-canonical is a no-op); no TLB here.
        return OK;
      case 'invpcid':
        return invpcid(this.r, this.m, op.type, op.pcid, op.gva) ? OK : GP;
      case 'memslot':
        return memslotOp(this.mem, op, NO_EVENTS);
    }
  }

  private setOp(reg: Reg, v: U64): boolean {
    const { r, m, mem } = this;
    switch (reg) {
      case 'cr0': return setCr0(r, m, mem, v);
      case 'cr3': return setCr3(r, m, mem, v);
      case 'cr4': return setCr4(r, m, mem, v);
      case 'efer': return setEfer(r, m, v);
      case 'pkru': return setPkru(r, v);
      case 'rflags': return setRflags(r, v);
    }
  }

  /**
   * A guest memory access (`full`) or the emulator's translation only (gva_to_gpa): canonical
   * check (access only, IA-32e mode), walk, A/D, then for an access the memslot lookup.
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
    let gpa: number;
    let level: number;
    let events = NO_EVENTS;
    if (mode === MODE_OFF) {
      gpa = gvaLo; // no paging: linear = physical (SDM 4.1.1)
      level = 0;
    } else {
      if (mode === MODE_PAE && this.m.amd) {
        // model-contract "PDPTR load" (AMD/npt): the PDPTEs are re-read from memory at the start
        // of each walking operation; a failed re-read keeps the registers as they were.
        loadPdptrs(r, this.m, this.mem, r.cr3Lo, r.cr3Hi);
      }
      // SDM 4.6: CPL 3 accesses are user-mode unless implicit (implicit ones are supervisor).
      const user = cpl === 3 && !implicit;
      const w = this.walk;
      if (!translate(r, this.m, this.mem, mode, gvaLo, gvaHi, kind, user, implicit, w)) {
        const address = long || gva.hi === 0 ? gva : { lo: gvaLo, hi: 0 };
        return { outcome: 'page_fault', errorCode: w.errorCode, address, to: 'L1', events: NO_EVENTS };
      }
      events = setAccessedDirty(this.mem, w, kind === KIND_WRITE, NO_EVENTS);
      gpa = w.gpa;
      level = w.level;
    }
    if (full) {
      // Model-contract "access": no memslot, or a write to a read-only one, is emulated MMIO.
      const slot = this.mem.findSlot(Math.floor(gpa / PAGE_SIZE));
      if (slot === undefined || (kind === KIND_WRITE && slot.readonly)) return { outcome: 'mmio', gpa, level, events };
    }
    return { outcome: 'ok', gpa, level, events };
  }
}
