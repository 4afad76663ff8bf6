// struct kvm_page_format (§3.2): the per-format metadata that operates on existing PTEs —
// reserved-bit masks, bad EPT memtype/XWR map, protection-key mask and the 16-entry permission
// table — plus the x86 gpte layouts the one walker (walk.ts) is parameterized by.
// Models kvm_host.h / mmu.c in the kvm-chainsaw tree ("merge struct rsvd_bits_validate into
// struct kvm_page_format").

/** How one guest page-table format lays out its entries (paging_tmpl.h's PTTYPE parameters). */
export interface PteLayout {
  readonly name: '32-bit' | '64-bit';
  /** 4 or 8. */
  readonly entryBytes: number;
  /** Index bits per level (10 or 9). */
  readonly levelBits: number;
  /** Frame bits in the high half (bits 51:32 for 8-byte entries). */
  readonly frameHiMask: number;
  /** NX in the high half (bit 63), 0 when the format has none. */
  readonly nxHiMask: number;
  /** Protection key in bits 62:59. */
  readonly hasPkey: boolean;
  /** PS is a leaf marker only at level 2 and only with CR4.PSE (32-bit paging). */
  readonly psNeedsCr4Pse: boolean;
  /** 4 MiB pages carry PA[35:32] in PDE[16:13] (PSE-36). */
  readonly pse36: boolean;
}

export const PTE32_LAYOUT: PteLayout = Object.freeze({
  name: '32-bit',
  entryBytes: 4,
  levelBits: 10,
  frameHiMask: 0,
  nxHiMask: 0,
  hasPkey: false,
  psNeedsCr4Pse: true,
  pse36: true,
});

export const PTE64_LAYOUT: PteLayout = Object.freeze({
  name: '64-bit',
  entryBytes: 8,
  levelBits: 9,
  frameHiMask: 0xfffff,
  nxHiMask: (1 << 31) >>> 0,
  hasPkey: true,
  psNeedsCr4Pse: false,
  pse36: false,
});

/** Index of rsvd_bits_mask[ps][level - 1] in the flat arrays. */
export function rsvdIndex(ps: number, level: number): number {
  return ps * 5 + level - 1;
}

/**
 * kvm_page_format. Masks are 64-bit values split into halves; lo/hi arrays are indexed by
 * rsvdIndex(bit 7 of the entry, level). Rebuilt only at (re)initialization, read on every walk.
 */
export class KvmPageFormat {
  readonly rsvdLo = new Int32Array(10);
  readonly rsvdHi = new Int32Array(10);
  /** EPT only (bits 5:0 -> bad); x86 formats keep it zero so a stale value can never leak. */
  badMtXwrLo = 0;
  badMtXwrHi = 0;
  pkruMask = 0;
  /** permissions[idx] bit a = an access with pfec (idx << 1) faults on ACC rights a. */
  readonly permissions = new Uint16Array(16);

  clearRsvd(): void {
    this.rsvdLo.fill(0);
    this.rsvdHi.fill(0);
    this.badMtXwrLo = 0;
    this.badMtXwrHi = 0;
  }
}
