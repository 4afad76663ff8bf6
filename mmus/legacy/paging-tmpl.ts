// The guest page-table walker "template", instantiated once per x86 gpte format (paging32 and
// paging64) like arch/x86/kvm/mmu/paging_tmpl.h: FNAME(walk_addr_generic), the A/D updater and
// FNAME(gva_to_gpa). LEG behaviour (kvm-mmu-model §5.1, §5.6, §5.7): ACC X=1 W=2 U=4, fetch bit in
// the error code iff role efer_nx || ext.cr4_smep, A/D only after a fully successful walk.
// With shadow paging the template also provides FNAME(page_fault), FNAME(fetch) and
// FNAME(sync_spte) over the shadow page machinery (shadow-mmu.ts).
// The template never imports mmu.ts; mmu.ts "includes" it and passes permission_fault and the
// fault injection in.
import { NOT_BACKED } from '../memory/guest-memory.js';
import { PFERR_FETCH, PFERR_PRESENT, PFERR_RSVD, PFERR_USER, PFERR_WRITE, PTE_A, PTE_D, PTE_NX_HI, PTE_PS } from '../x86/bits.js';
import {
  ACC_EXEC_MASK,
  ACC_USER_MASK,
  ACC_WRITE_MASK,
  EXT_CR4_PSE,
  EXT_CR4_SMEP,
  INVALID_GPA,
  PF_VECTOR,
  PG_LEVEL_4K,
  PT32E_ROOT_LEVEL,
  PT32_ROOT_LEVEL,
  RET_PF_EMULATE,
  RET_PF_RETRY,
  ROLE_CR0_WP,
  ROLE_EFER_NX,
  ROLE_LEVEL_MASK,
  ROLE_QUADRANT_MASK,
  ROLE_QUADRANT_SHIFT,
  type GuestWalker,
  type GvaToGpaFn,
  type KvmMmu,
  type KvmMmuPage,
  type KvmPageFault,
  type KvmVcpu,
  type PageFaultFn,
  type SyncSpteFn,
  type X86Exception,
} from './kvm-host.js';
import {
  SPTE_SPAN,
  SYNC_SPTE_FAILED,
  SYNC_SPTE_FLUSH,
  SYNC_SPTE_NO_FLUSH,
  clear_sp_write_flooding_count,
  drop_leaf_spte,
  is_mmio_leaf,
  page_fault_handle_page_track,
  kvm_mmu_child_role,
  kvm_mmu_get_child_sp,
  mmu_set_spte,
  role_access,
  shadow_index,
  shadow_root_for,
  sync_mmio_spte,
  sync_rebuild_spte,
} from './shadow-mmu.js';

/** The per-format constants of one instantiation (PTTYPE in paging_tmpl.h). */
export interface PagingTmplFormat {
  /** The FNAME prefix. */
  readonly name: 'paging32' | 'paging64';
  /** 8-byte gptes with NX (bit 63) and protection keys (bits 62:59); else 4-byte gptes. */
  readonly is64: boolean;
}

export const PTTYPE_32: PagingTmplFormat = { name: 'paging32', is64: false };
export const PTTYPE_64: PagingTmplFormat = { name: 'paging64', is64: true };

/** What the including file provides (mmu.h's permission_fault). */
export interface PagingTmplHooks {
  permission_fault(vcpu: KvmVcpu, mmu: KvmMmu, pte_access: number, pte_pkey: number, access: number): number;
  /** kvm_inject_emulated_page_fault (x86.c). */
  inject_emulated_page_fault(vcpu: KvmVcpu, fault: X86Exception): void;
}

export interface PagingTmpl {
  /** FNAME(walk_addr_generic): true on success (walker.gpa, walker.level), false with walker.fault. */
  walk_addr_generic(walker: GuestWalker, vcpu: KvmVcpu, mmu: KvmMmu, addr_lo: number, addr_hi: number, access: number): boolean;
  gva_to_gpa: GvaToGpaFn;
  /** FNAME(page_fault): a shadow page fault at fault.addr (a gva). */
  page_fault: PageFaultFn;
  /** FNAME(sync_spte): re-derive SPTE i of an unsync level-1 page from its gpte. */
  sync_spte: SyncSpteFn;
}

const WALK_FAULT = 0;
const WALK_OK = 1;
const WALK_RETRY = 2;

/**
 * A retry happens only when an A/D cmpxchg finds a gpte this same walk already changed (a table
 * that maps itself); every retry sets at least one more A/D bit, so the count is small. Going
 * past this bound is a model bug.
 */
const MAX_WALK_RETRIES = 64;

const TWO_32 = 4294967296;
const PAGE_MASK_LO = 0xfffff000;

export function instantiatePagingTmpl(fmt: PagingTmplFormat, hooks: PagingTmplHooks): PagingTmpl {
  const IS64 = fmt.is64;
  const PTE_SIZE = IS64 ? 8 : 4;
  // Leaf frame / page-offset masks of the low half, by level (index 0 unused).
  const LVL_FRAME_LO = IS64 ? [0, 0xfffff000, 0xffe00000, 0xc0000000] : [0, 0xfffff000, 0xffc00000];
  const LVL_OFFSET_LO = IS64 ? [0, 0xfff, 0x1fffff, 0x3fffffff] : [0, 0xfff, 0x3fffff];

  /** PT_INDEX(addr, level). */
  function pt_index(addr_lo: number, addr_hi: number, level: number): number {
    if (!IS64) return level === 2 ? addr_lo >>> 22 : (addr_lo >>> 12) & 0x3ff;
    switch (level) {
      case 1:
        return (addr_lo >>> 12) & 511;
      case 2:
        return (addr_lo >>> 21) & 511;
      case 3:
        return ((addr_lo >>> 30) | (addr_hi << 2)) & 511;
      case 4:
        return (addr_hi >>> 7) & 511;
      default:
        return (addr_hi >>> 16) & 511;
    }
  }

  /** FNAME(gpte_access) on an accumulated AND (NX carried separately as "any level had NX"). */
  function gpte_access(acc_lo: number, any_nx: number): number {
    return (acc_lo & (ACC_WRITE_MASK | ACC_USER_MASK)) | ((acc_lo & ACC_EXEC_MASK) ^ (any_nx !== 0 ? 1 : 0));
  }

  /** FNAME(is_rsvd_bits_set): rsvd_bits_mask[bit 7][level-1], then bad_mt_xwr on bits 5:0. */
  function is_rsvd_bits_set(mmu: KvmMmu, lo: number, hi: number, level: number): boolean {
    const rc = mmu.guest_rsvd_check;
    const i = ((lo >>> 7) & 1) * 5 + level - 1;
    if (((lo & rc.rsvd_bits_mask_lo[i]) | (hi & rc.rsvd_bits_mask_hi[i])) !== 0) return true;
    const low6 = lo & 0x3f;
    return ((low6 < 32 ? rc.bad_mt_xwr_lo >>> low6 : rc.bad_mt_xwr_hi >>> (low6 - 32)) & 1) !== 0;
  }

  /** FNAME(is_last_gpte): level 1 always ends; bit 7 ends higher levels (32-bit: only PDE with CR4.PSE). */
  function is_last_gpte(mmu: KvmMmu, level: number, lo: number): boolean {
    if (level === PG_LEVEL_4K) return true;
    if (!IS64 && (level !== PT32_ROOT_LEVEL || (mmu.cpu_role.ext & EXT_CR4_PSE) === 0)) return false;
    return (lo & PTE_PS) !== 0;
  }

  /** FNAME(protect_clean_gpte): a clean leaf gives no write right to the SPTE (forces the D update later). */
  function protect_clean_gpte(access: number, lo: number): number {
    return (lo & PTE_D) !== 0 ? access : access & ~ACC_WRITE_MASK;
  }

  function walk_error(vcpu: KvmVcpu, mmu: KvmMmu, walker: GuestWalker, errcode: number, access: number, addr_lo: number, addr_hi: number): number {
    errcode |= access & (PFERR_WRITE | PFERR_USER);
    if ((access & PFERR_FETCH) !== 0 && ((mmu.cpu_role.base & ROLE_EFER_NX) !== 0 || (mmu.cpu_role.ext & EXT_CR4_SMEP) !== 0)) {
      errcode |= PFERR_FETCH;
    }
    const f = walker.fault;
    f.vector = PF_VECTOR;
    f.error_code_valid = true;
    f.error_code = errcode;
    f.address_lo = addr_lo;
    f.address_hi = addr_hi;
    f.nested_page_fault = mmu !== vcpu.arch.walk_mmu;
    f.async_page_fault = false;
    return WALK_FAULT;
  }

  /**
   * FNAME(update_accessed_dirty_bits): from the top level down, A where missing and D on the leaf
   * of a write; each gpte is compare-exchanged against the value the walk read. Returns true when
   * a gpte changed under us (the walk must restart).
   */
  function update_accessed_dirty_bits(vcpu: KvmVcpu, walker: GuestWalker, write_fault: boolean): boolean {
    const mem = vcpu.kvm.memory;
    const log = vcpu.kvm.log;
    for (let level = walker.max_level; level >= walker.level; --level) {
      const orig_lo = walker.ptes_lo[level - 1];
      const orig_hi = walker.ptes_hi[level - 1];
      let lo = orig_lo | PTE_A;
      if (level === walker.level && write_fault) lo |= PTE_D;
      lo >>>= 0;
      if (lo === orig_lo) continue;
      // Gptes in read-only (ROM) slots are silently left alone.
      const slot = mem.findSlot(walker.table_gfn[level - 1]);
      if (slot === undefined || slot.readonly) continue;
      const gpa = walker.pte_gpa[level - 1];
      const cur_lo = mem.read32(gpa);
      const cur_hi = IS64 ? mem.read32(gpa + 4) : 0;
      if (cur_lo !== orig_lo || cur_hi !== orig_hi) return true;
      mem.write(gpa, 4, lo, 0);
      // KVM also marks the table gfn dirty here; the model contract reports no event for it.
      log.push({ type: 'set_ad', gpa, value: { lo, hi: orig_hi } });
      walker.ptes_lo[level - 1] = lo;
    }
    return false;
  }

  function walk_once(walker: GuestWalker, vcpu: KvmVcpu, mmu: KvmMmu, addr_lo: number, addr_hi: number, access: number): number {
    const mem = vcpu.kvm.memory;
    const write_fault = (access & PFERR_WRITE) !== 0;

    let level = mmu.cpu_role.base & ROLE_LEVEL_MASK;
    const pgd = mmu.get_guest_pgd(vcpu);
    // pt_element_t truncation: a 32-bit walker sees only CR3[31:0].
    let pte_lo = pgd >>> 0;
    let pte_hi = IS64 ? Math.floor(pgd / TWO_32) >>> 0 : 0;

    if (IS64 && level === PT32E_ROOT_LEVEL) {
      mmu.get_pdptr(vcpu, (addr_lo >>> 30) & 3, walker.pdpte);
      pte_lo = walker.pdpte[0];
      pte_hi = walker.pdpte[1];
      if ((pte_lo & 1) === 0) return walk_error(vcpu, mmu, walker, 0, access, addr_lo, addr_hi);
      --level;
    }
    walker.max_level = level;

    // Running AND of the gptes (low half) and OR of their NX bits: NX inverted ANDs like a right.
    let acc_lo = -1;
    let any_nx = 0;
    ++level;
    do {
      const pt_acc_lo = acc_lo;
      const pt_nx = any_nx;
      --level;
      const index = pt_index(addr_lo, addr_hi, level);
      const table = IS64 ? (pte_hi & 0xfffff) * TWO_32 + ((pte_lo & PAGE_MASK_LO) >>> 0) : (pte_lo & PAGE_MASK_LO) >>> 0;
      const pte_gpa = table + index * PTE_SIZE;
      walker.table_gfn[level - 1] = table / 4096;
      walker.pte_gpa[level - 1] = pte_gpa;

      // kvm_translate_gpa is the identity: this walker is never nested_mmu in this scope.
      // A table outside every visible memslot reads as not-present.
      const lo = mem.read32(pte_gpa);
      if (lo === NOT_BACKED) return walk_error(vcpu, mmu, walker, 0, access, addr_lo, addr_hi);
      pte_lo = lo;
      pte_hi = IS64 ? mem.read32(pte_gpa + 4) : 0;

      acc_lo &= pte_lo;
      if (IS64) any_nx |= pte_hi & PTE_NX_HI;

      if ((pte_lo & 1) === 0) return walk_error(vcpu, mmu, walker, 0, access, addr_lo, addr_hi);
      if (is_rsvd_bits_set(mmu, pte_lo, pte_hi, level)) {
        return walk_error(vcpu, mmu, walker, PFERR_RSVD | PFERR_PRESENT, access, addr_lo, addr_hi);
      }
      walker.ptes_lo[level - 1] = pte_lo;
      walker.ptes_hi[level - 1] = pte_hi;
      walker.pt_access[level - 1] = gpte_access(pt_acc_lo, pt_nx);
    } while (!is_last_gpte(mmu, level, pte_lo));

    walker.level = level;
    const pte_pkey = IS64 ? (pte_hi >>> 27) & 0xf : 0;
    let accessed_dirty = acc_lo & PTE_A;
    let pte_access = gpte_access(acc_lo, any_nx);

    const errcode = hooks.permission_fault(vcpu, mmu, pte_access, pte_pkey, access);
    if (errcode !== 0) return walk_error(vcpu, mmu, walker, errcode, access, addr_lo, addr_hi);

    let gpa = (pte_hi & 0xfffff) * TWO_32 + (((pte_lo & LVL_FRAME_LO[level]) | (addr_lo & LVL_OFFSET_LO[level])) >>> 0);
    if (!IS64 && level > PG_LEVEL_4K && vcpu.kvm.caps.pse36) gpa += ((pte_lo >>> 13) & 0xf) * TWO_32;
    // The final gpa would go through kvm_translate_gpa too: identity here.

    if (!write_fault) pte_access = protect_clean_gpte(pte_access, pte_lo);
    else accessed_dirty &= pte_lo >>> 1;
    walker.pte_access = pte_access;

    if (accessed_dirty === 0 && update_accessed_dirty_bits(vcpu, walker, write_fault)) return WALK_RETRY;

    walker.gpa = gpa;
    return WALK_OK;
  }

  function walk_addr_generic(walker: GuestWalker, vcpu: KvmVcpu, mmu: KvmMmu, addr_lo: number, addr_hi: number, access: number): boolean {
    for (let attempt = 0; attempt < MAX_WALK_RETRIES; attempt++) {
      const r = walk_once(walker, vcpu, mmu, addr_lo, addr_hi, access);
      if (r !== WALK_RETRY) return r === WALK_OK;
    }
    throw new Error(`legacy ${fmt.name}: A/D update retried ${MAX_WALK_RETRIES} times`);
  }

  function gva_to_gpa(vcpu: KvmVcpu, mmu: KvmMmu, addr_lo: number, addr_hi: number, access: number, exception: X86Exception): number {
    const walker = vcpu.arch.walker;
    if (walk_addr_generic(walker, vcpu, mmu, addr_lo, addr_hi, access)) return walker.gpa;
    const f = walker.fault;
    exception.vector = f.vector;
    exception.error_code_valid = f.error_code_valid;
    exception.error_code = f.error_code;
    exception.nested_page_fault = f.nested_page_fault;
    exception.address_lo = f.address_lo;
    exception.address_hi = f.address_hi;
    exception.async_page_fault = f.async_page_fault;
    return INVALID_GPA;
  }

  /**
   * FNAME(fetch): from the root down to the guest leaf level, link the shadow page of each
   * guest table (access = the guest rights above it); below a guest huge page, direct pages;
   * then the leaf. Every page on the way has its flooding count cleared.
   */
  function fetch(vcpu: KvmVcpu, fault: KvmPageFault, gw: GuestWalker, direct_access: number): number {
    const lo = fault.addr;
    const hi = fault.addr_hi;
    let sp = shadow_root_for(vcpu, vcpu.arch.mmu.root, lo);
    // A dummy root (or a missing PAE root): KVM retries until the root is rebuilt.
    if (sp === null) return RET_PF_RETRY;
    while (sp.level > gw.level) {
      clear_sp_write_flooding_count(sp);
      const idx = shadow_index(sp.level, lo, hi);
      const child_level = sp.level - 1;
      const role = kvm_mmu_child_role(sp, idx, false, gw.pt_access[child_level - 1]);
      sp = kvm_mmu_get_child_sp(vcpu, sp, idx, gw.table_gfn[child_level - 1], role);
    }
    while (sp.level > PG_LEVEL_4K) {
      clear_sp_write_flooding_count(sp);
      const idx = shadow_index(sp.level, lo, hi);
      const base_gfn = fault.gfn - (fault.gfn % SPTE_SPAN[sp.level]);
      const role = kvm_mmu_child_role(sp, idx, true, direct_access);
      sp = kvm_mmu_get_child_sp(vcpu, sp, idx, base_gfn, role);
    }
    clear_sp_write_flooding_count(sp);
    return mmu_set_spte(vcpu, sp, shadow_index(PG_LEVEL_4K, lo, hi), direct_access, fault.gfn, fault.slot, fault.write);
  }

  /**
   * FNAME(page_fault): walk the guest tables (inject the walker's #PF on failure), then
   * emulate writes to read-only slots and write-tracked gfns, apply the CR0.WP = 0 trick and
   * fetch. RET_PF_EMULATE leaves the emulation (MMIO or the store) to the caller.
   */
  function page_fault(vcpu: KvmVcpu, fault: KvmPageFault): number {
    const mmu = vcpu.arch.mmu;
    const walker = vcpu.arch.walker;
    if (!walk_addr_generic(walker, vcpu, mmu, fault.addr, fault.addr_hi, fault.access & ~PFERR_RSVD)) {
      hooks.inject_emulated_page_fault(vcpu, walker.fault);
      return RET_PF_RETRY;
    }
    const kvm = vcpu.kvm;
    fault.gfn = Math.floor(walker.gpa / 4096);
    fault.slot = kvm.memory.findSlot(fault.gfn);
    fault.result_gpa = walker.gpa;
    fault.result_level = walker.level;
    if (page_fault_handle_page_track(vcpu, fault) === RET_PF_EMULATE) return RET_PF_EMULATE;
    const slot = fault.slot;
    let pte_access = walker.pte_access;
    // CR0.WP = 0: a supervisor write to a read-only page gets a writable, supervisor-only SPTE
    // (and not executable under SMEP); later user accesses fault back in for the user view.
    if (fault.write && (pte_access & ACC_WRITE_MASK) === 0 && (mmu.cpu_role.base & ROLE_CR0_WP) === 0 && !fault.user && slot !== undefined) {
      pte_access = (pte_access | ACC_WRITE_MASK) & ~ACC_USER_MASK;
      if (mmu.cpu_role.ext & EXT_CR4_SMEP) pte_access &= ~ACC_EXEC_MASK;
    }
    return fetch(vcpu, fault, walker, pte_access);
  }

  /** FNAME(get_level1_sp_gpa): a 4-byte guest PT is shadowed in two halves (the quadrant). */
  function level1_sp_gpa(sp: KvmMmuPage): number {
    const quadrant = IS64 ? 0 : (sp.role & ROLE_QUADRANT_MASK) >>> ROLE_QUADRANT_SHIFT;
    return sp.gfn * 4096 + quadrant * 512 * PTE_SIZE;
  }

  /**
   * FNAME(sync_spte): re-read the gpte behind SPTE i; drop the SPTE when the gpte is gone (not
   * present, reserved bits, no A) or maps another gfn; rebuild it (never writable) when the
   * rights changed.
   */
  function sync_spte(vcpu: KvmVcpu, sp: KvmMmuPage, i: number): number {
    const kvm = vcpu.kvm;
    const gpa = level1_sp_gpa(sp) + i * PTE_SIZE;
    const lo = kvm.memory.read32(gpa);
    if (lo === NOT_BACKED) return SYNC_SPTE_FAILED;
    const hi = IS64 ? kvm.memory.read32(gpa + 4) : 0;
    // FNAME(prefetch_invalid_gpte): the gpte is gone, whatever the SPTE (MMIO too).
    if ((lo & 1) === 0 || is_rsvd_bits_set(vcpu.arch.mmu, lo, hi, PG_LEVEL_4K) || (lo & PTE_A) === 0) {
      drop_leaf_spte(kvm, sp, i, 'sync');
      return SYNC_SPTE_FLUSH;
    }
    const gfn = IS64 ? (hi & 0xfffff) * 1048576 + (lo >>> 12) : lo >>> 12;
    const access = protect_clean_gpte(role_access(sp.role) & gpte_access(lo, IS64 ? hi & PTE_NX_HI : 0), lo);
    if (is_mmio_leaf(sp, i)) {
      sync_mmio_spte(kvm, sp, i, gfn, access);
      return SYNC_SPTE_NO_FLUSH;
    }
    if (gfn !== sp.gfns![i]) {
      drop_leaf_spte(kvm, sp, i, 'sync');
      return SYNC_SPTE_FLUSH;
    }
    if (access === sp.access![i]) return SYNC_SPTE_NO_FLUSH;
    return sync_rebuild_spte(kvm, sp, i, access);
  }

  return { walk_addr_generic, gva_to_gpa, page_fault, sync_spte };
}
