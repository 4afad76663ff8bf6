// Access rights of a translated linear address (SDM 4.6; APM 5.6): user/supervisor, read/write
// with CR0.WP, execute-disable, SMEP, SMAP with RFLAGS.AC and implicit accesses, and protection
// keys with PKRU (SDM 4.6.2). Evaluated on the rights of the whole path, after the walk.
import { CR0_WP, CR4_PKE, CR4_SMAP, CR4_SMEP, EFER_LMA, PFERR_PK, PFERR_PRESENT, RFLAGS_AC } from '../x86/bits.js';
import type { Registers } from './registers.js';

export const KIND_READ = 0;
export const KIND_WRITE = 1;
export const KIND_FETCH = 2;
export type Kind = typeof KIND_READ | typeof KIND_WRITE | typeof KIND_FETCH;

/**
 * Whether an access to a present, well-formed translation is allowed. Returns 0 when it is, else
 * the error-code bits it contributes: P, plus PK when the protection-key check fails (SDM 4.7:
 * PK is reported whenever the key disallows the access, alongside any other violation).
 *
 * `user` = a user-mode access (CPL 3 and not implicit, SDM 4.6). `userPage` = U/S=1 in every
 * entry controlling the translation; `writable` = R/W=1 in all of them; `executable` = no XD=1
 * among them (callers pass true where XD does not exist or EFER.NXE=0).
 */
export function accessFault(
  r: Registers,
  kind: Kind,
  user: boolean,
  implicit: boolean,
  userPage: boolean,
  writable: boolean,
  executable: boolean,
  pkey: number,
): number {
  let fault: boolean;
  if (kind === KIND_FETCH) {
    // SDM 4.6.1: user fetches need a user-mode address; supervisor fetches from user-mode
    // addresses are forbidden by SMEP; XD forbids both.
    if (user) fault = !userPage || !executable;
    else fault = !executable || (userPage && (r.cr4 & CR4_SMEP) !== 0);
  } else if (user) {
    // User data accesses: user-mode address only; writes also need R/W=1 everywhere.
    fault = !userPage || (kind === KIND_WRITE && !writable);
  } else {
    // Supervisor data accesses to user-mode addresses with CR4.SMAP: allowed only for explicit
    // accesses with RFLAGS.AC=1 (implicit accesses ignore AC).
    const smapBlocks = userPage && (r.cr4 & CR4_SMAP) !== 0 && (implicit || (r.rflags & RFLAGS_AC) === 0);
    // Supervisor writes honour R/W only with CR0.WP=1.
    fault = smapBlocks || (kind === KIND_WRITE && !writable && (r.cr0 & CR0_WP) !== 0);
  }
  // SDM 4.6.2: keys apply in IA-32e mode with CR4.PKE, to data accesses to user-mode addresses.
  let pk = false;
  if (kind !== KIND_FETCH && userPage && (r.cr4 & CR4_PKE) !== 0 && (r.efer & EFER_LMA) !== 0) {
    const bits = r.pkru >>> (2 * pkey);
    // ADi forbids every data access; WDi forbids user writes, and supervisor writes if CR0.WP=1.
    if ((bits & 1) !== 0) pk = true;
    else if ((bits & 2) !== 0 && kind === KIND_WRITE && (user || (r.cr0 & CR0_WP) !== 0)) pk = true;
  }
  if (pk) return PFERR_PRESENT | PFERR_PK;
  return fault ? PFERR_PRESENT : 0;
}
