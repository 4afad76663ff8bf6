// mmu_try_to_unsync_pages (§7.3): may a gfn get a writable mapping? Not while it is
// write-tracked (an upper-level page shadows it); otherwise every synced level-1 page of the
// gfn goes unsync (`unsync` events, ascending role). Models arch/x86/kvm/mmu/mmu.c.
import type { Vcpu } from '../vcpu.js';
import { commonRole, isWriteTracked, spsWithGptes } from './sp.js';

/**
 * Returns true when the gfn may be mapped writable. `synchronizing` (a sync rebuilding an
 * SPTE) refuses whenever the gfn has shadow pages: a sync must never open a page table to
 * unchecked guest writes.
 */
export function mmuTryToUnsyncPages(v: Vcpu, gfn: number, synchronizing: boolean): boolean {
  const st = v.shadow;
  const ignoreTrack = v.bug.unsyncUpperLevel;
  if (!ignoreTrack && isWriteTracked(st, gfn)) return false;
  const sps = spsWithGptes(st, gfn);
  if (sps.length > 0 && synchronizing) return false;
  for (const sp of sps) {
    if (sp.unsync) continue;
    if (sp.level !== 1 && !ignoreTrack) continue;
    sp.unsync = true;
    st.unsyncCount++;
    v.events.push({ type: 'unsync', gfn, role: commonRole(sp.role) });
  }
  return true;
}
