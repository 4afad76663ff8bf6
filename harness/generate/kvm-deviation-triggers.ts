// Finds the triggers of the known KVM deviations (docs/model-contract-shadow.md, "Known KVM
// deviations") in a scenario by replaying its register writes (regs.ts's view of which are
// accepted): what kvm-deviation-guard.ts keeps out of generated shadow-paging scenarios.
import type { Op } from '../../mmus/backend.js';
import { CR0_PG, CR4_PSE, EFER_NXE } from '../../mmus/x86/bits.js';
import type { Scenario } from '../scenario/scenario.js';
import { smapTrickState } from './kvm-deviation-guard.js';
import { applySet, regsMode, RESET_REGS, type Regs } from './regs.js';

export type DeviationTrigger =
  /** 1: a CR4 write that changes PSE under 32-bit paging. */
  | 'pse-toggle'
  /** 1: 32-bit paging again with another CR4.PSE than the first time (changed meanwhile). */
  | 'pse-reentry'
  /** 2: an EFER write that clears NXE under paging. */
  | 'nxe-clear'
  /** 2: PAE / long-mode paging with NXE = 0 after it ran with NXE = 1. */
  | 'nxe-reentry'
  /** 3: an explicit supervisor write with RFLAGS.AC = 1 under CR0.PG = 1, CR0.WP = 0, CR4.SMAP = 1. */
  | 'smap-ac-write';

/** The triggers in `s`, each once, in order of first occurrence (none for TDP hosts: the deviations need shadow paging). */
export function deviationTriggers(s: Scenario): DeviationTrigger[] {
  const found: DeviationTrigger[] = [];
  const note = (t: DeviationTrigger): void => {
    if (!found.includes(t)) found.push(t);
  };
  let regs: Regs = RESET_REGS;
  let pse32: number | undefined;
  let nxeSeen = false;
  for (const op of s.ops) {
    if (op.op === 'set') {
      const next = applySet(regs, s.config.cpu, op.reg, op.value);
      if (next === null) continue;
      if (op.reg === 'cr4' && regsMode(regs) === '32-bit' && regsMode(next) === '32-bit' && ((regs.cr4 ^ next.cr4) & CR4_PSE) !== 0) note('pse-toggle');
      if (op.reg === 'efer' && (regs.cr0 & CR0_PG) !== 0 && (regs.efer & EFER_NXE) !== 0 && (next.efer & EFER_NXE) === 0) note('nxe-clear');
      regs = next;
      const mode = regsMode(regs);
      if (mode === '32-bit') {
        if (pse32 === undefined) pse32 = regs.cr4 & CR4_PSE;
        else if ((regs.cr4 & CR4_PSE) !== pse32) note('pse-reentry');
      } else if (mode !== 'off') {
        if ((regs.efer & EFER_NXE) !== 0) nxeSeen = true;
        else if (nxeSeen) note('nxe-reentry');
      }
    } else if (isSupervisorExplicitWrite(op) && smapTrickState(regs)) {
      note('smap-ac-write');
    }
  }
  return s.config.host.tdp === 'none' ? found : [];
}

function isSupervisorExplicitWrite(op: Op): boolean {
  return op.op === 'access' && op.kind === 'write' && op.cpl !== 3 && !op.implicit;
}
