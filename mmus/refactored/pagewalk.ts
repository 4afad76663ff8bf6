// struct kvm_pagewalk and init_kvm_page_walk (§3.2, §3.4): a guest page-table walker — its CPU
// role, its page format (reserved masks, permissions, PKRU mask) and the gpte layout its
// gva_to_gpa uses. Models arch/x86/kvm/mmu/mmu.c in the kvm-chainsaw tree.
import type { MutantFlags } from './mutants.js';
import { KvmPageFormat, PTE32_LAYOUT, PTE64_LAYOUT, type PteLayout } from './page-format.js';
import {
  CPU_ROLE_INVALID,
  cpuRoleEquals,
  EXT_CR4_PKE,
  EXT_CR4_PSE,
  EXT_CR4_SMAP,
  ROLE_CR0_WP,
  ROLE_CR4_SMEP,
  ROLE_EFER_NX,
  ROLE_HAS_4_BYTE_GPTE,
  roleLevel,
  type CpuRole,
} from './page-role.js';
import { updatePermissionBitmask } from './permission-bitmask.js';
import { updatePkruBitmask } from './pkru-mask.js';
import { resetX86RsvdBitsMask } from './rsvd-bits.js';
import type { Vcpu } from './vcpu.js';

/** Host MAXPHYADDR (the guest-rsvd-from-host-maxphyaddr mutant builds masks from it). */
const HOST_MAXPHYADDR = 52;

export class KvmPageWalk {
  cpuRole: CpuRole = CPU_ROLE_INVALID;
  readonly fmt = new KvmPageFormat();
  /**
   * gva_to_gpa chosen by mode: the gpte layout the walker instantiates, or null for the identity
   * translation of paging-off ("nonpaging"). get_guest_pgd is CR3, get_pdptr the PDPTR cache and
   * inject_page_fault queues a #PF for L1 (the only bindings in this scope; see inject.ts).
   */
  layout: PteLayout | null = null;
  /** Cache keys of the mutants that skip part of the metadata rebuild (-1 = never built). */
  rsvdKey = -1;
  pkruKey = -1;

  constructor(readonly name: 'gva_walk' | 'ngpa_walk') {}
}

/**
 * init_kvm_page_walk: nothing when the role is unchanged; otherwise bind the role, the mode's
 * walker and, with paging on, rebuild the format metadata.
 */
export function initKvmPageWalk(v: Vcpu, w: KvmPageWalk, role: CpuRole): void {
  if (cpuRoleEquals(w.cpuRole, role)) return;
  w.cpuRole = role;
  const level = roleLevel(role.base);
  if (level === 0) w.layout = null;
  else w.layout = (role.base & ROLE_HAS_4_BYTE_GPTE) !== 0 ? PTE32_LAYOUT : PTE64_LAYOUT;
  resetGuestPagingMetadata(v, w);
}

/**
 * reset_guest_paging_metadata: reserved masks, permission table and PKRU mask from the walker
 * role. Skipped while CR0.PG = 0: the tables then keep stale contents (§4.1).
 */
export function resetGuestPagingMetadata(v: Vcpu, w: KvmPageWalk): void {
  const { base, ext } = w.cpuRole;
  const level = roleLevel(base);
  if (level === 0) return;
  const bug: MutantFlags = v.bug;
  const nx = (base & ROLE_EFER_NX) !== 0;
  const wp = (base & ROLE_CR0_WP) !== 0;
  const pse = (ext & EXT_CR4_PSE) !== 0;

  const rsvdKey = level * 2 + (pse ? 1 : 0);
  if (!(bug.nxRsvdStaleEfer && rsvdKey === w.rsvdKey)) {
    resetX86RsvdBitsMask(w.fmt, {
      level,
      maxphyaddr: bug.guestRsvdFromHostMaxphyaddr ? HOST_MAXPHYADDR : v.maxphyaddr,
      nx,
      gbpages: v.hasGbpages || bug.gbpagesWithoutCpuid,
      pse,
      pse36: v.hasPse36,
      amd: !v.intel || bug.pml4Bit8ReservedOnIntel,
    });
    w.rsvdKey = rsvdKey;
  }

  updatePermissionBitmask(w.fmt, {
    tdp: w === v.ngpaWalk,
    ept: false,
    smep: (base & ROLE_CR4_SMEP) !== 0,
    smap: (ext & EXT_CR4_SMAP) !== 0,
    wp,
    nx,
    wp0AppliesToUser: bug.wp0WriteTermAppliesToUser,
  });

  if (!(bug.pkruMaskNotRecomputed && level === w.pkruKey)) {
    updatePkruBitmask(w.fmt, (ext & EXT_CR4_PKE) !== 0, wp);
    w.pkruKey = level;
  }
}
