// The fixed facts of the modelled CPU, derived once from a scenario's config: vendor, CPUID
// features and MAXPHYADDR masks. These are the machine's constants, not cached register state.
import { UnsupportedConfigError, type Config } from '../backend.js';

export interface Machine {
  /** Guest MAXPHYADDR (CPUID 0x80000008 EAX[7:0]), 36..52. */
  readonly maxphyaddr: number;
  /** tdp 'npt' = AMD host and guest; 'ept' and 'none' = Intel. Decides the vendor-specific rules. */
  readonly amd: boolean;
  /** tdp 'none': KVM's shadow paging, which one ledger entry follows (speculative.ts). */
  readonly shadow: boolean;
  readonly nx: boolean;
  readonly pse36: boolean;
  readonly gbpages: boolean;
  readonly smep: boolean;
  readonly smap: boolean;
  readonly pku: boolean;
  readonly pcid: boolean;
  readonly la57: boolean;
  /** Bits M..63 of a physical address, as a mask on the high half (M >= 36, so the low half has none). */
  readonly rsvdHi63: number;
  /** Bits M..62 (PAE paging entries, SDM 4.4.2 tables 4-8..4-11), high half. */
  readonly rsvdHi62: number;
  /** Bits M..51 (4-/5-level paging entries, SDM 4.5.4 tables 4-15..4-20), high half. */
  readonly rsvdHi51: number;
}

/** Builds the machine for a config; throws UnsupportedConfigError outside the reference's scope. */
export function makeMachine(config: Config): Machine {
  const m = config.cpu.maxphyaddr;
  if (!Number.isInteger(m) || m < 36 || m > 52) {
    throw new UnsupportedConfigError(`reference: cpu.maxphyaddr must be an integer in 36..52, got ${m}`);
  }
  const f = config.cpu.features;
  const rsvdHi63 = (~((1 << (m - 32)) - 1)) >>> 0;
  return {
    maxphyaddr: m,
    amd: config.host.tdp === 'npt',
    shadow: config.host.tdp === 'none',
    nx: f.has('nx'),
    pse36: f.has('pse36'),
    gbpages: f.has('gbpages'),
    smep: f.has('smep'),
    smap: f.has('smap'),
    // Without TDP KVM hides PKU from the guest (model-contract-shadow "Machine"): CR4.PKE is then
    // a reserved bit and WRPKRU faults.
    pku: f.has('pku') && config.host.tdp !== 'none',
    pcid: f.has('pcid'),
    la57: f.has('la57'),
    rsvdHi63,
    rsvdHi62: (rsvdHi63 & 0x7fffffff) >>> 0,
    rsvdHi51: (rsvdHi63 & 0x000fffff) >>> 0,
  };
}
