// Write protection through the rmap: kvm_vcpu_write_protect_gfn / kvm_mmu_slot_gfn_write_protect
// (every writable leaf SPTE mapping a gfn loses W, one `wrprot` event each). Models
// rmap_write_protect in arch/x86/kvm/mmu/mmu.c.
import { PTE_RW } from '../../x86/bits.js';
import type { Vcpu } from '../vcpu.js';
import { commonRole, type SpteRef } from './sp.js';

/** Ascending (holder gfn, holder role, index). */
export function compareSpteRef(a: SpteRef, b: SpteRef): number {
  return a.sp.gfn - b.sp.gfn || commonRole(a.sp.role) - commonRole(b.sp.role) || a.sp.role - b.sp.role || a.index - b.index;
}

/**
 * Page-table protection of a gfn (rmap_write_protect with pt_protect): every leaf SPTE mapping it
 * loses W and MMU-writable (one `wrprot` for each that had W). Returns how many SPTEs changed,
 * counting one whose W dirty logging had already cleared but that was still MMU-writable (the
 * caller flushes when non-zero).
 */
export function writeProtectGfn(v: Vcpu, gfn: number): number {
  const list = v.shadow.rmap.get(gfn);
  if (list === undefined) return 0;
  let n = 0;
  for (const r of list.slice().sort(compareSpteRef)) {
    if (r.sp.mmuWritable[r.index] !== 0) {
      r.sp.mmuWritable[r.index] = 0;
      if ((r.sp.spteLo[r.index] & PTE_RW) === 0) n++;
    }
    const lo = r.sp.spteLo[r.index];
    if ((lo & PTE_RW) === 0) continue;
    r.sp.spteLo[r.index] = (lo & ~PTE_RW) >>> 0;
    v.events.push({ type: 'wrprot', gfn, level: 1 });
    n++;
  }
  return n;
}
