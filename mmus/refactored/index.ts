// Public face of the `refactored` backend: the post-split (kvm-chainsaw) KVM x86 MMU model —
// kvm_pagewalk (gva_walk, ngpa_walk) / kvm_page_format / kvm_mmu — and its planted-bug mutants.
import type { BackendFactory, Config } from '../backend.js';
import { RefactoredBackend } from './backend.js';
import { type MutantFlags, mutantDescription, mutantFlags, NO_MUTANT } from './mutants.js';

export { REFACTORED_MUTANTS } from './mutants.js';

function factory(description: string, bug: MutantFlags): BackendFactory {
  return Object.freeze({
    name: 'refactored',
    description,
    fidelity: 'kvm' as const,
    create: (config: Config) => new RefactoredBackend(config, bug),
  });
}

export const refactoredBackend: BackendFactory = factory(
  'split KVM MMU (kvm-chainsaw): kvm_pagewalk gva_walk/ngpa_walk, kvm_page_format, kvm_mmu',
  NO_MUTANT,
);

/** The refactored model with one planted bug. Throws on an unknown mutant name. */
export function refactoredMutantBackend(name: string): BackendFactory {
  const bug = mutantFlags(name);
  return factory(`refactored with mutant ${name}: ${mutantDescription(name)}`, bug);
}
