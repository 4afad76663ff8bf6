// Linear-address width helpers: 32-bit truncation outside long mode and the canonical check
// (SDM 3.3.7.1). Facts used by the access and TLB paths; the walker itself never checks.
import type { U64 } from '../backend.js';
import { CR4_LA57, EFER_LMA } from '../x86/bits.js';
import type { Vcpu } from './vcpu.js';

/** The GVA as the current mode sees it: truncated to 32 bits unless EFER.LMA. */
export function modeGva(v: Vcpu, gva: U64): U64 {
  if ((v.efer & EFER_LMA) !== 0 || gva.hi === 0) return gva;
  // Rare path (a 32-bit mode given a wide address), so allocating here is fine.
  return { lo: gva.lo, hi: 0 };
}

/** Bits 63..(N-1) all equal, N = 57 with CR4.LA57 else 48. Only meaningful in long mode. */
export function isCanonical(v: Vcpu, gva: U64): boolean {
  const top = (v.cr4 & CR4_LA57) !== 0 ? (gva.hi | 0) >> 24 : (gva.hi | 0) >> 15;
  return top === 0 || top === -1;
}

export function isLongMode(v: Vcpu): boolean {
  return (v.efer & EFER_LMA) !== 0;
}
