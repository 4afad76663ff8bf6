// The guest-access paths: `access` (a guest memory access — canonical check, CPU walk whose
// faults are injected, then MMIO or the TDP fault; shadow paging goes to shadow/fault.ts) and `gva_to_gpa` (the emulator's translation:
// no SPTE, a fault only reported). Models kvm_mmu_gva_to_gpa_* and kvm_mmu_page_fault's TDP path
// as docs/model-contract.md states them.
import type { AccessKind, Observation, U64 } from '../backend.js';
import { PAGE_SIZE, PFERR_FETCH, PFERR_USER, PFERR_WRITE } from '../x86/bits.js';
import { isCanonical, isLongMode, modeGva } from './canonical.js';
import { kvmInjectEmulatedPageFault, walkException } from './inject.js';
import { ACCESS_IMPLICIT } from './permission.js';
import { shadowAccess } from './shadow/fault.js';
import { kvmTdpPageFault } from './tdp-mmu.js';
import type { Vcpu } from './vcpu.js';
import { walkAddrGeneric } from './walk.js';

/** The PFERR-style access code: W, F, U for CPL 3 explicit accesses, IMPLICIT otherwise. */
export function accessCode(kind: AccessKind, cpl: number, implicit: boolean): number {
  let access = kind === 'write' ? PFERR_WRITE : kind === 'fetch' ? PFERR_FETCH : 0;
  if (implicit) access |= ACCESS_IMPLICIT;
  else if (cpl === 3) access |= PFERR_USER;
  return access;
}

/** The emulator's GVA -> GPA translation (A/D bits are set; no SPTE; a fault is returned, not injected). */
export function gvaToGpa(v: Vcpu, gvaIn: U64, kind: AccessKind, cpl: number, implicit: boolean): Observation {
  const gva = modeGva(v, gvaIn);
  if (!walkAddrGeneric(v, v.gvaWalk, gva.lo, gva.hi, accessCode(kind, cpl, implicit))) return walkException(v, gva);
  return { outcome: 'ok', gpa: v.walker.gpa, level: v.walker.level, events: v.events.take() };
}

/** A guest access: #GP if non-canonical, #PF from the walk, MMIO, or the TDP fault and ok. */
export function guestAccess(v: Vcpu, gvaIn: U64, kind: AccessKind, cpl: number, implicit: boolean): Observation {
  if (isLongMode(v) && !isCanonical(v, gvaIn)) return { outcome: 'gp', events: v.events.take() };
  const gva = modeGva(v, gvaIn);
  const access = accessCode(kind, cpl, implicit);
  if (!v.tdpEnabled) return shadowAccess(v, gva, access);
  // Not a nested fault, so the faulting walker is gva_walk (KVM's walk_mmu).
  if (!walkAddrGeneric(v, v.gvaWalk, gva.lo, gva.hi, access)) return kvmInjectEmulatedPageFault(v, v.gvaWalk, gva);
  const gpa = v.walker.gpa;
  const level = v.walker.level;
  const slot = v.mem.findSlot(Math.floor(gpa / PAGE_SIZE));
  if (slot === undefined || (kind === 'write' && slot.readonly)) {
    return { outcome: 'mmio', gpa, level, events: v.events.take() };
  }
  kvmTdpPageFault(v, gpa, access, slot);
  return { outcome: 'ok', gpa, hpa: v.mem.hpaOf(gpa), level, events: v.events.take() };
}
