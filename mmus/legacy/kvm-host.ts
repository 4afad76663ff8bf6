// The legacy model's structures: struct kvm_mmu and its parts, the vCPU's arch fields and the
// per-VM state the MMU reads. Models arch/x86/include/asm/kvm_host.h and mmu/mmu_internal.h
// as they were before the 2026 split (LEG, ≈v6.10–6.12).
//
// LEGACY SHAPE ON PURPOSE: this backend is the *subject under test*. KvmMmu is the monolithic
// "god struct" (walker + page format + page-table builder in one), swapped around through
// function-pointer fields and the vcpu->arch.mmu / walk_mmu pointers, exactly the shape the
// kvm-chainsaw series took apart. Do not tidy it into the refactored design.
import type { FlushScope, MmuEvent, U64 } from '../backend.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import type { Memslot } from '../memory/memslot.js';
import type { SpteMasks } from './spte.js';
import { CR0_RESET, RFLAGS_FIXED } from '../x86/bits.js';

// ---- ACC_* (LEG encoding: 3 bits, X = P) --------------------------------------------------
export const ACC_EXEC_MASK = 1;
export const ACC_WRITE_MASK = 2;
export const ACC_USER_MASK = 4;
export const ACC_ALL = ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK;

// ---- union kvm_mmu_page_role, LEG bit layout (kvm-mmu-model §1.2, LEG column) --------------
export const ROLE_LEVEL_MASK = 0xf;
export const ROLE_HAS_4_BYTE_GPTE = 1 << 4;
export const ROLE_QUADRANT_SHIFT = 5;
export const ROLE_QUADRANT_MASK = 3 << ROLE_QUADRANT_SHIFT;
export const ROLE_DIRECT = 1 << 7;
export const ROLE_ACCESS_SHIFT = 8;
export const ROLE_ACCESS_MASK = 7 << ROLE_ACCESS_SHIFT;
export const ROLE_INVALID = 1 << 11;
export const ROLE_EFER_NX = 1 << 12;
export const ROLE_CR0_WP = 1 << 13;
export const ROLE_SMEP_ANDNOT_WP = 1 << 14;
export const ROLE_SMAP_ANDNOT_WP = 1 << 15;
export const ROLE_AD_DISABLED = 1 << 16;
export const ROLE_GUEST_MODE = 1 << 17;
export const ROLE_PASSTHROUGH = 1 << 18;
export const ROLE_SMM_SHIFT = 24;

// ---- union kvm_mmu_extended_role, LEG bit layout (§1.3) ------------------------------------
export const EXT_VALID = 1 << 0;
export const EXT_EXECONLY = 1 << 1;
export const EXT_CR4_PSE = 1 << 2;
export const EXT_CR4_PKE = 1 << 3;
export const EXT_CR4_SMAP = 1 << 4;
export const EXT_CR4_SMEP = 1 << 5;
export const EXT_CR4_LA57 = 1 << 6;
export const EXT_EFER_LMA = 1 << 7;

// ---- paging levels -------------------------------------------------------------------------
export const PG_LEVEL_4K = 1;
export const PT32_ROOT_LEVEL = 2;
export const PT32E_ROOT_LEVEL = 3;
export const PT64_ROOT_4LEVEL = 4;
export const PT64_ROOT_5LEVEL = 5;

/**
 * KVM's PFERR_IMPLICIT_ACCESS is bit 48 of a u64 access code. This model keeps access codes in
 * 32-bit ints, so the flag sits at bit 30 instead; like bit 48 it never reaches an error code
 * (permission_fault strips it, and callers only copy W/U/F into the fault).
 */
export const PFERR_IMPLICIT_ACCESS = 1 << 30;

/** kvm_mmu_gva_to_gpa & co. return this for a failed translation (KVM: INVALID_GPA = ~0). */
export const INVALID_GPA = -1;

export const PF_VECTOR = 14;

// ---- RET_PF_* ------------------------------------------------------------------------------
export const RET_PF_CONTINUE = 0;
export const RET_PF_RETRY = 1;
export const RET_PF_EMULATE = 2;
export const RET_PF_WRITE_PROTECTED = 3;
export const RET_PF_INVALID = 4;
export const RET_PF_FIXED = 5;
export const RET_PF_SPURIOUS = 6;

// ---- KVM_REQ_* that this scope raises ------------------------------------------------------
export const KVM_REQ_TLB_FLUSH = 1 << 0;
export const KVM_REQ_TLB_FLUSH_GUEST = 1 << 1;
export const KVM_REQ_TLB_FLUSH_CURRENT = 1 << 2;
export const KVM_REQ_LOAD_MMU_PGD = 1 << 3;
export const KVM_REQ_MMU_SYNC = 1 << 4;
export const KVM_REQ_MMU_FREE_OBSOLETE_ROOTS = 1 << 5;

/** What a KvmMmuPage object stands for (the shadow MMU also uses two non-sp root values). */
export const SP_TDP = 0;
export const SP_SHADOW = 1;
/** The per-MMU PAE root page (mmu->pae_root): four shadow roots, no struct kvm_mmu_page. */
export const SP_PAE_ROOT = 2;
/** The dummy root (the zero page) used while the guest CR3 is outside every memslot. */
export const SP_DUMMY_ROOT = 3;

/**
 * struct kvm_mmu_page: one 512-entry table keyed by (gfn, role). TDP MMU pages use only the
 * table; shadow MMU pages also carry shadowed_translation, unsync state, parent_ptes, the
 * write-flooding count and root_count.
 */
export class KvmMmuPage {
  /** Non-leaf tables: the child table each SPTE points to (null = non-present SPTE). */
  readonly children: (KvmMmuPage | null)[] | null;
  /** Level-1 tables: the leaf SPTEs as 32-bit halves (0 = non-present). */
  readonly spte_lo: Uint32Array | null;
  readonly spte_hi: Uint32Array | null;
  /** Shadow level-1 tables: shadowed_translation gfn of each SPTE (also an MMIO SPTE's gfn). */
  readonly gfns: Float64Array | null;
  /** Shadow level-1 tables: shadowed_translation access (ACC_*) of each SPTE. */
  readonly access: Uint8Array | null;
  /** Shadow level-1 tables: memslot generation stamped into an MMIO SPTE. */
  readonly mmio_gen: Float64Array | null;

  // ---- shadow MMU bookkeeping ----
  unsync = false;
  /** Child slots whose child is unsync or has unsync children (exact, unlike KVM's lazy bitmap). */
  unsync_children = 0;
  write_flooding_count = 0;
  root_count = 0;
  /** role.invalid: zapped (while possibly still referenced as a root). */
  invalid = false;
  /** parent_ptes: the (parent sp, index) SPTEs that point to this page. */
  readonly parent_sps: KvmMmuPage[] = [];
  readonly parent_idx: number[] = [];
  /** Scratch stamp for de-duplicating walks over the shadow tree. */
  visit = 0;

  constructor(
    /** Base gfn of the range this table maps (direct pages), or the guest table it shadows. */
    readonly gfn: number,
    /** LEG-layout kvm_mmu_page_role word. */
    readonly role: number,
    readonly kind: number = SP_TDP,
  ) {
    if (kind === SP_PAE_ROOT || kind === SP_DUMMY_ROOT) {
      this.children = null;
      this.spte_lo = this.spte_hi = null;
      this.gfns = this.mmio_gen = null;
      this.access = null;
    } else if ((role & ROLE_LEVEL_MASK) === PG_LEVEL_4K) {
      this.children = null;
      // One allocation per table (pages are made by the thousand): views into a single buffer.
      const shadow = kind === SP_SHADOW;
      const buf = new ArrayBuffer(shadow ? 512 * (8 + 8 + 4 + 4 + 1) : 512 * 8);
      this.spte_lo = new Uint32Array(buf, 0, 512);
      this.spte_hi = new Uint32Array(buf, 4 * 512, 512);
      this.gfns = shadow ? new Float64Array(buf, 8 * 512, 512) : null;
      this.mmio_gen = shadow ? new Float64Array(buf, 16 * 512, 512) : null;
      this.access = shadow ? new Uint8Array(buf, 24 * 512, 512) : null;
    } else {
      this.children = new Array<KvmMmuPage | null>(512).fill(null);
      this.spte_lo = this.spte_hi = null;
      this.gfns = this.mmio_gen = null;
      this.access = null;
    }
  }

  get level(): number {
    return this.role & ROLE_LEVEL_MASK;
  }
}

/** struct kvm_mmu_root_info: hpa null plays INVALID_PAGE. */
export class KvmMmuRootInfo {
  pgd = 0;
  hpa: KvmMmuPage | null = null;
}

/** union kvm_cpu_role: base (kvm_mmu_page_role) + ext (kvm_mmu_extended_role), LEG layouts. */
export class KvmCpuRole {
  base = 0;
  ext = 0;
}

/**
 * struct rsvd_bits_validate. rsvd_bits_mask[ps][level-1] is stored flat at ps*5 + level-1,
 * each 64-bit mask as two halves.
 */
export class RsvdBitsValidate {
  readonly rsvd_bits_mask_lo = new Uint32Array(10);
  readonly rsvd_bits_mask_hi = new Uint32Array(10);
  bad_mt_xwr_lo = 0;
  bad_mt_xwr_hi = 0;
}

/** struct x86_exception as the walkers fill it. */
export class X86Exception {
  vector = 0;
  error_code_valid = false;
  error_code = 0;
  nested_page_fault = false;
  address_lo = 0;
  address_hi = 0;
  async_page_fault = false;
}

/** struct kvm_page_fault (the parts the TDP MMU reads). */
export class KvmPageFault {
  addr = 0;
  error_code = 0;
  exec = false;
  write = false;
  present = false;
  user = false;
  prefetch = false;
  is_tdp = true;
  gfn = 0;
  slot: Memslot | undefined = undefined;
  pfn = 0;
  map_writable = false;
  goal_level = PG_LEVEL_4K;
  /** Shadow paging: the faulting gva (addr is its low half) and the access code walked with. */
  addr_hi = 0;
  access = 0;
  /** Shadow paging: what the access resolved to (the gpa and guest leaf level reported). */
  result_gpa = 0;
  result_level = 0;
}

/**
 * struct guest_walker. KVM keeps it on the stack of FNAME(walk_addr_generic); the model keeps
 * one per vCPU (no allocation per walk) and lets the backend adapter read the leaf level.
 */
export class GuestWalker {
  level = 0;
  max_level = 0;
  readonly table_gfn = new Float64Array(5);
  readonly pte_gpa = new Float64Array(5);
  readonly ptes_lo = new Uint32Array(5);
  readonly ptes_hi = new Uint32Array(5);
  readonly pt_access = new Uint8Array(5);
  pte_access = 0;
  /** Result gpa of the last successful walk (KVM: walker.gfn plus the page offset). */
  gpa = 0;
  /** get_pdptr output. */
  readonly pdpte = new Uint32Array(2);
  readonly fault = new X86Exception();
}

export type GetGuestPgdFn = (vcpu: KvmVcpu) => number;
export type GetPdptrFn = (vcpu: KvmVcpu, index: number, out: Uint32Array) => void;
export type PageFaultFn = (vcpu: KvmVcpu, fault: KvmPageFault) => number;
export type InjectPageFaultFn = (vcpu: KvmVcpu, fault: X86Exception) => void;
/** Returns the gpa (a number below 2^52) or INVALID_GPA with `exception` filled. */
export type GvaToGpaFn = (
  vcpu: KvmVcpu,
  mmu: KvmMmu,
  addr_lo: number,
  addr_hi: number,
  access: number,
  exception: X86Exception,
) => number;
export type SyncSpteFn = (vcpu: KvmVcpu, sp: KvmMmuPage, i: number) => number;

function uninitialized(): never {
  throw new Error('legacy: struct kvm_mmu callback used before kvm_init_mmu');
}

/** struct kvm_mmu, LEG (kvm-mmu-model §2.1). */
export class KvmMmu {
  get_guest_pgd: GetGuestPgdFn = uninitialized;
  get_pdptr: GetPdptrFn = uninitialized;
  page_fault: PageFaultFn | null = null;
  inject_page_fault: InjectPageFaultFn = uninitialized;
  gva_to_gpa: GvaToGpaFn = uninitialized;
  sync_spte: SyncSpteFn | null = null;

  readonly root = new KvmMmuRootInfo();
  readonly prev_roots: readonly KvmMmuRootInfo[] = [new KvmMmuRootInfo(), new KvmMmuRootInfo(), new KvmMmuRootInfo()];

  readonly cpu_role = new KvmCpuRole();
  root_role = 0;

  /** mmu->pae_root: the four level-2 roots of a PAE / 32-bit / paging-off shadow MMU. */
  readonly pae_root: (KvmMmuPage | null)[] = [null, null, null, null];

  /** Permission-fault bitmap: permissions[pfec >> 1] bit a = an access with pfec faults on ACC a. */
  readonly permissions = new Uint8Array(16);
  pkru_mask = 0;

  /** Reserved bits of guest PTEs. */
  readonly guest_rsvd_check = new RsvdBitsValidate();
  /** Bits KVM must never set in its own SPTEs (sanity only in KVM; unused by this model). */
  readonly shadow_zero_check = new RsvdBitsValidate();

  /** Cached PAE PDPTEs; meaningful in the walk_mmu instance only. */
  readonly pdptrs_lo = new Uint32Array(4);
  readonly pdptrs_hi = new Uint32Array(4);
}

/** The guest CPU model and host capabilities this VM was created with (CPUID, module params). */
export interface KvmCaps {
  readonly vendor: 'intel' | 'amd';
  /** Guest MAXPHYADDR. */
  readonly maxphyaddr: number;
  readonly nx: boolean;
  readonly pse36: boolean;
  readonly gbpages: boolean;
  readonly smep: boolean;
  readonly smap: boolean;
  readonly pku: boolean;
  readonly pcid: boolean;
  readonly la57: boolean;
  /** enable_ept_ad_bits (Intel); AMD NPT always has A/D. */
  readonly ept_ad: boolean;
}

/**
 * Where the model's observable side effects go: KVM requests (flush requests become `flush`
 * events, deduplicated per operation because requests are bits) and MMU events in order.
 */
export class MmuEventLog {
  events: MmuEvent[] | null = null;
  requests = 0;

  begin(): void {
    this.events = null;
    this.requests = 0;
  }

  push(e: MmuEvent): void {
    if (this.events === null) this.events = [e];
    else this.events.push(e);
  }

  /** Raises request bits; the first raise of a flush request in an operation is an event. */
  request(req: number): void {
    const fresh = req & ~this.requests;
    this.requests |= req;
    if (fresh & KVM_REQ_TLB_FLUSH) this.push({ type: 'flush', scope: 'remote' });
    if (fresh & KVM_REQ_TLB_FLUSH_GUEST) this.push({ type: 'flush', scope: 'guest' });
    if (fresh & KVM_REQ_TLB_FLUSH_CURRENT) this.push({ type: 'flush', scope: 'current' });
  }

  /** A direct hardware flush of one gva (flush_tlb_gva), not a request. */
  flushGva(gva: U64): void {
    const scope: FlushScope = 'gva';
    const list = this.events;
    if (list !== null) {
      for (const e of list) {
        if (e.type === 'flush' && e.scope === scope && e.gva !== undefined && e.gva.lo === gva.lo && e.gva.hi === gva.hi) return;
      }
    }
    this.push({ type: 'flush', scope, gva });
  }
}

/** A leaf SPTE as the write-protection reverse map holds it. */
export interface RmapEntry {
  readonly sp: KvmMmuPage;
  readonly i: number;
}

/** struct kvm (the VM): memslots, TDP MMU roots, the shadow MMU's page hash, capabilities. */
export class Kvm {
  /** kvm->arch.tdp_mmu_roots. */
  readonly tdp_mmu_roots: KvmMmuPage[] = [];
  readonly log = new MmuEventLog();
  /** tdp_enabled (the ept/npt module parameters): false = shadow paging. */
  readonly tdp_enabled: boolean;

  // ---- shadow MMU (tdp_enabled = false) ----
  /** kvm->arch.mmu_page_hash: gfn -> the valid shadow pages of that gfn. */
  readonly mmu_page_hash = new Map<number, KvmMmuPage[]>();
  /** gfn_write_track: gfn -> number of level >= 2 shadow pages shadowing it. */
  readonly write_track = new Map<number, number>();
  /**
   * The rmap restricted to MMU-writable leaf SPTEs (all that write protection needs; W implies
   * MMU-writable): gfn -> SPTEs.
   */
  readonly writable_rmap = new Map<number, RmapEntry[]>();
  /** The memslot generation (kvm_memslots(kvm)->generation), stamped into MMIO SPTEs. */
  memslots_gen = 0;
  /** A memslot ioctl succeeded during this operation (dummy roots become obsolete). */
  memslots_updated = false;
  /**
   * shadow_leaf_table's by-product: the level of the lowest indirect page on the path it
   * walked (the guest leaf level of the translation the path shadows; 0 when all direct).
   */
  shadow_walk_guest_level = 0;
  /** Stamp source for KvmMmuPage.visit. */
  visit_stamp = 0;
  readonly pae_root_page = new KvmMmuPage(0, -1, SP_PAE_ROOT);
  readonly dummy_root_page = new KvmMmuPage(0, -1, SP_DUMMY_ROOT);
  /** TDP root level (kvm_mmu_get_tdp_level): 5 iff the guest can address more than 48 bits. */
  readonly tdp_root_level: number;

  /** make_spte output scratch. */
  readonly spte_scratch = new Uint32Array(2);

  constructor(
    readonly caps: KvmCaps,
    readonly memory: GuestMemory,
    /** The SPTE masks of this VM's TDP format (spte.c globals in KVM). */
    readonly spte_masks: SpteMasks,
    tdp_enabled = true,
  ) {
    this.tdp_enabled = tdp_enabled;
    this.tdp_root_level = caps.maxphyaddr > 48 ? PT64_ROOT_5LEVEL : PT64_ROOT_4LEVEL;
  }
}

/** struct kvm_queued_exception. */
export class KvmQueuedException {
  pending = false;
  vector = 0;
  has_error_code = false;
  error_code = 0;
  /** The #PF payload: the faulting address (CR2). */
  payload_lo = 0;
  payload_hi = 0;
}

/** struct kvm_vcpu_arch (MMU-relevant part). */
export class KvmVcpuArch {
  cr0 = CR0_RESET;
  /** CR3 without the NOFLUSH bit; always below 2^52 (illegal GPA bits are refused). */
  cr3 = 0;
  cr4 = 0;
  efer = 0;
  pkru = 0;
  rflags = RFLAGS_FIXED;
  /** regs_avail for VCPU_EXREG_PDPTR: cleared on every exit, refilled by cache_reg. */
  pdptr_avail = true;

  readonly root_mmu = new KvmMmu();
  readonly guest_mmu = new KvmMmu();
  readonly nested_mmu = new KvmMmu();
  /** The MMU that handles faults and owns roots. */
  mmu: KvmMmu;
  /** The MMU used for GVA->GPA translation. */
  walk_mmu: KvmMmu;

  readonly exception = new KvmQueuedException();
  readonly walker = new GuestWalker();
  readonly page_fault = new KvmPageFault();

  constructor() {
    this.mmu = this.root_mmu;
    this.walk_mmu = this.root_mmu;
  }
}

export class KvmVcpu {
  readonly arch = new KvmVcpuArch();
  constructor(readonly kvm: Kvm) {}
}

/** kvm_make_request. */
export function kvm_make_request(req: number, vcpu: KvmVcpu): void {
  vcpu.kvm.log.request(req);
}

/** mmu_is_nested: the walker is nested_mmu while L2 runs with nested TDP. */
export function mmu_is_nested(vcpu: KvmVcpu): boolean {
  return vcpu.arch.walk_mmu === vcpu.arch.nested_mmu;
}
