// The vCPU as the split MMU sees it (vcpu->arch in the kvm-chainsaw tree): registers, the PDPTR
// cache, two walkers (gva_walk, ngpa_walk), two MMUs (root_mmu, guest_mmu) and the `mmu`
// pointer — no nested_mmu, no walk_mmu. Plus the VM-wide pieces this scope needs (memory, TDP).
import type { Config } from '../backend.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { CR0_RESET, RFLAGS_FIXED } from '../x86/bits.js';
import { EventLog } from './events.js';
import { KvmMmu } from './mmu.js';
import type { MutantFlags } from './mutants.js';
import { KvmPageWalk } from './pagewalk.js';
import { ShadowMmuState } from './shadow/sp.js';
import { TdpMmu } from './tdp-mmu.js';
import { GuestWalker } from './walk.js';

export class Vcpu {
  readonly mem: GuestMemory;
  readonly maxphyaddr: number;
  /** Intel host and guest (EPT); otherwise AMD (NPT). */
  readonly intel: boolean;
  readonly eptAd: boolean;
  /** tdp_enabled: false for host.tdp "none" (shadow paging). */
  readonly tdpEnabled: boolean;
  readonly hasNx: boolean;
  readonly hasPse36: boolean;
  readonly hasGbpages: boolean;
  readonly hasSmep: boolean;
  readonly hasSmap: boolean;
  readonly hasPku: boolean;
  readonly hasPcid: boolean;
  readonly hasLa57: boolean;

  cr0 = CR0_RESET;
  cr3Lo = 0;
  cr3Hi = 0;
  cr4 = 0;
  efer = 0;
  pkru = 0;
  rflags = RFLAGS_FIXED;

  /** vcpu->arch.pdptrs: four PDPTEs as [lo0, hi0, lo1, hi1, ...]. */
  readonly pdptrs = new Uint32Array(8);
  /** Register-cache availability of the PDPTRs (SVM drops it on every exit). */
  pdptrsAvail = true;

  /** The CPU walker [RFC: cpu_walk]: always the one for GVA translations. */
  readonly gvaWalk = new KvmPageWalk('gva_walk');
  /** The nested-TDP walker [RFC: tdp_walk]: EPT12/NPT12; idle without nested virtualization. */
  readonly ngpaWalk = new KvmPageWalk('ngpa_walk');
  readonly rootMmu: KvmMmu;
  readonly guestMmu: KvmMmu;
  /** The MMU that handles faults and owns roots. */
  mmu: KvmMmu;

  readonly tdp = new TdpMmu();
  /** The Shadow MMU's VM-wide state (used only without TDP). */
  readonly shadow = new ShadowMmuState();
  /** KVM_REQ_MMU_SYNC, serviced at the end of the operation. */
  reqMmuSync = false;
  /** struct guest_walker: scratch state of the current walk (no per-walk allocation). */
  readonly walker = new GuestWalker();
  readonly events = new EventLog();

  constructor(
    config: Config,
    readonly bug: MutantFlags,
  ) {
    const f = config.cpu.features;
    this.mem = new GuestMemory(config.memslots);
    this.maxphyaddr = config.cpu.maxphyaddr;
    // Shadow paging (tdp "none") is an Intel host and guest.
    this.intel = config.host.tdp !== 'npt';
    this.tdpEnabled = config.host.tdp !== 'none';
    this.eptAd = config.host.eptAd;
    this.hasNx = f.has('nx');
    this.hasPse36 = f.has('pse36');
    this.hasGbpages = f.has('gbpages');
    this.hasSmep = f.has('smep');
    this.hasSmap = f.has('smap');
    // KVM hides PKU from the guest without TDP.
    this.hasPku = f.has('pku') && this.tdpEnabled;
    this.hasPcid = f.has('pcid');
    this.hasLa57 = f.has('la57');
    // kvm_mmu_create: each MMU points at its walker; faults go to root_mmu.
    this.rootMmu = new KvmMmu('root_mmu', this.gvaWalk);
    this.guestMmu = new KvmMmu('guest_mmu', this.ngpaWalk);
    this.mmu = this.rootMmu;
  }

  /** mmu_is_nested: L2 runs with nested TDP. Never in this scope. */
  mmuIsNested(): boolean {
    return this.mmu === this.guestMmu;
  }
}
