// The `refactored` backend adapter: binds one Vcpu of the split model to a scenario config and
// turns each Op into one Observation (docs/model-contract.md; shadow paging:
// docs/model-contract-shadow.md, whose service step runs after every operation).
import { type Backend, type Config, type MmuEvent, type Observation, type Op, type Reg, type U64, UnsupportedConfigError, type VcpuState } from '../backend.js';
import { PAGE_SIZE } from '../x86/bits.js';
import { guestAccess, gvaToGpa } from './access.js';
import { memslotOp } from './memslot-ops.js';
import { kvmInitMmu } from './mmu.js';
import type { MutantFlags } from './mutants.js';
import { markExit } from './pdptr.js';
import { shadowDigest, tdpDigest } from './shadow/digest.js';
import { shadowServiceRequests } from './shadow/service.js';
import { shadowGuestWrite } from './shadow/track-write.js';
import { kvmHandleInvpcid, kvmMmuInvlpg } from './tlb.js';
import { Vcpu } from './vcpu.js';
import { kvmSetCr0, kvmSetCr3, kvmSetCr4, kvmSetEfer, kvmSetPkru, kvmSetRflags } from './vcpu-regs.js';

function setReg(v: Vcpu, reg: Reg, value: U64): boolean {
  switch (reg) {
    case 'cr0':
      return kvmSetCr0(v, value);
    case 'cr3':
      return kvmSetCr3(v, value);
    case 'cr4':
      return kvmSetCr4(v, value);
    case 'efer':
      return kvmSetEfer(v, value);
    case 'pkru':
      return kvmSetPkru(v, value);
    case 'rflags':
      return kvmSetRflags(v, value);
  }
}

export class RefactoredBackend implements Backend {
  private readonly v: Vcpu;
  private readonly readBuf: [number, number] = [0, 0];

  constructor(config: Config, bug: MutantFlags) {
    if (config.host.mbec) throw new UnsupportedConfigError('refactored: EPT MBEC is out of scope');
    this.v = new Vcpu(config, bug);
    // kvm_vcpu_reset: the first kvm_init_mmu binds the paging-off role.
    kvmInitMmu(this.v);
  }

  apply(op: Op): Observation {
    const v = this.v;
    v.events.begin();
    markExit(v);
    const obs = this.dispatch(op);
    if (v.tdpEnabled) return obs;
    // Shadow paging: the requests KVM services before re-entering the guest.
    shadowServiceRequests(v);
    const more = v.events.take();
    if (more.length === 0) return obs;
    const events: MmuEvent[] = [...obs.events, ...more];
    return { ...obs, events };
  }

  private dispatch(op: Op): Observation {
    const v = this.v;
    switch (op.op) {
      case 'access':
        return guestAccess(v, op.gva, op.kind, op.cpl, op.implicit);
      case 'gva_to_gpa':
        return gvaToGpa(v, op.gva, op.kind, op.cpl, op.implicit);
      case 'write': {
        const slot = v.mem.findSlot(Math.floor(op.gpa / PAGE_SIZE));
        if (slot === undefined || slot.readonly) return { outcome: 'mmio', events: v.events.take() };
        if (v.tdpEnabled) v.mem.write(op.gpa, op.size, op.value.lo, op.value.hi);
        else shadowGuestWrite(v, op.gpa, op.size, op.value.lo, op.value.hi);
        return { outcome: 'ok', events: v.events.take() };
      }
      case 'read': {
        const buf = this.readBuf;
        if (!v.mem.read(op.gpa, op.size, buf)) return { outcome: 'mmio', events: v.events.take() };
        return { outcome: 'ok', value: { lo: buf[0], hi: buf[1] }, events: v.events.take() };
      }
      case 'set':
        return { outcome: setReg(v, op.reg, op.value) ? 'ok' : 'gp', events: v.events.take() };
      case 'invlpg':
        kvmMmuInvlpg(v, op.gva);
        return { outcome: 'ok', events: v.events.take() };
      case 'invpcid':
        return { outcome: kvmHandleInvpcid(v, op.type, op.pcid, op.gva) ? 'ok' : 'gp', events: v.events.take() };
      case 'memslot':
        return memslotOp(v, op.action, op.slot, op.gpa, op.size, op.flags);
      case 'check':
        return { outcome: 'ok', digest: v.tdpEnabled ? tdpDigest(v) : shadowDigest(v), events: v.events.take() };
      default:
        throw new Error(`refactored: unknown op ${JSON.stringify(op)}`);
    }
  }

  state(): VcpuState {
    const v = this.v;
    return { cr0: v.cr0, cr3: { lo: v.cr3Lo, hi: v.cr3Hi }, cr4: v.cr4, efer: v.efer, pkru: v.pkru, rflags: v.rflags };
  }
}
