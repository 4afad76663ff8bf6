// Reserved-bit masks of a page format (§5.2): guest x86 gpte masks for 32-bit, PAE, 4- and
// 5-level paging, and the TDP SPTE masks (host MAXPHYADDR). Models __reset_rsvds_bits_mask and
// reset_tdp_shadow_zero_bits_mask in arch/x86/kvm/mmu/mmu.c (kvm-chainsaw).
import { type KvmPageFormat, rsvdIndex } from './page-format.js';

/** Bits a..b inclusive of the low half (empty when b < a or a > 31). */
function lo(a: number, b: number): number {
  if (b > 31) b = 31;
  if (b < a) return 0;
  return ((0xffffffff >>> (31 - b + a)) << a) | 0;
}

/** Bits a..b inclusive (as 64-bit positions) of the high half. */
function hi(a: number, b: number): number {
  if (a < 32) a = 32;
  if (b < a) return 0;
  return lo(a - 32, b - 32);
}

function set(fmt: KvmPageFormat, ps: number, level: number, maskLo: number, maskHi: number): void {
  fmt.rsvdLo[rsvdIndex(ps, level)] = maskLo;
  fmt.rsvdHi[rsvdIndex(ps, level)] = maskHi;
}

/** What the x86 mask builder depends on: the walker role and guest CPUID. */
export interface X86RsvdParams {
  /** Root level of the mode: 2 (32-bit), 3 (PAE), 4, 5. */
  readonly level: number;
  readonly maxphyaddr: number;
  readonly nx: boolean;
  readonly gbpages: boolean;
  readonly pse: boolean;
  readonly pse36: boolean;
  /** Guest CPUID is AMD-compatible: bit 8 of the top-level entries is reserved. */
  readonly amd: boolean;
}

/** Fills fmt's reserved masks for an x86 gpte format; bad_mt_xwr is cleared. */
export function resetX86RsvdBitsMask(fmt: KvmPageFormat, p: X86RsvdParams): void {
  fmt.clearRsvd();
  const m = p.maxphyaddr;
  if (p.level === 2) {
    // 32-bit paging: only a 4 MiB PDE has reserved bits (KVM assumes exactly 4 PSE-36 bits).
    if (p.pse) set(fmt, 1, 2, p.pse36 ? lo(17, 21) : lo(13, 21), 0);
    return;
  }
  // "high": address bits above MAXPHYADDR (up to 62 in PAE, 51 in long mode), plus NX if off.
  const top = p.level === 3 ? 62 : 51;
  const highLo = lo(m, top);
  const highHi = (hi(m, top) | (p.nx ? 0 : hi(63, 63))) | 0;
  if (p.level === 3) {
    // PDPTE row (checked at load time, never by the walker): NX, PS, 8:5 and 2:1 reserved.
    set(fmt, 0, 3, highLo | lo(5, 8) | lo(1, 2), highHi | hi(63, 63));
    set(fmt, 0, 2, highLo, highHi);
    set(fmt, 1, 2, highLo | lo(13, 20), highHi);
    set(fmt, 0, 1, highLo, highHi);
    set(fmt, 1, 1, highLo, highHi);
    return;
  }
  const bit8 = p.amd ? lo(8, 8) : 0;
  const gb = p.gbpages ? 0 : lo(7, 7);
  // PS is always reserved at levels 4 and 5, so both rows are the same.
  for (const level of [5, 4]) {
    set(fmt, 0, level, highLo | bit8 | lo(7, 7), highHi);
    set(fmt, 1, level, highLo | bit8 | lo(7, 7), highHi);
  }
  set(fmt, 0, 3, highLo | gb, highHi);
  set(fmt, 1, 3, highLo | gb | lo(13, 29), highHi);
  set(fmt, 0, 2, highLo, highHi);
  set(fmt, 1, 2, highLo | lo(13, 20), highHi);
  set(fmt, 0, 1, highLo, highHi);
  set(fmt, 1, 1, highLo, highHi);
}

/**
 * EPT masks for KVM's own TDP SPTEs (host MAXPHYADDR 52, no execute-only, 1 GiB pages allowed).
 * bad_mt_xwr flags memtypes 2, 3, 7 and XWR patterns 010, 110, 100.
 */
export function resetEptSpteRsvdBitsMask(fmt: KvmPageFormat, rootLevel: number): void {
  fmt.clearRsvd();
  const hLo = lo(52, 51);
  const hHi = hi(52, 51);
  for (const level of [5, 4]) {
    if (level > rootLevel) continue;
    set(fmt, 0, level, hLo | lo(3, 7), hHi);
    set(fmt, 1, level, hLo | lo(3, 7), hHi);
  }
  set(fmt, 0, 3, hLo | lo(3, 6), hHi);
  set(fmt, 1, 3, hLo | lo(12, 29), hHi);
  set(fmt, 0, 2, hLo | lo(3, 6), hHi);
  set(fmt, 1, 2, hLo | lo(12, 20), hHi);
  set(fmt, 0, 1, hLo, hHi);
  set(fmt, 1, 1, hLo, hHi);
  let badLo = 0;
  let badHi = 0;
  for (let pattern = 0; pattern < 64; pattern++) {
    const mt = pattern >> 3;
    const xwr = pattern & 7;
    const bad = mt === 2 || mt === 3 || mt === 7 || xwr === 2 || xwr === 6 || xwr === 4;
    if (!bad) continue;
    if (pattern < 32) badLo |= 1 << pattern;
    else badHi |= 1 << (pattern - 32);
  }
  fmt.badMtXwrLo = badLo;
  fmt.badMtXwrHi = badHi;
}

/** Mask builder for KVM's NPT SPTEs: AMD long-mode masks at host MAXPHYADDR with NX allowed. */
export function resetNptSpteRsvdBitsMask(fmt: KvmPageFormat, rootLevel: number): void {
  resetX86RsvdBitsMask(fmt, { level: rootLevel, maxphyaddr: 52, nx: true, gbpages: true, pse: false, pse36: false, amd: true });
}

/** True when an entry (halves) at level hits its format's reserved bits or bad EPT pattern. */
export function isRsvdEntry(fmt: KvmPageFormat, entryLo: number, entryHi: number, level: number): boolean {
  const i = rsvdIndex((entryLo >>> 7) & 1, level);
  if (((entryLo & fmt.rsvdLo[i]) | (entryHi & fmt.rsvdHi[i])) !== 0) return true;
  const low6 = entryLo & 63;
  return (low6 < 32 ? (fmt.badMtXwrLo >>> low6) & 1 : (fmt.badMtXwrHi >>> (low6 - 32)) & 1) !== 0;
}
