// FNAME(fetch) (§7.2 step 7): builds the shadow path for a gva from the current root down to
// the leaf slot — one indirect page per guest table (gfn = the table, access = the AND of the
// guest rights above it), then direct pages below a guest large page. Models the fetch half of
// arch/x86/kvm/mmu/paging_tmpl.h and kvm_mmu_get_child_sp / kvm_mmu_child_role in mmu.c.
import { ACC_ALL, ROLE_ACCESS_SHIFT, ROLE_DIRECT, ROLE_HAS_4_BYTE_GPTE, ROLE_LEVEL_MASK, ROLE_PASSTHROUGH, ROLE_QUADRANT_SHIFT } from '../page-role.js';
import type { Vcpu } from '../vcpu.js';
import { clearWriteFlooding, kvmMmuGetShadowPage } from './get-sp.js';
import { dropSpte, linkChild } from './make-spte.js';
import { rootTopSp } from './roots.js';
import { type ShadowPage, SPTE_CHILD, SPTE_NONE, spteIndex } from './sp.js';
import { gpteAccess, mmuSyncChildren } from './sync.js';
import { hasUnsync } from './zap.js';

const TWO_32 = 4294967296;

/** Where fetch left the leaf slot (scratch, reused). */
export class FetchResult {
  sp: ShadowPage | null = null;
  index = 0;
}

/** kvm_mmu_child_role: the role of the page an SPTE of parent at index links. */
export function childRole(parent: ShadowPage, index: number, direct: boolean, access: number): number {
  let role = parent.role & ~(ROLE_LEVEL_MASK | (0xf << ROLE_ACCESS_SHIFT) | ROLE_DIRECT | ROLE_PASSTHROUGH);
  role |= (parent.level - 1) | (access << ROLE_ACCESS_SHIFT) | (direct ? ROLE_DIRECT : 0);
  if ((role & ROLE_HAS_4_BYTE_GPTE) !== 0) {
    // A 4-byte-gpte PT (4 MiB) is shadowed by two 2 MiB halves: bit 21 of the address.
    role = (role & ~(3 << ROLE_QUADRANT_SHIFT)) | ((index & 1) << ROLE_QUADRANT_SHIFT);
  }
  return role >>> 0;
}

/**
 * kvm_mmu_get_child_sp + link_shadow_page: reuse the linked child when it matches, else find or
 * create the page and link it (replacing a link that pointed elsewhere flushes).
 */
function getChildSp(v: Vcpu, parent: ShadowPage, index: number, gfn: number, role: number): ShadowPage {
  if (parent.kind[index] === SPTE_CHILD) {
    const c = parent.child[index]!;
    if (c.gfn === gfn && c.role === role) return c;
    dropSpte(v.shadow, parent, index);
    v.events.requestFlush('remote');
  } else if (parent.kind[index] !== SPTE_NONE) {
    dropSpte(v.shadow, parent, index);
  }
  const child = kvmMmuGetShadowPage(v, gfn, role);
  // A reused upper-level table may have unsync pages below it: the guest expects them fresh
  // once the table is reachable again.
  if (child.level > 1 && hasUnsync(v, child)) mmuSyncChildren(v, child);
  linkChild(parent, index, child);
  return child;
}

/**
 * Builds the path for the gva into out (the level-1 page and index of the leaf SPTE). `gfn` is
 * the 4 KiB gfn the walk gave, `directAccess` the leaf rights. Returns false when the current
 * root has no page for the gva (a dummy root).
 */
export function shadowFetch(v: Vcpu, gvaLo: number, gvaHi: number, gfn: number, directAccess: number, out: FetchResult): boolean {
  let sp = rootTopSp(v.mmu.shadowRoot, gvaLo);
  if (sp === null || sp.invalid) return false;
  const gw = v.walker;
  const layout = v.gvaWalk.layout;
  if (gw.level > 0 && layout !== null && sp.hasGptes) {
    const wide = layout.entryBytes === 8;
    let acc = ACC_ALL;
    // Every indirect page on the path is in use as a page table, down to and including the one
    // holding the guest leaf entry: its flooding count restarts.
    clearWriteFlooding(v, sp);
    while (sp.level > gw.level) {
      // The gpte at this level points at the guest table the child page shadows.
      const lo = gw.pteLo[sp.level - 1];
      const hi = wide ? gw.pteHi[sp.level - 1] : 0;
      acc &= gpteAccess(lo, hi, wide);
      const tableGfn = ((wide ? hi & 0xfffff : 0) * TWO_32 + ((lo & 0xfffff000) >>> 0)) / 4096;
      const index = spteIndex(gvaLo, gvaHi, sp.level);
      sp = getChildSp(v, sp, index, tableGfn, childRole(sp, index, false, acc));
      clearWriteFlooding(v, sp);
    }
  }
  // Below a guest large page (or with paging off): direct pages, gfn = the region's base.
  while (sp.level > 1) {
    const index = spteIndex(gvaLo, gvaHi, sp.level);
    const span = 512 ** (sp.level - 1);
    sp = getChildSp(v, sp, index, gfn - (gfn % span), childRole(sp, index, true, directAccess));
  }
  out.sp = sp;
  out.index = spteIndex(gvaLo, gvaHi, 1);
  return true;
}

/** shadow_page_table_clear_flood: every page on the gva's existing shadow path is in use. */
export function clearFloodOnPath(v: Vcpu, gvaLo: number, gvaHi: number): void {
  let sp = rootTopSp(v.mmu.shadowRoot, gvaLo);
  while (sp !== null && !sp.invalid) {
    clearWriteFlooding(v, sp);
    const index = spteIndex(gvaLo, gvaHi, sp.level);
    if (sp.kind[index] !== SPTE_CHILD) return;
    sp = sp.child[index];
  }
}
