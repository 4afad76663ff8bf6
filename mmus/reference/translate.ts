// Linear-to-physical translation by the paging structures of the current mode (SDM 4.3 32-bit,
// 4.4 PAE, 4.5 4-/5-level; APM 5.2-5.4), with the access-rights check of SDM 4.6 and the error
// code of SDM 4.7. Reads guest memory afresh on every call; what a TLB may keep of a successful
// walk is recorded in the Walk for the caller (tlb-use.ts), never consulted here.
import { NOT_BACKED, type GuestMemory } from '../memory/guest-memory.js';
import { CR4_PSE, EFER_NXE, PFERR_PRESENT, PFERR_RSVD, PTE_NX_HI, PTE_P, PTE_PKEY_SHIFT_HI, PTE_PS, PTE_RW, PTE_US } from '../x86/bits.js';
import { accessFault, type Kind } from './access-rights.js';
import { accessErrorBits } from './error-code.js';
import type { Machine } from './machine.js';
import { MODE_32BIT, MODE_5LEVEL, MODE_PAE, type PagingMode } from './paging-mode.js';
import type { Registers } from './registers.js';
import { isRsvd32, isRsvdLong, isRsvdPae } from './reserved-bits.js';

const TWO32 = 0x1_0000_0000;

/** The outcome of one translation; one instance per backend, overwritten by every walk. */
export class Walk {
  /** 0 after a successful translation, else the #PF error code. */
  errorCode = 0;
  gpa = 0;
  /** Level of the leaf entry: 1 = 4 KiB, 2 = 2/4 MiB, 3 = 1 GiB. */
  level = 0;
  /** Paging-structure entries read in memory, top level first (PDPTE registers excluded). */
  count = 0;
  readonly gpteGpa = new Float64Array(5);
  /** Entry width in bytes: 4 for 32-bit paging, 8 otherwise. */
  gpteSize = 8;
  /** After a walk that reached its leaf: the rights of the whole path (SDM 4.10.2.2) ... */
  userPage = false;
  writable = false;
  /** ... false when some entry has XD = 1 with EFER.NXE = 1 ... */
  executable = false;
  /** ... the leaf's protection key (0 outside IA-32e paging) and the leaf's low half as read. */
  pkey = 0;
  leafLo = 0;
}

/**
 * Translates gva (already truncated to 32 bits outside IA-32e mode) for an access of `kind`,
 * user-mode iff `user`. Returns true with w.gpa/w.level set, or false with w.errorCode set.
 * Faults are decided level by level from the top (present, then reserved bits: the first
 * offending entry wins, SDM 4.7), and access rights only once the whole path is known (SDM 4.6).
 */
export function translate(
  r: Registers, m: Machine, mem: GuestMemory, mode: PagingMode,
  gvaLo: number, gvaHi: number, kind: Kind, user: boolean, implicit: boolean, w: Walk,
): boolean {
  w.count = 0;
  w.errorCode = 0;
  if (mode === MODE_32BIT) return walk32(r, m, mem, gvaLo, kind, user, implicit, w);
  return walk64(r, m, mem, mode, gvaLo, gvaHi, kind, user, implicit, w);
}

/** Records a fault; `bits` are P/RSVD/PK from the failing check (0 for not-present). */
function fail(r: Registers, kind: Kind, user: boolean, bits: number, w: Walk): false {
  w.errorCode = bits | accessErrorBits(r, kind, user);
  return false;
}

/** 32-bit paging (SDM 4.3): CR3 → PDE (4 MiB page with CR4.PSE and PS=1) → PTE; 4-byte entries. */
function walk32(
  r: Registers, m: Machine, mem: GuestMemory, gvaLo: number,
  kind: Kind, user: boolean, implicit: boolean, w: Walk,
): boolean {
  w.gpteSize = 4;
  const pse = (r.cr4 & CR4_PSE) !== 0;
  let table = (r.cr3Lo & 0xfffff000) >>> 0; // CR3[31:12] (table 4-3)
  let userPage = true;
  let writable = true;
  for (let level = 2; ; level--) {
    const index = level === 2 ? gvaLo >>> 22 : (gvaLo >>> 12) & 0x3ff;
    const gpteGpa = table + 4 * index;
    const lo = mem.read32(gpteGpa);
    // Ledger 3 (model-contract "Guest page walk"): a table read outside every memslot faults
    // as not-present (P=0) rather than reading all-ones.
    if (lo === NOT_BACKED || (lo & PTE_P) === 0) return fail(r, kind, user, 0, w);
    w.gpteGpa[w.count++] = gpteGpa;
    if (isRsvd32(m, level, lo, pse)) return fail(r, kind, user, PFERR_PRESENT | PFERR_RSVD, w);
    userPage &&= (lo & PTE_US) !== 0;
    writable &&= (lo & PTE_RW) !== 0;
    if (level === 2 && pse && (lo & PTE_PS) !== 0) {
      // 4 MiB page: PA[31:22] from PDE[31:22]; with PSE-36, PA[35:32] from PDE[16:13]
      // (ledger 6: always exactly 4 bits).
      const high = m.pse36 ? (lo >>> 13) & 0xf : 0;
      w.gpa = high * TWO32 + (((lo & 0xffc00000) | (gvaLo & 0x003fffff)) >>> 0);
      w.level = 2;
      w.leafLo = lo;
      break;
    }
    if (level === 1) {
      w.gpa = ((lo & 0xfffff000) | (gvaLo & 0xfff)) >>> 0;
      w.level = 1;
      w.leafLo = lo;
      break;
    }
    table = (lo & 0xfffff000) >>> 0; // with CR4.PSE=0, PS (bit 7) is ignored in a PDE
  }
  // 32-bit paging has no XD bit and no protection keys (those need IA-32e mode).
  w.userPage = userPage;
  w.writable = writable;
  w.executable = true;
  w.pkey = 0;
  const bits = accessFault(r, kind, user, implicit, userPage, writable, true, 0);
  return bits === 0 ? true : fail(r, kind, user, bits, w);
}

/** Index of the entry for gva at `level` in a 512-entry table (SDM 4.4.2, 4.5.4 figures). */
function index64(level: number, gvaLo: number, gvaHi: number): number {
  switch (level) {
    case 5: return (gvaHi >>> 16) & 0x1ff; // bits 56:48
    case 4: return (gvaHi >>> 7) & 0x1ff; // bits 47:39
    case 3: return ((gvaHi & 0x7f) << 2) | (gvaLo >>> 30); // bits 38:30
    case 2: return (gvaLo >>> 21) & 0x1ff; // bits 29:21
    default: return (gvaLo >>> 12) & 0x1ff; // bits 20:12
  }
}

/**
 * PAE (SDM 4.4), 4-level and 5-level (SDM 4.5) paging: 8-byte entries, XD in bit 63 (with
 * EFER.NXE), protection key in bits 62:59 of the leaf (IA-32e only).
 */
function walk64(
  r: Registers, m: Machine, mem: GuestMemory, mode: PagingMode, gvaLo: number, gvaHi: number,
  kind: Kind, user: boolean, implicit: boolean, w: Walk,
): boolean {
  w.gpteSize = 8;
  const nxe = (r.efer & EFER_NXE) !== 0;
  const pae = mode === MODE_PAE;
  let tableLo: number;
  let tableHi: number;
  let level: number;
  if (pae) {
    // The PDPTE comes from the PDPTE registers (SDM 4.4.1), selected by gva[31:30]. Only P is
    // checked here: the rest was validated when the registers were loaded. PDPTEs carry no
    // access rights (their R/W, U/S, XD are reserved).
    const i = gvaLo >>> 30;
    const lo = r.pdptrs[2 * i];
    if ((lo & PTE_P) === 0) return fail(r, kind, user, 0, w);
    tableLo = (lo & 0xfffff000) >>> 0;
    tableHi = r.pdptrs[2 * i + 1] & 0xfffff;
    level = 2;
  } else {
    // CR3[M-1:12] locates the PML4/PML5 table (table 4-12); bits 11:0 are flags or the PCID.
    tableLo = (r.cr3Lo & 0xfffff000) >>> 0;
    tableHi = r.cr3Hi & 0xfffff;
    level = mode === MODE_5LEVEL ? 5 : 4;
  }
  let userPage = true;
  let writable = true;
  let executable = true;
  for (; ; level--) {
    const gpteGpa = tableHi * TWO32 + tableLo + 8 * index64(level, gvaLo, gvaHi);
    const lo = mem.read32(gpteGpa);
    // Ledger 3: a table outside every memslot reads as not-present (P=0).
    if (lo === NOT_BACKED || (lo & PTE_P) === 0) return fail(r, kind, user, 0, w);
    const hi = mem.read32(gpteGpa + 4);
    w.gpteGpa[w.count++] = gpteGpa;
    const rsvd = pae ? isRsvdPae(m, level, lo, hi, nxe) : isRsvdLong(m, level, lo, hi, nxe);
    if (rsvd) return fail(r, kind, user, PFERR_PRESENT | PFERR_RSVD, w);
    userPage &&= (lo & PTE_US) !== 0;
    writable &&= (lo & PTE_RW) !== 0;
    // XD counts only with EFER.NXE=1 (otherwise it is reserved and faulted above).
    executable &&= !nxe || (hi & PTE_NX_HI) === 0;
    // Leaf: level 1, or PS=1 at level 2 (2 MiB) or level 3 (1 GiB; reserved-bit check above
    // already refused it without GBPAGES, and PS at levels 4/5).
    if (level === 1 || (lo & PTE_PS) !== 0) {
      const frameHi = hi & 0xfffff;
      let low: number;
      if (level === 1) low = (lo & 0xfffff000) | (gvaLo & 0xfff);
      else if (level === 2) low = (lo & 0xffe00000) | (gvaLo & 0x001fffff);
      else low = (lo & 0xc0000000) | (gvaLo & 0x3fffffff);
      w.gpa = frameHi * TWO32 + (low >>> 0);
      w.level = level;
      // Protection key: leaf bits 62:59 (SDM 4.6.2); only consulted in IA-32e mode with PKE.
      const pkey = pae ? 0 : (hi >>> PTE_PKEY_SHIFT_HI) & 0xf;
      w.userPage = userPage;
      w.writable = writable;
      w.executable = executable;
      w.pkey = pkey;
      w.leafLo = lo;
      const bits = accessFault(r, kind, user, implicit, userPage, writable, executable, pkey);
      return bits === 0 ? true : fail(r, kind, user, bits, w);
    }
    tableLo = (lo & 0xfffff000) >>> 0;
    tableHi = hi & 0xfffff;
  }
}
