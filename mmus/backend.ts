// The contract between the harness and every MMU implementation ("backend").
// Operations arrive parsed (64-bit values as U64 halves, GPAs as numbers < 2^52) and every
// operation yields exactly one Observation. The JSON encoding of both lives in harness/scenario;
// docs/scenario-format.md is the public description and docs/model-contract.md the semantics.
import type { U64 } from './x86/u64.js';
import type { MemslotFlag, MemslotSpec } from './memory/memslot.js';

export type { U64 } from './x86/u64.js';
export type { MemslotFlag, MemslotSpec } from './memory/memslot.js';

/** Guest CPUID features that matter to the MMU. Absent feature = the guest does not have it. */
export type CpuFeature = 'nx' | 'pse36' | 'gbpages' | 'smep' | 'smap' | 'pku' | 'pcid' | 'la57';
export const CPU_FEATURES: readonly CpuFeature[] = ['nx', 'pse36', 'gbpages', 'smep', 'smap', 'pku', 'pcid', 'la57'];

export type TdpKind = 'ept' | 'npt' | 'none';

export interface Config {
  readonly cpu: {
    /** Guest MAXPHYADDR, 36..52. */
    readonly maxphyaddr: number;
    readonly features: ReadonlySet<CpuFeature>;
  };
  readonly host: {
    /** ept = Intel host, npt = AMD host (also decides the guest's vendor-specific behaviour). */
    readonly tdp: TdpKind;
    readonly eptAd: boolean;
    readonly mbec: boolean;
  };
  readonly memslots: readonly MemslotSpec[];
}

export type AccessKind = 'read' | 'write' | 'fetch';
export type Reg = 'cr0' | 'cr3' | 'cr4' | 'efer' | 'pkru' | 'rflags';
export type MemslotAction = 'add' | 'delete' | 'move' | 'flags';

export type Op =
  | { readonly op: 'write'; readonly gpa: number; readonly value: U64; readonly size: 1 | 2 | 4 | 8 }
  | { readonly op: 'read'; readonly gpa: number; readonly size: 1 | 2 | 4 | 8 }
  | {
      readonly op: 'access';
      readonly gva: U64;
      readonly kind: AccessKind;
      readonly cpl: 0 | 1 | 2 | 3;
      /** Implicit supervisor access (descriptor tables etc.): supervisor whatever the CPL; SMAP ignores RFLAGS.AC. */
      readonly implicit: boolean;
    }
  | {
      readonly op: 'gva_to_gpa';
      readonly gva: U64;
      readonly kind: AccessKind;
      readonly cpl: 0 | 1 | 2 | 3;
      readonly implicit: boolean;
    }
  | { readonly op: 'set'; readonly reg: Reg; readonly value: U64 }
  | { readonly op: 'invlpg'; readonly gva: U64 }
  | { readonly op: 'invpcid'; readonly type: number; readonly pcid: number; readonly gva: U64 }
  | {
      readonly op: 'memslot';
      readonly action: MemslotAction;
      readonly slot: number;
      /** add: base; move: new base; ignored by delete/flags (0). */
      readonly gpa: number;
      /** add: size in bytes; ignored otherwise (0). */
      readonly size: number;
      readonly flags: readonly MemslotFlag[];
    }
  /** Deep check: the backend reports a canonical digest of its MMU's page tables (docs/model-contract-shadow.md). */
  | { readonly op: 'check' };

export type OpKind = Op['op'];

/**
 * ok       — the operation completed (translation, read value, register write, ...)
 * page_fault — a #PF for the guest (access/gva_to_gpa), with errorCode and address
 * tdp_fault  — a fault in KVM's/L1's TDP tables surfaced to a guest hypervisor (nested; later)
 * gp       — the operation raised #GP (invalid register value, non-canonical access, ...)
 * mmio     — the gpa is outside every memslot (or a write to a read-only slot): emulated device access
 * rejected — a memslot ioctl that KVM refuses (-EINVAL/-EEXIST); nothing changed
 */
export type Outcome = 'ok' | 'page_fault' | 'tdp_fault' | 'gp' | 'mmio' | 'rejected';

/**
 * Why a shadow page or SPTE went (docs/model-contract-shadow.md, "Zaps"):
 * memslot     — a memslot delete/move (TDP: the slot's SPTEs; shadow: KVM's fast zap of everything)
 * pte_write   — an emulated write to a shadowed guest page table zapped the SPTE(s) of that gpte
 * misaligned  — an emulated write not aligned to a gpte zapped the whole shadow page
 * flood       — the third emulated write to an unused upper-level shadow page zapped it
 * sync        — a sync found the gpte gone or changed (SPTE), or could not sync the page (sp)
 * unsync_upper — an unsync page zapped because an upper-level page for its gfn was created
 */
export type ZapReason = 'memslot' | 'pte_write' | 'misaligned' | 'flood' | 'sync' | 'unsync_upper';
export const ZAP_REASONS: readonly ZapReason[] = ['memslot', 'pte_write', 'misaligned', 'flood', 'sync', 'unsync_upper'];
export type FlushScope = 'guest' | 'current' | 'gva' | 'remote';

export type MmuEvent =
  /** The walker wrote A/D bits: the gpte at gpa now holds value (4-byte gptes: hi = 0). */
  | { readonly type: 'set_ad'; readonly gpa: number; readonly value: U64 }
  /** A leaf SPTE was installed for gfn (KVM's TDP/shadow page fault). spte excludes KVM software bits. */
  | { readonly type: 'map'; readonly gfn: number; readonly level: number; readonly spte: U64 }
  /**
   * An SPTE was zapped; role = the shadow page holding it, level = that page's level (common
   * layout, docs/model-contract-shadow.md). gfn = the gfn a leaf mapped, or the child page's gfn.
   */
  | { readonly type: 'zap'; readonly gfn: number; readonly level: number; readonly role: number; readonly reason: ZapReason }
  /** Shadow paging: a shadow page was created (gfn = the guest table it shadows, or a direct page's base gfn). */
  | { readonly type: 'sp'; readonly gfn: number; readonly level: number; readonly role: number }
  /** Shadow paging: a whole shadow page was zapped. */
  | { readonly type: 'zap_sp'; readonly gfn: number; readonly level: number; readonly role: number; readonly reason: ZapReason }
  /** Shadow paging: a level-1 shadow page went unsync (its guest table is no longer write-protected). */
  | { readonly type: 'unsync'; readonly gfn: number; readonly role: number }
  /** Shadow paging: an unsync shadow page was synced (its SPTEs re-derived from the gptes). */
  | { readonly type: 'sync'; readonly gfn: number; readonly role: number }
  /** Shadow paging: an MMIO SPTE was installed for gfn (a gpa outside every memslot). */
  | { readonly type: 'mmio_spte'; readonly gfn: number }
  /** A writable leaf SPTE lost W because dirty logging was enabled on its slot. */
  | { readonly type: 'wrprot'; readonly gfn: number; readonly level: number }
  /** gfn was marked dirty in its slot's dirty log. */
  | { readonly type: 'dirty'; readonly gfn: number }
  /** A TLB flush request (deduplicated per operation, in order of first request). */
  | { readonly type: 'flush'; readonly scope: FlushScope; readonly gva?: U64 };

export interface Observation {
  readonly outcome: Outcome;
  /** access/gva_to_gpa ok or mmio: the guest-physical address. */
  readonly gpa?: number;
  /** access ok: the host-physical address the TDP mapping points to. */
  readonly hpa?: number;
  /** access/gva_to_gpa ok or mmio: the guest leaf level (1 = 4 KiB, 2 = 2/4 MiB, 3 = 1 GiB; 0 = paging off). */
  readonly level?: number;
  /** read ok: the value read. */
  readonly value?: U64;
  /** page_fault: the error code (low 16 bits as delivered). */
  readonly errorCode?: number;
  /** page_fault: the faulting linear address (as CR2 would hold it). */
  readonly address?: U64;
  /** page_fault: who gets the fault. */
  readonly to?: 'L1' | 'L2';
  readonly events: readonly MmuEvent[];
  /** check: the canonical digest of the MMU's page tables (kvm backends only). */
  readonly digest?: string;
  /**
   * Architectural backends only: other observations the architecture also allows for this op
   * (a translation a TLB may still hold after a page-table edit without invalidation). The
   * fields above are the fresh-walk result; the oracle accepts a match with any of these too.
   */
  readonly alternatives?: readonly Observation[];
}

/** Control-register state, for reports (mode, CR0/CR4/EFER at a divergence). */
export interface VcpuState {
  readonly cr0: number;
  readonly cr3: U64;
  readonly cr4: number;
  readonly efer: number;
  readonly pkru: number;
  readonly rflags: number;
}

/**
 * One MMU implementation bound to one scenario's config. Deterministic: the same config and ops
 * give the same observations. In-process backends are stepped one op at a time; an out-of-process
 * backend (e.g. a real KVM via /dev/kvm) can implement this by batching a whole scenario, since
 * the harness only ever feeds ops in order and reads state() after an op.
 */
export interface Backend {
  apply(op: Op): Observation;
  state(): VcpuState;
  /**
   * Architectural backends: the KVM backends took one of the last op's `alternatives` (a stale
   * translation), not the fresh walk; undo what only the fresh walk did (its A/D writes, its TLB
   * fill), so guest memory stays the same on every side. Called right after apply().
   */
  adoptAlternative?(): void;
}

export interface BackendFactory {
  readonly name: string;
  readonly description: string;
  /** Which observation fields this backend produces: 'kvm' (all) or 'architectural' (no map/zap/flush/wrprot/dirty events, no hpa). */
  readonly fidelity: 'kvm' | 'architectural';
  /** Throws an Error with a clear message for a config it does not support. */
  create(config: Config): Backend;
}

/** Thrown by create() for configurations outside a backend's scope. */
export class UnsupportedConfigError extends Error {}
