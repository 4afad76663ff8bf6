// The guest page walk (§5.1, §5.6, §5.7): ONE walk_addr_generic for every x86 gpte format,
// parameterized by the walker's PteLayout and kvm_page_format — the role paging_tmpl.h's PTTYPE
// instantiations play in KVM. Models arch/x86/kvm/mmu/paging_tmpl.h (kvm-chainsaw).
import { NOT_BACKED } from '../memory/guest-memory.js';
import { PAGE_SIZE, PFERR_FETCH, PFERR_PRESENT, PFERR_RSVD, PFERR_USER, PFERR_WRITE, PTE_A, PTE_D, PTE_P, PTE_PS } from '../x86/bits.js';
import { PT32E_ROOT_LEVEL } from './cpu-role.js';
import { ACC_EXEC, ACC_READ, ACC_USER, ACC_WRITE, EXT_CR4_PSE, EXT_HAS_PFERR_FETCH, ROLE_LEVEL_MASK } from './page-role.js';
import type { KvmPageWalk } from './pagewalk.js';
import { getPdptr } from './pdptr.js';
import { permissionFault } from './permission.js';
import type { Vcpu } from './vcpu.js';

const TWO_32 = 4294967296;

/** struct guest_walker: the state of one walk, reused across walks. */
export class GuestWalker {
  /** Leaf level on success (0 = paging off). */
  level = 0;
  maxLevel = 0;
  /** gptes read, by level - 1, as halves; and their guest-physical addresses. */
  readonly pteLo = new Uint32Array(5);
  readonly pteHi = new Uint32Array(5);
  readonly pteGpa = new Float64Array(5);
  readonly pdpte = new Uint32Array(2);
  /** ACC rights of the translation (AND over the levels). */
  pteAccess = 0;
  /** Success: the translated guest-physical address. */
  gpa = 0;
  /** Failure: the #PF error code. */
  errorCode = 0;
}

/**
 * walk_addr_generic: translates the GVA (lo/hi halves, already truncated to 32 bits outside long
 * mode) with walker w for `access` (PFERR W/U/F | ACCESS_IMPLICIT). Returns true with
 * v.walker.gpa/level, A/D bits written and `set_ad` events logged; or false with
 * v.walker.errorCode and guest memory untouched.
 */
export function walkAddrGeneric(v: Vcpu, w: KvmPageWalk, gvaLo: number, gvaHi: number, access: number): boolean {
  const gw = v.walker;
  const layout = w.layout;
  if (layout === null) {
    // nonpaging_gva_to_gpa: identity, no checks.
    gw.gpa = gvaLo >>> 0;
    gw.level = 0;
    return true;
  }
  const mem = v.mem;
  const fmt = w.fmt;
  const base = w.cpuRole.base;
  const wide = layout.entryBytes === 8;
  const levelBits = layout.levelBits;
  const indexMask = (1 << levelBits) - 1;
  let level = base & ROLE_LEVEL_MASK;
  let pteLo = v.cr3Lo;
  let pteHi = wide ? v.cr3Hi : 0;
  let errorCode = 0;

  walk: {
    if (wide && level === PT32E_ROOT_LEVEL) {
      // PAE: the PDPTE comes from get_pdptr; only its P bit is checked, its rights do not count.
      getPdptr(v, (gvaLo >>> 30) & 3, gw.pdpte);
      pteLo = gw.pdpte[0];
      pteHi = gw.pdpte[1];
      if ((pteLo & PTE_P) === 0) break walk;
      level = 2;
    }
    gw.maxLevel = level;
    let accLo = -1;
    let nx = 0;
    let gLo = 0;
    let gHi = 0;
    for (;;) {
      const shift = 12 + levelBits * (level - 1);
      const index = shift >= 32 ? (gvaHi >>> (shift - 32)) & indexMask : ((gvaLo >>> shift) | (gvaHi << (32 - shift))) & indexMask;
      const tableGpa = (pteHi & layout.frameHiMask) * TWO_32 + ((pteLo & 0xfffff000) >>> 0);
      const gpteGpa = tableGpa + index * layout.entryBytes;
      gLo = mem.read32(gpteGpa);
      // A table outside every memslot reads as not present.
      if (gLo === NOT_BACKED) break walk;
      gHi = wide ? mem.read32(gpteGpa + 4) : 0;
      gw.pteLo[level - 1] = gLo;
      gw.pteHi[level - 1] = gHi;
      gw.pteGpa[level - 1] = gpteGpa;
      if ((gLo & PTE_P) === 0) break walk;
      const ri = ((gLo >>> 7) & 1) * 5 + level - 1;
      if (((gLo & fmt.rsvdLo[ri]) | (gHi & fmt.rsvdHi[ri])) !== 0) {
        errorCode = PFERR_RSVD | PFERR_PRESENT;
        break walk;
      }
      accLo &= gLo;
      nx |= gHi & layout.nxHiMask;
      if (level === 1) break;
      // is_last_gpte: PS ends the walk; in 32-bit paging only at level 2 and only with CR4.PSE.
      if ((gLo & PTE_PS) !== 0 && (!layout.psNeedsCr4Pse || (level === 2 && (w.cpuRole.ext & EXT_CR4_PSE) !== 0))) break;
      level--;
      pteLo = gLo;
      pteHi = gHi;
    }
    gw.level = level;
    // Rights in ACC form: P/R/W and U/S sit at their gpte positions; EXEC is the inverted NX.
    const pteAccess = (accLo & (ACC_READ | ACC_WRITE | ACC_USER)) | (nx === 0 ? ACC_EXEC : 0);
    gw.pteAccess = pteAccess;
    const pkey = layout.hasPkey ? (gHi >>> 27) & 15 : 0;
    const write = (access & PFERR_WRITE) !== 0;
    // Accessed/dirty update needed unless every level has A (and, for a write, the leaf has D).
    const needAd = (accLo & (write ? gLo >>> 1 : -1) & PTE_A) === 0;

    if (v.bug.accessedOnFaultingWalk && needAd && !updateAccessedDirtyBits(v, gw, write, wide)) {
      return walkAddrGeneric(v, w, gvaLo, gvaHi, access);
    }
    const pf = permissionFault(v, w, pteAccess, pkey, access);
    if (pf !== 0) {
      errorCode = pf;
      break walk;
    }

    const pageShift = 12 + levelBits * (level - 1);
    const offsetMask = pageShift >= 32 ? -1 : (1 << pageShift) - 1;
    let gpaHi = gHi & layout.frameHiMask;
    if (layout.pse36 && level === 2 && v.hasPse36 && !v.bug.pse36HighBitsDropped) gpaHi |= (gLo >>> 13) & 0xf;
    const gpaLo = ((gLo & ~offsetMask & 0xfffff000) | (gvaLo & offsetMask)) >>> 0;
    gw.gpa = gpaHi * TWO_32 + gpaLo;

    // A gpte changed under us (a table that maps itself): walk again, as KVM does after a failed cmpxchg.
    if (needAd && !v.bug.accessedOnFaultingWalk && !updateAccessedDirtyBits(v, gw, write, wide)) {
      return walkAddrGeneric(v, w, gvaLo, gvaHi, access);
    }
    return true;
  }

  // Error path: W and U come from the access; I/D only when the role reports fetch faults.
  errorCode |= access & (PFERR_WRITE | PFERR_USER);
  if ((access & PFERR_FETCH) !== 0 && (w.cpuRole.ext & EXT_HAS_PFERR_FETCH) !== 0) errorCode |= PFERR_FETCH;
  gw.errorCode = errorCode;
  return false;
}

/**
 * update_accessed_dirty_bits: from the top level down, A on every gpte lacking it, D on the leaf
 * of a write. gptes in read-only memslots are left alone. Each changed gpte is one `set_ad`.
 * Each store is a compare-and-exchange against the gpte the walk read: returns false when memory
 * no longer holds it (an earlier store of this loop hit the same gpte), so the caller re-walks.
 */
function updateAccessedDirtyBits(v: Vcpu, gw: GuestWalker, write: boolean, wide: boolean): boolean {
  const leaf = gw.level;
  for (let level = gw.maxLevel; level >= leaf; level--) {
    const orig = gw.pteLo[level - 1];
    let pte = orig | PTE_A;
    if (write && (level === leaf || v.bug.dirtyOnNonLeaf)) pte |= PTE_D;
    pte >>>= 0;
    if (pte === orig) continue;
    const gpa = gw.pteGpa[level - 1];
    const slot = v.mem.findSlot(Math.floor(gpa / PAGE_SIZE));
    if (slot === undefined || slot.readonly) continue;
    if (v.mem.read32(gpa) !== orig || (wide && v.mem.read32(gpa + 4) !== gw.pteHi[level - 1])) return false;
    // A and D live in the low half, so a 4-byte store updates either gpte size.
    v.mem.write(gpa, 4, pte, 0);
    gw.pteLo[level - 1] = pte;
    v.events.push({ type: 'set_ad', gpa, value: { lo: pte, hi: gw.pteHi[level - 1] } });
  }
  return true;
}
