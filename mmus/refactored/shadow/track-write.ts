// kvm_mmu_track_write (§7.4): an emulated store into a shadowed guest table. Per page with
// gptes at the gfn (ascending level, then role): a misaligned store or write flooding zaps the
// page; otherwise the SPTE(s) shadowing the written gpte are zapped (`pte_write`). Models
// kvm_mmu_track_write, detect_write_misaligned, detect_write_flooding and get_written_sptes.
import { CR4_PAE } from '../../x86/bits.js';
import type { Vcpu } from '../vcpu.js';
import { dropSpte, spteEventGfn } from './make-spte.js';
import { commonRole, roleHas4ByteGpte, roleQuadrant, type ShadowPage, SPTE_NONE, spsWithGptes } from './sp.js';
import { mmuTryToUnsyncPages } from './unsync.js';
import { zapSp } from './zap.js';

/** detect_write_misaligned: the store is not exactly one gpte (a 1-byte store to a gpte's first byte is fine). */
export function detectWriteMisaligned(v: Vcpu, sp: ShadowPage, gpa: number, bytes: number): boolean {
  const offset = gpa % 4096;
  const pteSize = roleHas4ByteGpte(sp.role) ? 4 : 8;
  if ((offset & (pteSize - 1)) === 0 && bytes === 1) return false;
  const last = v.bug.misalignedOffByOne ? offset + bytes : offset + bytes - 1;
  return ((offset ^ last) & ~(pteSize - 1)) !== 0 || bytes < 4;
}

/** detect_write_flooding: the third emulated store to an upper-level page without use between. */
function detectWriteFlooding(sp: ShadowPage): boolean {
  if (sp.level === 1) return false;
  sp.writeFloodingCount++;
  return sp.writeFloodingCount >= 3;
}

/**
 * get_written_sptes: the first SPTE index shadowing the gpte at gpa and how many (2 for a
 * 32-bit PD, whose 4 MiB entries are two 2 MiB shadow entries); -1 when the store lands in
 * another quadrant's part of a 4-byte-gpte table.
 */
function writtenSptes(sp: ShadowPage, gpa: number): { index: number; count: number } | null {
  let offset = gpa % 4096;
  let count = 1;
  if (roleHas4ByteGpte(sp.role)) {
    offset *= 2;
    if (sp.level === 2) {
      offset = (offset & ~7) * 2;
      count = 2;
    }
    const quadrant = Math.floor(offset / 4096);
    offset %= 4096;
    if (quadrant !== roleQuadrant(sp.role)) return null;
  }
  return { index: Math.floor(offset / 8), count };
}

/** kvm_mmu_track_write for an emulated store of `bytes` at gpa (the bytes already landed). */
export function kvmMmuTrackWrite(v: Vcpu, gpaIn: number, bytesIn: number): void {
  let gpa = gpaIn;
  let bytes = bytesIn;
  // A PAE guest updates a gpte in two 4-byte halves: treat either half as the whole gpte.
  if ((v.cr4 & CR4_PAE) !== 0 && bytes === 4) {
    gpa -= gpa % 8;
    bytes = 8;
  }
  const st = v.shadow;
  let flush = false;
  for (const sp of spsWithGptes(st, Math.floor(gpa / 4096))) {
    if (sp.invalid) continue;
    if (detectWriteMisaligned(v, sp, gpa, bytes)) {
      zapSp(v, sp, 'misaligned');
      flush = true;
      continue;
    }
    if (detectWriteFlooding(sp)) {
      zapSp(v, sp, 'flood');
      flush = true;
      continue;
    }
    const w = writtenSptes(sp, gpa);
    if (w === null) continue;
    for (let i = w.index; i < w.index + w.count; i++) {
      if (sp.kind[i] === SPTE_NONE) continue;
      v.events.push({ type: 'zap', gfn: spteEventGfn(sp, i), level: sp.level, role: commonRole(sp.role), reason: 'pte_write' });
      if (dropSpte(st, sp, i)) flush = true;
    }
  }
  if (flush) v.events.requestFlush('remote');
}

/**
 * A guest store into guest memory under shadow paging (the `write` op): a gfn KVM lets the
 * guest map writable (no shadow pages, or only level-1 ones, which go unsync) takes the store
 * directly; a write-tracked one traps and is emulated through kvm_mmu_track_write.
 */
export function shadowGuestWrite(v: Vcpu, gpa: number, size: number, lo: number, hi: number): void {
  const direct = mmuTryToUnsyncPages(v, Math.floor(gpa / 4096), false);
  v.mem.write(gpa, size, lo, hi);
  if (!direct) kvmMmuTrackWrite(v, gpa, size);
}
