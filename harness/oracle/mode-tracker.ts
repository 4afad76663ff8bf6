// Follows the paging mode and the permission features through a scenario's successful register
// writes, so statistics can be split by mode without asking a backend for its state.
import type { Observation, Op } from '../../mmus/backend.js';
import {
  CR0_PG,
  CR0_WP,
  CR4_LA57,
  CR4_PAE,
  CR4_PKE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_LMA,
  EFER_LME,
  EFER_NXE,
  RFLAGS_AC,
} from '../../mmus/x86/bits.js';
import type { PagingMode } from './mode.js';

/** Feature names of the coverage matrix, in display order. */
export const MATRIX_FEATURES = ['WP', 'NXE', 'SMEP', 'SMAP', 'AC', 'PKE'] as const;
export type MatrixFeature = (typeof MATRIX_FEATURES)[number];

export class ModeTracker {
  private cr0 = 0;
  private cr4 = 0;
  private efer = 0;
  private rflags = 0;

  /** Takes the effect of op if it succeeded (a refused write changes nothing). */
  apply(op: Op, o: Observation): void {
    if (op.op !== 'set' || o.outcome !== 'ok') return;
    const v = op.value.lo;
    switch (op.reg) {
      case 'cr0':
        this.cr0 = v;
        // LMA follows PG while LME is set (SDM 9.8.5); it is never written directly.
        this.efer = (this.efer & ~EFER_LMA) | ((v & CR0_PG) !== 0 && (this.efer & EFER_LME) !== 0 ? EFER_LMA : 0);
        break;
      case 'cr4':
        this.cr4 = v;
        break;
      case 'efer':
        this.efer = (v & ~EFER_LMA) | (this.efer & EFER_LMA);
        break;
      case 'rflags':
        this.rflags = v;
        break;
      default:
        break;
    }
  }

  mode(): PagingMode {
    if ((this.cr0 & CR0_PG) === 0) return 'off';
    if ((this.efer & EFER_LMA) !== 0) return (this.cr4 & CR4_LA57) !== 0 ? '5-level' : '4-level';
    return (this.cr4 & CR4_PAE) !== 0 ? 'pae' : '32-bit';
  }

  /** The permission features in force (none while paging is off). */
  features(): MatrixFeature[] {
    if ((this.cr0 & CR0_PG) === 0) return [];
    const out: MatrixFeature[] = [];
    if ((this.cr0 & CR0_WP) !== 0) out.push('WP');
    if ((this.efer & EFER_NXE) !== 0) out.push('NXE');
    if ((this.cr4 & CR4_SMEP) !== 0) out.push('SMEP');
    if ((this.cr4 & CR4_SMAP) !== 0) out.push('SMAP');
    if ((this.rflags & RFLAGS_AC) !== 0) out.push('AC');
    if ((this.cr4 & CR4_PKE) !== 0 && (this.efer & EFER_LMA) !== 0) out.push('PKE');
    return out;
  }
}
