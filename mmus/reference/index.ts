// Public face of the reference backend: the architectural model of the KVM-visible x86 CPU
// (Intel SDM vol. 3A ch. 2 and 4, AMD APM vol. 2 ch. 5), used as the tie-breaker by the oracle.
//
// Where the KVM-visible CPU differs from the manuals (docs/model-contract.md; ledger items of
// kvm-mmu-model.md §11), the rule is marked at its one place:
//   ledger 3  unbacked table read → not-present #PF ........ translate.ts
//   ledger 4  no A/D writes into read-only memslots ......... accessed-dirty.ts
//   ledger 5  I/D on 32-bit paging with EFER.NXE=1 .......... error-code.ts
//   ledger 6  PSE-36 fixed at 4 bits, 21:17 reserved ........ reserved-bits.ts, translate.ts
//   ledger 9  non-canonical: access #GP, walk/INVLPG ignore . backend.ts, tlb-ops.ts
//   TLB       a #PF invalidates only when P=1 and RSVD=0 .... backend.ts
//   TLB       speculative translations, bounded history ..... speculative.ts, history.ts
//   shadow    tdp "none": Intel rules, PKU hidden ........... machine.ts
//   ledger 10 PKS/CET/... not exposed: CR4 bit is #GP ....... register-writes.ts
//   AMD-only  PML4E/PML5E bit 8 reserved ..................... reserved-bits.ts
//   AMD-only  PDPTEs re-read from memory at each walk ....... backend.ts, pdptrs.ts
import type { BackendFactory } from '../backend.js';
import { ReferenceBackend } from './backend.js';

export const referenceBackend: BackendFactory = {
  name: 'reference',
  description: 'architectural walker from the Intel SDM / AMD APM (no KVM structure; TLB staleness and speculative translations as alternatives)',
  fidelity: 'architectural',
  create: (config) => new ReferenceBackend(config),
};
