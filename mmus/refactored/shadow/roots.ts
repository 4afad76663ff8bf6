// Shadow MMU roots (§7.1, §7.6): struct kvm_mmu_root_info for the current root and
// prev_roots[3]; mmu_alloc_shadow_roots / mmu_alloc_direct_roots (one level >= 4 root, four
// PAE / 32-bit quadrant roots, four direct roots with paging off, the dummy root),
// kvm_mmu_free_roots, kvm_mmu_new_pgd with fast_pgd_switch, and kvm_invalidate_pcid.
// Models arch/x86/kvm/mmu/mmu.c (kvm-chainsaw) and kvm_invalidate_pcid in x86.c.
import { CR3_PCID_MASK, CR4_PCIDE, PTE_P } from '../../x86/bits.js';
import { PT32E_ROOT_LEVEL } from '../cpu-role.js';
import type { KvmMmu } from '../mmu.js';
import { ROLE_DIRECT, ROLE_QUADRANT_SHIFT, roleLevel, roleWithLevel } from '../page-role.js';
import type { Vcpu } from '../vcpu.js';
import { kvmMmuGetShadowPage } from './get-sp.js';
import type { ShadowPage } from './sp.js';

export const ROOT_INVALID = 0;
/** One root page (guest level 4 / 5); the only kind cached in prev_roots. */
export const ROOT_SP = 1;
/** Four root pages indexed by gva bits 31:30 (PAE, 32-bit, paging off): a "special" root. */
export const ROOT_PAE = 2;
/** The CR3 frame is outside every memslot: no page, every access faults into KVM. */
export const ROOT_DUMMY = 3;

/** struct kvm_mmu_root_info (plus the pae_root array for the four-root kinds). */
export class ShadowRoot {
  kind = ROOT_INVALID;
  sp: ShadowPage | null = null;
  readonly pae: (ShadowPage | null)[] = [null, null, null, null];
  pgdLo = 0;
  pgdHi = 0;
}

/** kvm_mmu_free_roots for one root: drops the references (pages stay in the hash). */
export function freeRoot(r: ShadowRoot): void {
  r.kind = ROOT_INVALID;
  r.sp = null;
  r.pae.fill(null);
  r.pgdLo = 0;
  r.pgdHi = 0;
}

/** kvm_mmu_unload for root_mmu: current and previous roots. */
export function freeAllRoots(mmu: KvmMmu): void {
  freeRoot(mmu.shadowRoot);
  for (const r of mmu.shadowPrevRoots) freeRoot(r);
}

/** The top shadow page translating gva in a root, or null (no page there). */
export function rootTopSp(r: ShadowRoot, gvaLo: number): ShadowPage | null {
  if (r.kind === ROOT_SP) return r.sp;
  if (r.kind === ROOT_PAE) return r.pae[(gvaLo >>> 30) & 3];
  return null;
}

/** A root some zap made invalid (is_obsolete_root): any of its pages is gone. */
export function isObsoleteRoot(r: ShadowRoot): boolean {
  if (r.kind === ROOT_SP) return r.sp!.invalid;
  if (r.kind === ROOT_PAE) return r.pae.some((sp) => sp !== null && sp.invalid);
  return false;
}

function cr3Gfn(v: Vcpu): number {
  return ((v.cr3Hi & 0xfffff) * 4294967296 + ((v.cr3Lo & 0xfffff000) >>> 0)) / 4096;
}

/** mmu_alloc_root: the page for (gfn, root role at level, quadrant), found or created. */
function allocRoot(v: Vcpu, gfn: number, quadrant: number, level: number): ShadowPage {
  const role = (roleWithLevel(v.mmu.rootRole, level) & ~(3 << ROLE_QUADRANT_SHIFT)) | (quadrant << ROLE_QUADRANT_SHIFT);
  return kvmMmuGetShadowPage(v, gfn, role >>> 0);
}

/** mmu_alloc_direct_roots / mmu_alloc_shadow_roots into the (invalid) current root. */
export function mmuAllocRoots(v: Vcpu): void {
  const mmu = v.mmu;
  const r = mmu.shadowRoot;
  const cpuLevel = roleLevel(mmu.w.cpuRole.base);
  if ((mmu.rootRole & ROLE_DIRECT) !== 0) {
    // Paging off: four direct 1 GiB roots, gfn = i << 18.
    r.kind = ROOT_PAE;
    for (let i = 0; i < 4; i++) r.pae[i] = allocRoot(v, i * 0x40000, 0, 2);
    return;
  }
  const rootGfn = cr3Gfn(v);
  r.pgdLo = v.cr3Lo;
  r.pgdHi = v.cr3Hi;
  if (v.mem.findSlot(rootGfn) === undefined) {
    r.kind = ROOT_DUMMY;
    return;
  }
  if (cpuLevel >= 4) {
    r.kind = ROOT_SP;
    r.sp = allocRoot(v, rootGfn, 0, roleLevel(mmu.rootRole));
    return;
  }
  r.kind = ROOT_PAE;
  for (let i = 0; i < 4; i++) {
    if (cpuLevel === PT32E_ROOT_LEVEL) {
      // One root per present PDPTR whose page is visible; none for the others.
      const lo = v.pdptrs[2 * i];
      const gfn = ((v.pdptrs[2 * i + 1] & 0xfffff) * 4294967296 + ((lo & 0xfffff000) >>> 0)) / 4096;
      r.pae[i] = (lo & PTE_P) !== 0 && v.mem.findSlot(gfn) !== undefined ? allocRoot(v, gfn, 0, 2) : null;
    } else {
      // 32-bit guest: each root shadows one quarter of the guest page directory.
      r.pae[i] = allocRoot(v, rootGfn, i, 2);
    }
  }
}

/** is_root_usable: a valid level >= 4 root for this pgd and role. */
function isRootUsable(r: ShadowRoot, pgdLo: number, pgdHi: number, role: number): boolean {
  if (r.kind !== ROOT_SP || r.sp!.invalid) return false;
  if ((role & ROLE_DIRECT) === 0 && (r.pgdLo !== pgdLo || r.pgdHi !== pgdHi)) return false;
  return r.sp!.role === role;
}

/** fast_pgd_switch: true when a cached root became current. */
function fastPgdSwitch(v: Vcpu, mmu: KvmMmu, pgdLo: number, pgdHi: number): boolean {
  const role = mmu.rootRole;
  const prev = mmu.shadowPrevRoots;
  // Special roots (PAE, 32-bit, direct, dummy) are never cached.
  if (mmu.shadowRoot.kind === ROOT_PAE || mmu.shadowRoot.kind === ROOT_DUMMY) freeRoot(mmu.shadowRoot);
  if (mmu.shadowRoot.kind !== ROOT_INVALID) {
    if (isRootUsable(mmu.shadowRoot, pgdLo, pgdHi, role)) return true;
    // Rotate: the old current root ends in prev[0], the LRU one is evicted.
    for (let i = 0; i < prev.length; i++) {
      const t = mmu.shadowRoot;
      mmu.shadowRoot = prev[i];
      prev[i] = t;
      if (isRootUsable(mmu.shadowRoot, pgdLo, pgdHi, role)) return true;
    }
    freeRoot(mmu.shadowRoot);
    return false;
  }
  for (let i = 0; i < prev.length; i++) {
    if (!isRootUsable(prev[i], pgdLo, pgdHi, role)) continue;
    const t = mmu.shadowRoot;
    mmu.shadowRoot = prev[i];
    for (let j = i; j < prev.length - 1; j++) prev[j] = prev[j + 1];
    prev[prev.length - 1] = t;
    freeRoot(t);
    return true;
  }
  return false;
}

/** kvm_mmu_new_pgd: switch roots for a new CR3 (pgd = CR3 without NOFLUSH). */
export function shadowNewPgd(v: Vcpu, pgdLo: number, pgdHi: number): void {
  const mmu = v.mmu;
  if (!fastPgdSwitch(v, mmu, pgdLo, pgdHi)) return;
  // A reused root starts a new life: its write-flooding count is cleared.
  if (!v.bug.floodCountNeverReset) mmu.shadowRoot.sp!.writeFloodingCount = 0;
}

/** kvm_get_pcid of a pgd: its PCID while CR4.PCIDE, else 0. */
function pgdPcid(v: Vcpu, pgdLo: number): number {
  return (v.cr4 & CR4_PCIDE) !== 0 ? pgdLo & CR3_PCID_MASK : 0;
}

/** kvm_get_active_pcid. */
export function activePcid(v: Vcpu): number {
  return pgdPcid(v, v.cr3Lo);
}

/**
 * kvm_invalidate_pcid under shadow paging: the active PCID gets KVM_REQ_MMU_SYNC and a flush
 * of the current context; with CR4.PCIDE the cached roots of that PCID are freed.
 */
export function shadowInvalidatePcid(v: Vcpu, pcid: number): void {
  if (activePcid(v) === pcid) {
    v.reqMmuSync = true;
    v.events.requestFlush('current');
  }
  if ((v.cr4 & CR4_PCIDE) === 0 || v.bug.invalidatePcidKeepsPrevRoots) return;
  for (const r of v.mmu.shadowPrevRoots) if (r.kind === ROOT_SP && pgdPcid(v, r.pgdLo) === pcid) freeRoot(r);
}
