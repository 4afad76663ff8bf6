// The generator's view of the vCPU registers and the #GP rules of `set` (docs/model-contract.md,
// "Register writes"), so it knows which of its writes took effect and which mode it is in.
// PDPTR loads are assumed to succeed: the generator does not walk guest memory.
import type { CpuFeature, Reg, VcpuState } from '../../mmus/backend.js';
import type { U64 } from '../../mmus/x86/u64.js';
import {
  CR0_CD,
  CR0_DEFINED,
  CR0_ET,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_RESET,
  CR3_NOFLUSH_HI,
  CR4_DE,
  CR4_FSGSBASE,
  CR4_LA57,
  CR4_MCE,
  CR4_OSFXSR,
  CR4_OSXMMEXCPT,
  CR4_OSXSAVE,
  CR4_PAE,
  CR4_PCE,
  CR4_PCIDE,
  CR4_PGE,
  CR4_PKE,
  CR4_PSE,
  CR4_PVI,
  CR4_SMAP,
  CR4_SMEP,
  CR4_TSD,
  CR4_VME,
  EFER_LMA,
  EFER_LME,
  EFER_NXE,
  EFER_SCE,
  RFLAGS_FIXED,
} from '../../mmus/x86/bits.js';
import type { GenMode } from './geometry.js';

/** The register values the generator believes it has set (same shape as a backend's state). */
export type Regs = VcpuState;

export const RESET_REGS: Regs = Object.freeze({ cr0: CR0_RESET, cr3: { lo: 0, hi: 0 }, cr4: 0, efer: 0, pkru: 0, rflags: RFLAGS_FIXED });

export interface Cpu {
  readonly maxphyaddr: number;
  readonly features: ReadonlySet<CpuFeature>;
}

const CR4_ALWAYS =
  CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_OSXSAVE;

function cr4Allowed(cpu: Cpu): number {
  let m = CR4_ALWAYS;
  if (cpu.features.has('la57')) m |= CR4_LA57;
  if (cpu.features.has('pcid')) m |= CR4_PCIDE;
  if (cpu.features.has('smep')) m |= CR4_SMEP;
  if (cpu.features.has('smap')) m |= CR4_SMAP;
  if (cpu.features.has('pku')) m |= CR4_PKE;
  return m;
}

const on = (v: number, bit: number): boolean => (v & bit) !== 0;

/** Paging mode of regs, or 'off'. */
export function regsMode(r: Regs): GenMode | 'off' {
  if (!on(r.cr0, CR0_PG)) return 'off';
  if (on(r.efer, EFER_LMA)) return on(r.cr4, CR4_LA57) ? '5-level' : '4-level';
  return on(r.cr4, CR4_PAE) ? 'pae' : '32-bit';
}

/** Bits ≥ MAXPHYADDR set in v (bits 63..M)? */
function aboveMaxPhy(v: U64, m: number): boolean {
  if (m >= 64) return false;
  if (m <= 32) return v.hi !== 0 || (m < 32 && v.lo >>> m !== 0);
  return v.hi >>> (m - 32) !== 0;
}

/** The registers after `set reg = value`, or null when the write raises #GP. */
export function applySet(r: Regs, cpu: Cpu, reg: Reg, value: U64): Regs | null {
  switch (reg) {
    case 'cr0': {
      if (value.hi !== 0) return null;
      const v = ((value.lo | CR0_ET) & CR0_DEFINED) >>> 0;
      if (on(v, CR0_NW) && !on(v, CR0_CD)) return null;
      if (on(v, CR0_PG) && !on(v, CR0_PE)) return null;
      const pgOn = !on(r.cr0, CR0_PG) && on(v, CR0_PG);
      if (pgOn && on(r.efer, EFER_LME) && !on(r.cr4, CR4_PAE)) return null;
      if (!on(v, CR0_PG) && on(r.cr4, CR4_PCIDE)) return null;
      let efer = r.efer;
      if (pgOn && on(r.efer, EFER_LME)) efer |= EFER_LMA;
      if (!on(v, CR0_PG)) efer &= ~EFER_LMA;
      return { ...r, cr0: v, efer };
    }
    case 'cr3': {
      let v = value;
      if (on(r.cr4, CR4_PCIDE)) v = { lo: v.lo, hi: (v.hi & ~CR3_NOFLUSH_HI) >>> 0 };
      if (aboveMaxPhy(v, cpu.maxphyaddr)) return null;
      return { ...r, cr3: v };
    }
    case 'cr4': {
      const v = value.lo;
      if (value.hi !== 0 || (v & ~cr4Allowed(cpu)) !== 0) return null;
      const lma = on(r.efer, EFER_LMA);
      if (lma && !on(v, CR4_PAE)) return null;
      if (lma && on(v ^ r.cr4, CR4_LA57)) return null;
      if (!on(r.cr4, CR4_PCIDE) && on(v, CR4_PCIDE) && ((r.cr3.lo & 0xfff) !== 0 || !lma)) return null;
      return { ...r, cr4: v >>> 0 };
    }
    case 'efer': {
      const allowed = EFER_SCE | EFER_LME | EFER_LMA | (cpu.features.has('nx') ? EFER_NXE : 0);
      if (value.hi !== 0 || (value.lo & ~allowed) !== 0) return null;
      if (on(r.cr0, CR0_PG) && on(value.lo ^ r.efer, EFER_LME)) return null;
      return { ...r, efer: ((value.lo & ~EFER_LMA) | (r.efer & EFER_LMA)) >>> 0 };
    }
    case 'pkru':
      if (!on(r.cr4, CR4_PKE) || value.hi !== 0) return null;
      return { ...r, pkru: value.lo >>> 0 };
    case 'rflags':
      if (value.hi !== 0) return null;
      return { ...r, rflags: (value.lo | RFLAGS_FIXED) >>> 0 };
  }
}
