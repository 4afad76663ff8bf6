// kvm_mmu_get_shadow_page (§7.2 step 7): find the page for (gfn, role) in the hash or create
// it. A lookup for an upper-level role zaps unsync pages of the gfn; a found unsync page is
// synced; a created page shadowing a guest table is accounted (write tracking for level >= 2,
// write protection of the gfn's existing mappings). Models arch/x86/kvm/mmu/mmu.c.
import { ROLE_CR0_WP, ROLE_QUADRANT_SHIFT } from '../page-role.js';
import type { Vcpu } from '../vcpu.js';
import { commonRole, compareSp, hashAdd, ShadowPage } from './sp.js';
import { kvmSyncPage } from './sync.js';
import { writeProtectGfn } from './wrprot.js';
import { zapSp } from './zap.js';

/** Role bits the hash compares (all of them; mutants drop one). */
function hashRoleMask(v: Vcpu): number {
  let mask = -1;
  if (v.bug.spHashIgnoresCr0Wp) mask &= ~ROLE_CR0_WP;
  if (v.bug.spHashIgnoresQuadrant) mask &= ~(3 << ROLE_QUADRANT_SHIFT);
  return mask;
}

/** __clear_sp_write_flooding_count: the page is in use, so it is still a page table. */
export function clearWriteFlooding(v: Vcpu, sp: ShadowPage): void {
  if (!v.bug.floodCountNeverReset) sp.writeFloodingCount = 0;
}

/** kvm_mmu_find_shadow_page: the valid page for (gfn, role), synced if it was unsync. */
function findShadowPage(v: Vcpu, gfn: number, role: number): ShadowPage | undefined {
  const list = v.shadow.hash.get(gfn);
  if (list === undefined) return undefined;
  if ((role & 0xf) > 1) {
    // The guest now uses this gfn as an upper-level table: unsync pages of it must go, since
    // the page is about to be write-protected.
    const stale = list.filter((sp) => sp.unsync && sp.role !== role).sort(compareSp);
    for (const sp of stale) zapSp(v, sp, 'unsync_upper');
    if (stale.length > 0) v.events.requestFlush('remote');
  }
  const mask = hashRoleMask(v);
  const sp = v.shadow.hash.get(gfn)?.find((s) => ((s.role ^ role) & mask) === 0);
  if (sp === undefined) return undefined;
  if (sp.hasGptes && sp.unsync && !kvmSyncPage(v, sp)) return undefined;
  clearWriteFlooding(v, sp);
  return sp;
}

/** kvm_mmu_get_shadow_page: found, or created with an `sp` event. */
export function kvmMmuGetShadowPage(v: Vcpu, gfn: number, role: number): ShadowPage {
  const found = findShadowPage(v, gfn, role);
  if (found !== undefined) return found;
  const st = v.shadow;
  const sp = new ShadowPage(gfn, role);
  hashAdd(st, sp);
  v.events.push({ type: 'sp', gfn, level: sp.level, role: commonRole(role) });
  if (sp.hasGptes) {
    // account_shadowed: upper-level tables are write-tracked; either way every writable
    // mapping of the table's gfn loses W so guest stores to it trap.
    if (sp.level > 1) st.writeTrack.set(gfn, (st.writeTrack.get(gfn) ?? 0) + 1);
    if (writeProtectGfn(v, gfn) > 0) v.events.requestFlush('remote');
  }
  return sp;
}
