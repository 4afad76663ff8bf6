// The #PF error code (SDM 4.7; APM 8.4.2): which bits a fault sets besides P/RSVD/PK.
import { CR4_SMEP, EFER_NXE, PFERR_FETCH, PFERR_USER, PFERR_WRITE } from '../x86/bits.js';
import { KIND_FETCH, KIND_WRITE, type Kind } from './access-rights.js';
import type { Registers } from './registers.js';

/**
 * The access-dependent bits: W/R for writes, U/S for user-mode accesses, and I/D for instruction
 * fetches when CR4.SMEP=1 or EFER.NXE=1. The SDM sets I/D for NXE only with CR4.PAE=1; ledger 5
 * (model-contract "Guest page walk"): the KVM-visible CPU also sets it under 32-bit paging with
 * EFER.NXE=1, so the PAE condition is deliberately left out.
 */
export function accessErrorBits(r: Registers, kind: Kind, user: boolean): number {
  let ec = 0;
  if (kind === KIND_WRITE) ec |= PFERR_WRITE;
  if (user) ec |= PFERR_USER;
  if (kind === KIND_FETCH && ((r.cr4 & CR4_SMEP) !== 0 || (r.efer & EFER_NXE) !== 0)) ec |= PFERR_FETCH;
  return ec;
}
