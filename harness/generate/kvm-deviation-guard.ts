// Keeps generated shadow-paging (host tdp none) scenarios away from the triggers of the three
// known KVM deviations of docs/model-contract-shadow.md ("Known KVM deviations"): real KVM
// behaviour the architectural reference reports every time, so a default campaign should not
// keep producing them. Every register write of a generated scenario passes through adjust(),
// which changes the written value (never whether the write is accepted) so that:
//
// 1. CR4.PSE never changes once the vCPU has run with 32-bit paging. cr4_pse is not in the
//    shadow role, so a later 32-bit stint reuses the shadow pages built under the old PSE (a
//    toggle under paging, but also one made while paging was off or in PAE mode in between).
// 2. EFER.NXE is never cleared while paging is on, nor once the vCPU has run with PAE or
//    long-mode paging and NXE = 1 (a clear while paging is off, then paging on again). Shadow
//    roles force efer_nx = 1, so pages built then keep translating gptes whose XD bit is now
//    reserved. (32-bit gptes have no XD bit: 32-bit paging alone does not make NXE stick.)
// 3. RFLAGS.AC = 1 never meets CR0.PG = 1, CR0.WP = 0 and CR4.SMAP = 1. Only an explicit
//    supervisor write with AC = 1 under that state makes the supervisor-only SPTE of a
//    read-only user page that later SMAP-forbidden accesses hit; the smap_andnot_wp role bit
//    keeps such SPTEs out of every other state's shadow pages.
//
// Pure and deterministic: no random draws, so a scenario's other choices stay as they were.
import type { Op, Reg } from '../../mmus/backend.js';
import { u64, type U64 } from '../../mmus/x86/u64.js';
import { CR0_PG, CR0_WP, CR4_PSE, CR4_SMAP, EFER_NXE, RFLAGS_AC } from '../../mmus/x86/bits.js';
import { applySet, regsMode, RESET_REGS, type Cpu, type Regs } from './regs.js';

/** Paging on, CR0.WP = 0, CR4.SMAP = 1 and RFLAGS.AC = 1: the state of deviation 3's trigger. */
export function smapTrickState(r: Regs): boolean {
  return (r.cr0 & CR0_PG) !== 0 && (r.cr0 & CR0_WP) === 0 && (r.cr4 & CR4_SMAP) !== 0 && (r.rflags & RFLAGS_AC) !== 0;
}

export class KvmDeviationGuard {
  /** CR4.PSE (0 or CR4_PSE) when 32-bit paging first ran; undefined before. */
  private pse32: number | undefined;
  /** PAE or long-mode paging has run with EFER.NXE = 1. */
  private nxeKept = false;

  constructor(private readonly cpu: Cpu) {}

  /** The value to write instead of `value` to `reg` from registers `r` (`value` itself when fine). */
  adjust(r: Regs, reg: Reg, value: U64): U64 {
    const next = applySet(r, this.cpu, reg, value);
    // A write that raises #GP changes nothing: leave it as the generator meant it.
    if (next === null) return value;
    switch (reg) {
      case 'cr4': {
        let v = value.lo;
        if (this.pse32 !== undefined) v = (v & ~CR4_PSE) | this.pse32;
        if (smapTrickState({ ...next, cr4: v >>> 0 })) v &= ~CR4_SMAP;
        return (v >>> 0) === value.lo ? value : u64(v >>> 0, value.hi);
      }
      case 'efer': {
        const clears = (r.efer & EFER_NXE) !== 0 && (value.lo & EFER_NXE) === 0;
        return clears && (this.nxeKept || (r.cr0 & CR0_PG) !== 0) ? u64((value.lo | EFER_NXE) >>> 0, value.hi) : value;
      }
      case 'cr0':
        return smapTrickState(next) ? u64((value.lo | CR0_WP) >>> 0, value.hi) : value;
      case 'rflags':
        return smapTrickState(next) ? u64((value.lo & ~RFLAGS_AC) >>> 0, value.hi) : value;
      default:
        return value;
    }
  }

  /** Records the registers after an accepted write (the history rules 1 and 2 depend on). */
  observe(r: Regs): void {
    const mode = regsMode(r);
    if (mode === '32-bit') {
      if (this.pse32 === undefined) this.pse32 = r.cr4 & CR4_PSE;
    } else if (mode !== 'off' && (r.efer & EFER_NXE) !== 0) {
      this.nxeKept = true;
    }
  }
}

/**
 * `ops` with their register writes adjusted by a fresh guard, replayed from reset (regs.ts's
 * view of which writes are accepted): for scenarios built without a GenState (the property
 * arbitraries, the byte decoder).
 */
export function guardOps(ops: readonly Op[], cpu: Cpu): Op[] {
  const guard = new KvmDeviationGuard(cpu);
  let regs = RESET_REGS;
  return ops.map((op) => {
    if (op.op !== 'set') return op;
    const value = guard.adjust(regs, op.reg, op.value);
    const next = applySet(regs, cpu, op.reg, value);
    if (next !== null) {
      regs = next;
      guard.observe(regs);
    }
    return value === op.value ? op : { op: 'set', reg: op.reg, value };
  });
}
