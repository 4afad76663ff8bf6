// The one place that maps backend names to model factories. The models never import each other;
// the harness picks them through here.
import type { BackendFactory } from './backend.js';
import { legacyBackend } from './legacy/index.js';
import { refactoredBackend, refactoredMutantBackend, REFACTORED_MUTANTS } from './refactored/index.js';
import { referenceBackend } from './reference/index.js';

export const BACKEND_NAMES = ['legacy', 'refactored', 'reference'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const BUILT_IN: Record<BackendName, BackendFactory> = {
  legacy: legacyBackend,
  refactored: refactoredBackend,
  reference: referenceBackend,
};

/** Thrown for an unknown backend or mutant name; the CLI turns it into a usage error. */
export class UnknownBackendError extends Error {}

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/**
 * The factory for a backend name. A mutant replaces `refactored` with a variant carrying one
 * deliberate refactor bug; other backends ignore it.
 */
export function getBackend(name: string, mutant?: string): BackendFactory {
  if (!isBackendName(name)) {
    throw new UnknownBackendError(`unknown backend "${name}": expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (mutant !== undefined && name === 'refactored') {
    if (!REFACTORED_MUTANTS.some((m) => m.name === mutant)) {
      throw new UnknownBackendError(`unknown mutant "${mutant}": run "mmufuzz mutants" for the list`);
    }
    return refactoredMutantBackend(mutant);
  }
  return BUILT_IN[name];
}

export function listMutants(): { name: string; description: string }[] {
  return REFACTORED_MUTANTS.map((m) => ({ name: m.name, description: m.description }));
}
