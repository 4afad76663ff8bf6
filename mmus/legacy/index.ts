// The legacy backend: an independent model of the pre-split KVM x86 MMU (monolithic struct
// kvm_mmu), the subject the differential oracle tests refactors against. See mmu.ts.
export { legacyBackend } from './legacy-backend.js';
