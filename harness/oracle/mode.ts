// The paging mode of a vCPU state and its MMU-relevant control bits, for reports and signatures.
import type { TdpKind, VcpuState } from '../../mmus/backend.js';
import {
  CR0_PG,
  CR0_WP,
  CR4_LA57,
  CR4_PAE,
  CR4_PCIDE,
  CR4_PKE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_LMA,
  EFER_NXE,
} from '../../mmus/x86/bits.js';

export type PagingMode = 'off' | '32-bit' | 'pae' | '4-level' | '5-level';

/** The paging mode the vCPU walks with (EFER.LMA, not LME, selects long mode; SDM 4.1.1). */
export function pagingMode(state: VcpuState): PagingMode {
  if ((state.cr0 & CR0_PG) === 0) return 'off';
  if ((state.efer & EFER_LMA) !== 0) return (state.cr4 & CR4_LA57) !== 0 ? '5-level' : '4-level';
  return (state.cr4 & CR4_PAE) !== 0 ? 'pae' : '32-bit';
}

export const PAGING_MODES: readonly PagingMode[] = ['off', '32-bit', 'pae', '4-level', '5-level'];

/** A paging mode as findings name it: shadow paging (host tdp none) carries a `shadow-` prefix. */
export type HostPagingMode = PagingMode | `shadow-${PagingMode}`;

/** Every HostPagingMode, TDP modes first (the order reports use). */
export const HOST_PAGING_MODES: readonly HostPagingMode[] = [
  ...PAGING_MODES,
  ...PAGING_MODES.map((m) => `shadow-${m}` as const),
];

/**
 * The mode of signatures, statistics and reports: the guest paging mode, prefixed with `shadow-`
 * when KVM shadows the guest tables (tdp none), so shadow findings never merge with TDP ones.
 */
export function hostPagingMode(mode: PagingMode, tdp: TdpKind | undefined): HostPagingMode {
  return tdp === 'none' ? `shadow-${mode}` : mode;
}

/** hostPagingMode of a vCPU state. */
export function hostModeOf(state: VcpuState, tdp: TdpKind | undefined): HostPagingMode {
  return hostPagingMode(pagingMode(state), tdp);
}

const MODE_BITS: readonly (readonly [name: string, reg: 'cr0' | 'cr4' | 'efer', bit: number])[] = [
  ['PG', 'cr0', CR0_PG],
  ['WP', 'cr0', CR0_WP],
  ['PAE', 'cr4', CR4_PAE],
  ['LA57', 'cr4', CR4_LA57],
  ['SMEP', 'cr4', CR4_SMEP],
  ['SMAP', 'cr4', CR4_SMAP],
  ['PKE', 'cr4', CR4_PKE],
  ['PCIDE', 'cr4', CR4_PCIDE],
  ['LMA', 'efer', EFER_LMA],
  ['NXE', 'efer', EFER_NXE],
];

/** The set MMU-relevant bits in a fixed order, e.g. "PG WP PAE LMA NXE" ("" when none). */
export function modeBits(state: VcpuState): string {
  const names: string[] = [];
  for (const [name, reg, bit] of MODE_BITS) if ((state[reg] & bit) !== 0) names.push(name);
  return names.join(' ');
}

/** Mode and bits as one token, e.g. "4-level[PG WP PAE LMA NXE]". */
export function modeKey(state: VcpuState): string {
  return `${pagingMode(state)}[${modeBits(state)}]`;
}
