// The fixed register values of a property scenario's paging mode (after the opening) and the
// register writes that reach them from reset in an order the contract accepts.
import type { Config, Op } from '../../../mmus/backend.js';
import { u64 } from '../../../mmus/x86/u64.js';
import { CR0_ET, CR0_PE, CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, EFER_LME, EFER_NXE } from '../../../mmus/x86/bits.js';
import { isLongMode, type GenMode } from '../geometry.js';

export interface ModeRegisters {
  /** PG|PE|ET|WP. */
  readonly cr0: number;
  readonly cr3: number;
  /** PAE (and LA57) as the mode needs; no optional features. */
  readonly cr4: number;
  /** LME in long mode; NXE whenever the guest has NX. */
  readonly efer: number;
}

export function modeRegisters(mode: GenMode, config: Config, root: number): ModeRegisters {
  const cr4 = (mode === '32-bit' ? 0 : CR4_PAE) | (mode === '5-level' ? CR4_LA57 : 0);
  const efer = (isLongMode(mode) ? EFER_LME : 0) | (config.cpu.features.has('nx') ? EFER_NXE : 0);
  return { cr0: (CR0_PG | CR0_PE | CR0_ET | CR0_WP) >>> 0, cr3: root, cr4, efer };
}

/** CR3, CR4 and EFER while CR0.PG = 0 (zero values skipped), then CR0 with PG last. */
export function enablePagingOps(regs: ModeRegisters): Op[] {
  const ops: Op[] = [{ op: 'set', reg: 'cr3', value: u64(regs.cr3) }];
  if (regs.cr4 !== 0) ops.push({ op: 'set', reg: 'cr4', value: u64(regs.cr4) });
  if (regs.efer !== 0) ops.push({ op: 'set', reg: 'efer', value: u64(regs.efer) });
  ops.push({ op: 'set', reg: 'cr0', value: u64(regs.cr0) });
  return ops;
}
