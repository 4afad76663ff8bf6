// The Backend adapter for the legacy model: turns harness operations into the KVM-shaped calls
// (register writes, emulator translations, guest accesses reaching the TDP or shadow MMU,
// memslot ioctls) and KVM's effects into Observations. It also plays the CPU: a guest access
// walks the TDP or shadow tables the way hardware would and exits to KVM only on a violation;
// after every operation, KVM's requests are serviced as before the next VM entry.
import {
  UnsupportedConfigError,
  type AccessKind,
  type Backend,
  type BackendFactory,
  type Config,
  type MmuEvent,
  type Observation,
  type Op,
  type U64,
  type VcpuState,
} from '../backend.js';
import { GuestMemory } from '../memory/guest-memory.js';
import {
  CR0_PG,
  CR4_PAE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_LMA,
  PFERR_FETCH,
  PFERR_PRESENT,
  PFERR_RSVD,
  PFERR_USER,
  PFERR_WRITE,
  RFLAGS_AC,
} from '../x86/bits.js';
import { u64FromNumber } from '../x86/u64.js';
import { kvm_vcpu_exit_clear_lazy_regs } from './kvm-cache-regs.js';
import { INVALID_GPA, Kvm, KvmVcpu, PFERR_IMPLICIT_ACCESS, RET_PF_EMULATE, RET_PF_RETRY, X86Exception, type KvmCaps } from './kvm-host.js';
import { kvm_set_memory_region } from './kvm-main.js';
import { kvm_mmu_check_digest } from './mmu-check.js';
import {
  is_noncanonical_address,
  kvm_mmu_after_set_cpuid,
  kvm_mmu_create,
  kvm_mmu_invlpg,
  kvm_mmu_page_fault,
  kvm_mmu_reload,
  kvm_mmu_shadow_page_fault,
  kvm_vcpu_service_requests,
} from './mmu.js';
import { gfn_is_shadowed, kvm_gfn_is_write_tracked, kvm_mmu_track_write, mmu_try_to_unsync_pages, shadow_leaf_table } from './shadow-mmu.js';
import { is_mmio_spte, is_shadow_present_pte, shadow_spte_allows, spte_to_pfn, SpteMasks } from './spte.js';
import { is_access_allowed, tdp_mmu_leaf_table } from './tdp-mmu.js';
import {
  emulator_access,
  kvm_handle_invpcid,
  kvm_inject_emulated_page_fault,
  kvm_mmu_gva_to_gpa,
  kvm_set_cr0,
  kvm_set_cr3,
  kvm_set_cr4,
  kvm_set_pkru,
  kvm_set_rflags,
  set_efer,
} from './x86.js';

const EMPTY_EVENTS: readonly MmuEvent[] = Object.freeze([]) as readonly MmuEvent[];
const GP: Observation = Object.freeze({ outcome: 'gp', events: EMPTY_EVENTS });
const PAGE_SIZE = 4096;

function capsFromConfig(config: Config): KvmCaps {
  const f = config.cpu.features;
  return {
    // tdp "none" is an Intel host without EPT.
    vendor: config.host.tdp === 'npt' ? 'amd' : 'intel',
    maxphyaddr: config.cpu.maxphyaddr,
    nx: f.has('nx'),
    pse36: f.has('pse36'),
    gbpages: f.has('gbpages'),
    smep: f.has('smep'),
    smap: f.has('smap'),
    // Without TDP, KVM hides PKU from the guest (§4.1).
    pku: f.has('pku') && config.host.tdp !== 'none',
    pcid: f.has('pcid'),
    la57: f.has('la57'),
    ept_ad: config.host.tdp === 'ept' ? config.host.eptAd : true,
  };
}

class LegacyBackend implements Backend {
  private readonly kvm: Kvm;
  private readonly vcpu: KvmVcpu;
  private readonly exception = new X86Exception();
  private readonly rw: [number, number] = [0, 0];

  constructor(config: Config) {
    if (config.host.mbec) throw new UnsupportedConfigError('legacy: EPT MBEC did not exist before the split');
    const caps = capsFromConfig(config);
    this.kvm = new Kvm(caps, new GuestMemory(config.memslots), new SpteMasks(caps), config.host.tdp !== 'none');
    this.vcpu = new KvmVcpu(this.kvm);
    kvm_mmu_create(this.vcpu);
    // vCPU creation ends with KVM_SET_CPUID, which resets the MMU from scratch.
    kvm_mmu_after_set_cpuid(this.vcpu);
  }

  apply(op: Op): Observation {
    const log = this.kvm.log;
    log.begin();
    this.kvm.memslots_updated = false;
    // Every operation is a separate exit: lazily cached registers must be re-read.
    kvm_vcpu_exit_clear_lazy_regs(this.vcpu);
    const obs = this.dispatch(op);
    if (this.kvm.tdp_enabled) return obs;
    // Back into the guest: KVM services its requests first; their events join this operation.
    const before = log.events;
    kvm_vcpu_service_requests(this.vcpu);
    if (before === null && log.events !== null) return { ...obs, events: log.events };
    return obs;
  }

  private dispatch(op: Op): Observation {
    switch (op.op) {
      case 'access':
        return this.access(op.gva, op.kind, op.cpl, op.implicit, false);
      case 'gva_to_gpa':
        return this.access(op.gva, op.kind, op.cpl, op.implicit, true);
      case 'write':
        return this.write(op.gpa, op.size, op.value);
      case 'read':
        return this.read(op.gpa, op.size);
      case 'set':
        return this.set(op.reg, op.value);
      case 'invlpg':
        kvm_mmu_invlpg(this.vcpu, this.truncate(op.gva));
        return this.done('ok');
      case 'invpcid':
        return kvm_handle_invpcid(this.vcpu, op.type, op.pcid, this.truncate(op.gva)) ? GP : this.done('ok');
      case 'memslot':
        return this.done(kvm_set_memory_region(this.kvm, op.action, op.slot, op.gpa, op.size, op.flags) ? 'ok' : 'rejected');
      case 'check':
        return { outcome: 'ok', digest: kvm_mmu_check_digest(this.vcpu), events: this.events() };
    }
  }

  state(): VcpuState {
    const a = this.vcpu.arch;
    return { cr0: a.cr0, cr3: u64FromNumber(a.cr3), cr4: a.cr4, efer: a.efer, pkru: a.pkru, rflags: a.rflags };
  }

  private events(): readonly MmuEvent[] {
    return this.kvm.log.events ?? EMPTY_EVENTS;
  }

  private done(outcome: 'ok' | 'rejected' | 'mmio'): Observation {
    return { outcome, events: this.events() };
  }

  /** Outside IA-32e mode every linear address is 32 bits. */
  private truncate(gva: U64): U64 {
    if ((this.vcpu.arch.efer & EFER_LMA) !== 0 || gva.hi === 0) return gva;
    return { lo: gva.lo, hi: 0 };
  }

  private access(gva: U64, kind: AccessKind, cpl: number, implicit: boolean, translateOnly: boolean): Observation {
    const vcpu = this.vcpu;
    if (!translateOnly && is_noncanonical_address(gva, vcpu)) return GP;
    const addr = this.truncate(gva);
    if (!translateOnly && !this.kvm.tdp_enabled) return this.shadowAccess(addr, kind, cpl, implicit);
    const gpa = kvm_mmu_gva_to_gpa(vcpu, addr.lo, addr.hi, emulator_access(kind, cpl, implicit), this.exception);
    if (gpa === INVALID_GPA) {
      // A translation request (KVM_TRANSLATE-like) only reports the fault; a guest access
      // injects it, and the injection may invalidate the faulting address first.
      if (translateOnly) return { outcome: 'page_fault', errorCode: this.exception.error_code & 0xffff, address: addr, to: 'L1', events: this.events() };
      kvm_inject_emulated_page_fault(vcpu, this.exception);
      const e = vcpu.arch.exception;
      e.pending = false; // delivered to the guest
      return { outcome: 'page_fault', errorCode: e.error_code & 0xffff, address: addr, to: 'L1', events: this.events() };
    }
    const level = vcpu.arch.walker.level;
    if (translateOnly) return { outcome: 'ok', gpa, level, events: this.events() };
    const hpa = this.tdpAccess(gpa, kind);
    if (hpa < 0) return { outcome: 'mmio', gpa, level, events: this.events() };
    return { outcome: 'ok', gpa, hpa, level, events: this.events() };
  }

  /**
   * The CPU's access to gpa through L0's TDP tables: use the leaf if it allows the access, else
   * take an EPT violation / #NPF exit into kvm_mmu_page_fault and retry. Returns the hpa, or -1
   * when KVM emulates the access (MMIO, or a write to a read-only slot).
   */
  private tdpAccess(gpa: number, kind: AccessKind): number {
    const vcpu = this.vcpu;
    const m = this.kvm.spte_masks;
    const write = kind === 'write';
    const exec = kind === 'fetch';
    const gfn = Math.floor(gpa / PAGE_SIZE);
    kvm_mmu_reload(vcpu); // VM entry
    for (let attempt = 0; attempt < 4; attempt++) {
      const sp = tdp_mmu_leaf_table(vcpu.arch.mmu.root.hpa!, gfn);
      let present = false;
      if (sp !== null) {
        const i = gfn - sp.gfn;
        const lo = sp.spte_lo![i];
        const hi = sp.spte_hi![i];
        if (is_shadow_present_pte(lo)) {
          present = true;
          if (is_access_allowed(m, exec, write, lo, hi)) return spte_to_pfn(lo, hi) * PAGE_SIZE + (gpa % PAGE_SIZE);
        }
      }
      const error_code = (present ? PFERR_PRESENT : 0) | (write ? PFERR_WRITE : 0) | (exec ? PFERR_FETCH : 0);
      if (kvm_mmu_page_fault(vcpu, gpa, error_code) === RET_PF_EMULATE) return -1;
    }
    throw new Error(`legacy: TDP fault on gfn 0x${gfn.toString(16)} did not resolve`);
  }

  /**
   * The CPU's access to a gva through the shadow tables: a present leaf that allows it
   * completes in hardware (the translation recorded when KVM made the SPTE); anything else is
   * a #PF exit into KVM, retried after KVM fixed the SPTE. KVM emulates MMIO and writes it must
   * see (write-tracked guest page tables).
   */
  private shadowAccess(addr: U64, kind: AccessKind, cpl: number, implicit: boolean): Observation {
    const vcpu = this.vcpu;
    const a = vcpu.arch;
    const lo = addr.lo;
    const hi = addr.hi;
    const write = kind === 'write';
    const fetch = kind === 'fetch';
    const user = cpl === 3 && !implicit;
    const paging = (a.cr0 & CR0_PG) !== 0;
    const smep = paging && (a.cr4 & CR4_SMEP) !== 0;
    const smap = paging && (a.cr4 & CR4_SMAP) !== 0 && (implicit || (a.rflags & RFLAGS_AC) === 0);
    const access = (write ? PFERR_WRITE : 0) | (fetch ? PFERR_FETCH : 0) | (user ? PFERR_USER : 0) | (implicit ? PFERR_IMPLICIT_ACCESS : 0);
    kvm_mmu_reload(vcpu); // VM entry (only the first operation can find no root)
    for (let attempt = 0; attempt < 8; attempt++) {
      const sp = shadow_leaf_table(vcpu, lo, hi);
      let error_code = access;
      if (sp !== null) {
        const i = (lo >>> 12) & 511;
        const slo = sp.spte_lo![i];
        const shi = sp.spte_hi![i];
        if (is_shadow_present_pte(slo)) {
          if (shadow_spte_allows(slo, shi, write, user, fetch, smep, smap)) {
            const offset = lo & 0xfff;
            return { outcome: 'ok', gpa: sp.gfns![i] * PAGE_SIZE + offset, hpa: spte_to_pfn(slo, shi) * PAGE_SIZE + offset, level: this.kvm.shadow_walk_guest_level, events: this.events() };
          }
          error_code |= PFERR_PRESENT;
        } else if (is_mmio_spte(slo, shi)) {
          error_code |= PFERR_PRESENT | PFERR_RSVD;
        }
      }
      a.exception.pending = false;
      const r = kvm_mmu_shadow_page_fault(vcpu, lo, hi, error_code);
      if (a.exception.pending) {
        const e = a.exception;
        e.pending = false; // delivered to the guest
        return { outcome: 'page_fault', errorCode: e.error_code & 0xffff, address: addr, to: 'L1', events: this.events() };
      }
      if (r === RET_PF_EMULATE) return this.shadowEmulate(write);
      if (r === RET_PF_RETRY) return this.noRootAccess(write);
    }
    throw new Error(`legacy: shadow fault at 0x${hi.toString(16)}_${lo.toString(16)} did not resolve`);
  }

  /**
   * KVM emulates the access: MMIO (no slot, or a write to a read-only slot), or a write KVM
   * must see, which reaches kvm_mmu_track_write as a store of one gpte (the access carries no
   * data, so memory is unchanged).
   */
  private shadowEmulate(write: boolean): Observation {
    const f = this.vcpu.arch.page_fault;
    const gpa = f.result_gpa;
    const level = f.result_level;
    const slot = f.slot;
    if (slot === undefined || (write && slot.readonly)) return { outcome: 'mmio', gpa, level, events: this.events() };
    if (write) {
      const size = (this.vcpu.arch.cr4 & CR4_PAE) !== 0 ? 8 : 4;
      kvm_mmu_track_write(this.vcpu, gpa - (gpa % size), size);
    }
    return { outcome: 'ok', gpa, hpa: this.kvm.memory.hpaOf(gpa), level, events: this.events() };
  }

  /**
   * A successful walk with no shadow root to build under (the dummy root, or a PAE quarter
   * without a root): the access completes as the emulator would do it, from the walk's gpa:
   * `mmio` outside every memslot or for a write to a read-only slot, else `ok`. No SPTE, no
   * MMU event.
   */
  private noRootAccess(write: boolean): Observation {
    const f = this.vcpu.arch.page_fault;
    const gpa = f.result_gpa;
    const level = f.result_level;
    const slot = f.slot;
    if (slot === undefined || (write && slot.readonly)) return { outcome: 'mmio', gpa, level, events: this.events() };
    return { outcome: 'ok', gpa, hpa: this.kvm.memory.hpaOf(gpa), level, events: this.events() };
  }

  private write(gpa: number, size: number, value: U64): Observation {
    const kvm = this.kvm;
    const mem = kvm.memory;
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const slot = mem.findSlot(gfn);
    // Outside every slot or into ROM: an MMIO exit, nothing stored. With TDP no gfn is
    // write-tracked, so the store has no MMU side effect.
    if (slot === undefined || slot.readonly) return this.done('mmio');
    if (!kvm.tdp_enabled && kvm_gfn_is_write_tracked(kvm, gfn)) {
      // A store to a write-tracked guest page table traps and is emulated.
      mem.write(gpa, size, value.lo, value.hi);
      kvm_mmu_track_write(this.vcpu, gpa, size);
      return this.done('ok');
    }
    // A store to a level-1 guest page table went through a writable SPTE: its shadow pages
    // had to go unsync for that SPTE to exist.
    if (!kvm.tdp_enabled && gfn_is_shadowed(kvm, gfn)) mmu_try_to_unsync_pages(kvm, gfn, false);
    mem.write(gpa, size, value.lo, value.hi);
    return this.done('ok');
  }

  private read(gpa: number, size: number): Observation {
    const rw = this.rw;
    if (!this.kvm.memory.read(gpa, size, rw)) return this.done('mmio');
    return { outcome: 'ok', value: { lo: rw[0], hi: rw[1] }, events: this.events() };
  }

  private set(reg: string, value: U64): Observation {
    const vcpu = this.vcpu;
    let r: number;
    switch (reg) {
      case 'cr0':
        r = kvm_set_cr0(vcpu, value);
        break;
      case 'cr3':
        r = kvm_set_cr3(vcpu, value);
        break;
      case 'cr4':
        r = kvm_set_cr4(vcpu, value);
        break;
      case 'efer':
        r = set_efer(vcpu, value);
        break;
      case 'pkru':
        r = kvm_set_pkru(vcpu, value);
        break;
      case 'rflags':
        r = kvm_set_rflags(vcpu, value);
        break;
      default:
        throw new Error(`legacy: unknown register ${reg}`);
    }
    return r !== 0 ? GP : this.done('ok');
  }
}

export const legacyBackend: BackendFactory = {
  name: 'legacy',
  description: 'pre-split KVM x86 MMU (monolithic struct kvm_mmu, TDP MMU for L1), the subject under test',
  fidelity: 'kvm',
  create(config: Config): Backend {
    return new LegacyBackend(config);
  },
};
