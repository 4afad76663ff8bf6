// The known-KVM-deviation guard (../kvm-deviation-guard.ts) for intent-built scenarios (the
// property arbitraries and the coverage engine's byte decoder) under shadow paging. Their
// opening turns paging on at once, after which the guard keeps CR4.PSE (32-bit) and a set
// EFER.NXE (PAE, long mode) for good; so that both values of each still occur, the caller
// chooses them for the opening (the decoder from header bits, the arbitraries from the first
// cr4 / efer intent). No fast-check here: the decoder runs in the CommonJS fuzz target.
import type { Config, Op } from '../../../mmus/backend.js';
import { CR4_PSE, EFER_NXE } from '../../../mmus/x86/bits.js';
import type { GenMode } from '../geometry.js';
import { guardOps } from '../kvm-deviation-guard.js';
import type { ModeRegisters } from './mode-registers.js';

/** CR4.PSE and EFER.NXE of a guarded opening (PSE only counts in 32-bit mode, NXE outside it, and needs nx). */
export interface GuardedOpening {
  readonly pse: boolean;
  readonly nxe: boolean;
}

/** The fields of an intent looked at (OpIntent and the decoder's EngineIntent both fit). */
export type RegisterIntent = { readonly kind: string; readonly pse?: boolean; readonly nxe?: boolean };

/** PSE as the first cr4 intent asks (default off), NXE as the first efer intent asks (default on, as unguarded). */
export function openingFromIntents(intents: readonly RegisterIntent[]): GuardedOpening {
  return {
    pse: intents.find((i) => i.kind === 'cr4')?.pse === true,
    nxe: intents.find((i) => i.kind === 'efer')?.nxe !== false,
  };
}

/** Whether the guard applies: shadow paging without the kvmDeviations option. */
export function guarded(config: Config, kvmDeviations: boolean): boolean {
  return config.host.tdp === 'none' && !kvmDeviations;
}

/** The mode's registers with the opening's CR4.PSE (32-bit) and EFER.NXE (other modes) when guarded. */
export function guardedModeRegisters(regs: ModeRegisters, mode: GenMode, opening: GuardedOpening | undefined): ModeRegisters {
  if (opening === undefined) return regs;
  let { cr4, efer } = regs;
  if (mode === '32-bit' && opening.pse) cr4 |= CR4_PSE;
  if (mode !== '32-bit' && !opening.nxe) efer &= ~EFER_NXE;
  return cr4 === regs.cr4 && efer === regs.efer ? regs : { ...regs, cr4: cr4 >>> 0, efer: efer >>> 0 };
}

/** `ops` with their register writes adjusted by the guard when it applies. */
export function guardedOps(ops: Op[], config: Config, kvmDeviations: boolean): Op[] {
  return guarded(config, kvmDeviations) ? guardOps(ops, config.cpu) : ops;
}
