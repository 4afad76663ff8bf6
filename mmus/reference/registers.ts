// The architectural register state the MMU depends on: CR0, CR3, CR4, EFER, PKRU, RFLAGS and the
// four PAE PDPTE registers (SDM 2.5, 4.4.1). Plain values; every rule reads them afresh.
import { CR0_RESET, RFLAGS_FIXED } from '../x86/bits.js';
import type { VcpuState } from '../backend.js';

export class Registers {
  /** CR0 (32 bits; bits 63:32 are always 0). */
  cr0 = CR0_RESET;
  /** CR3 as halves: it can hold physical-address bits above 31 (and the PCID in 11:0). */
  cr3Lo = 0;
  cr3Hi = 0;
  cr4 = 0;
  efer = 0;
  pkru = 0;
  rflags = RFLAGS_FIXED;
  /**
   * PDPTE0..3 (SDM 4.4.1): entry i is [2i] (low half), [2i+1] (high half). Loaded by MOV CR3 /
   * CR0 / CR4 in PAE paging; on AMD also re-read at each walk (model-contract "PDPTR load").
   */
  readonly pdptrs = new Uint32Array(8);

  snapshot(): VcpuState {
    return {
      cr0: this.cr0,
      cr3: { lo: this.cr3Lo, hi: this.cr3Hi },
      cr4: this.cr4,
      efer: this.efer,
      pkru: this.pkru,
      rflags: this.rflags,
    };
  }
}
