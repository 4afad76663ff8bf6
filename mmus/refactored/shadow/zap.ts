// Zapping shadow pages (§7.7): kvm_mmu_prepare_zap_page with its unsync descendants, and the
// memslot fast zap of everything (KVM's default SLOT_ZAP_ALL quirk). A zapped page leaves the
// hash at once; a root still pointing at it stays referenced until the service step frees it.
// Models kvm_mmu_prepare_zap_page / kvm_mmu_zap_all_fast in arch/x86/kvm/mmu/mmu.c.
import type { ZapReason } from '../../backend.js';
import type { Vcpu } from '../vcpu.js';
import { dropSpte } from './make-spte.js';
import { allSps, commonRole, compareSp, hashRemove, type ShadowPage, SPTE_CHILD, SPTE_ENTRIES, SPTE_NONE } from './sp.js';

/** mmu_unsync_walk: every unsync page below parent (each once), ascending (gfn, level, role). */
export function collectUnsync(parent: ShadowPage): ShadowPage[] {
  const seen = new Set<ShadowPage>();
  const out: ShadowPage[] = [];
  const visit = (sp: ShadowPage): void => {
    for (let i = 0; i < SPTE_ENTRIES; i++) {
      if (sp.kind[i] !== SPTE_CHILD) continue;
      const c = sp.child[i]!;
      if (seen.has(c)) continue;
      seen.add(c);
      if (c.unsync) out.push(c);
      if (c.level > 1) visit(c);
    }
  };
  if (parent.level > 1) visit(parent);
  return out.sort(compareSp);
}

/** Does any unsync page hang below sp (sp->unsync_children), or is sp itself unsync? */
export function hasUnsync(v: Vcpu, sp: ShadowPage): boolean {
  if (v.shadow.unsyncCount === 0) return false;
  return sp.unsync || collectUnsync(sp).length > 0;
}

/** Takes a page out of the MMU: clears its SPTEs, unlinks it from its parents, un-accounts it. */
function unlinkAndFree(v: Vcpu, sp: ShadowPage): void {
  const st = v.shadow;
  for (let i = 0; i < SPTE_ENTRIES; i++) if (sp.kind[i] !== SPTE_NONE) dropSpte(st, sp, i);
  for (const p of sp.parents.slice()) dropSpte(st, p.sp, p.index);
  hashRemove(st, sp);
  // unaccount_shadowed: the gfn stays write-tracked while another upper-level page shadows it.
  if (sp.hasGptes && sp.level > 1) {
    const n = (st.writeTrack.get(sp.gfn) ?? 1) - 1;
    if (n > 0) st.writeTrack.set(sp.gfn, n);
    else st.writeTrack.delete(sp.gfn);
  }
  if (sp.unsync) {
    sp.unsync = false;
    st.unsyncCount--;
  }
  sp.invalid = true;
}

function zapEvent(v: Vcpu, sp: ShadowPage, reason: ZapReason): void {
  v.events.push({ type: 'zap_sp', gfn: sp.gfn, level: sp.level, role: commonRole(sp.role), reason });
}

/**
 * kvm_mmu_prepare_zap_page: the page (`zap_sp`), then its unsync descendants (each a `zap_sp`
 * with the same reason, ascending). The caller requests the remote flush of the commit.
 */
export function zapSp(v: Vcpu, sp: ShadowPage, reason: ZapReason): void {
  if (sp.invalid) return;
  const descendants = collectUnsync(sp);
  zapEvent(v, sp, reason);
  unlinkAndFree(v, sp);
  for (const d of descendants) {
    if (d.invalid) continue;
    zapEvent(v, d, reason);
    unlinkAndFree(v, d);
  }
}

/** kvm_mmu_zap_all_fast: every page goes (ascending); returns how many. Roots turn invalid. */
export function zapAllFast(v: Vcpu): number {
  const sps = allSps(v.shadow);
  for (const sp of sps) {
    zapEvent(v, sp, 'memslot');
    unlinkAndFree(v, sp);
  }
  return sps.length;
}
