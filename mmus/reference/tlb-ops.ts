// INVLPG and INVPCID (SDM vol. 2 "INVLPG", "INVPCID"; 4.10.4.1) as model-contract.md "TLB
// operations" states them. The reference has no TLB, so only the #GP checks are observable.
import type { U64 } from '../x86/u64.js';
import { CR4_PCIDE } from '../x86/bits.js';
import type { Machine } from './machine.js';
import { isCanonical, isLongMode } from './paging-mode.js';
import type { Registers } from './registers.js';

/**
 * INVPCID: returns true (done) or false (#GP). Ledger 9 (model-contract): outside IA-32e mode the
 * descriptor's address is truncated to 32 bits like every GVA, so it is always canonical there.
 */
export function invpcid(r: Registers, m: Machine, type: number, pcid: number, gva: U64): boolean {
  if (!m.pcid) return false; // no INVPCID without the feature (#UD, folded into gp)
  if (!(type >= 0 && type <= 3) || !(pcid >= 0 && pcid <= 0xfff)) return false;
  // Individual-address and single-context need PCID 0 unless CR4.PCIDE=1.
  if (type <= 1 && (r.cr4 & CR4_PCIDE) === 0 && pcid !== 0) return false;
  if (type === 0 && isLongMode(r) && !isCanonical(r, gva.hi)) return false;
  return true;
}
