// Delivery of a #PF found by a guest page walk: the exception the walk reports, and
// kvm_inject_emulated_page_fault (arch/x86/kvm/x86.c in the kvm-chainsaw tree), which first
// drops the faulting translation and then calls the walker's inject_page_fault.
import type { Observation, U64 } from '../backend.js';
import { PFERR_PRESENT, PFERR_RSVD } from '../x86/bits.js';
import type { KvmPageWalk } from './pagewalk.js';
import { kvmMmuInvalidateAddr } from './tlb.js';
import type { Vcpu } from './vcpu.js';

/** The x86_exception of the last failed walk (v.walker.errorCode) at address, as a #PF for L1. */
export function walkException(v: Vcpu, address: U64): Observation {
  return { outcome: 'page_fault', errorCode: v.walker.errorCode, address, to: 'L1', events: v.events.take() };
}

/**
 * kvm_inject_emulated_page_fault for a fault found by walker w. A fault on a present,
 * well-formed gpte (P = 1, RSVD = 0) is one for which hardware would have dropped the TLB entry
 * of address, so KVM invalidates it in the current root before injecting; P = 0 and RSVD faults
 * leave nothing to drop. Then w's inject_page_fault: for gva_walk kvm_inject_page_fault, a #PF
 * for L1 (ngpa_walk would inject a nested TDP fault; there is no nesting in this scope).
 * Returns the fault's observation, the invalidation's flush among its events.
 */
export function kvmInjectEmulatedPageFault(v: Vcpu, w: KvmPageWalk, address: U64): Observation {
  const errorCode = v.walker.errorCode;
  if ((errorCode & PFERR_PRESENT) !== 0 && (errorCode & PFERR_RSVD) === 0) kvmMmuInvalidateAddr(v, w, address);
  return walkException(v, address);
}
