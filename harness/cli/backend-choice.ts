// Turns --backends/--mutant into backend factories, refusing names the registry does not know.
import type { BackendFactory } from '../../mmus/backend.js';
import { BACKEND_NAMES, getBackend, isBackendName, listMutants } from '../../mmus/registry.js';
import { UsageError } from './exit-codes.js';

export interface BackendChoice {
  /** Names as given (in order); the first is the one the others are compared with. */
  readonly names: readonly string[];
  readonly factories: readonly BackendFactory[];
  readonly mutant?: string;
}

/** Parses `legacy,refactored,...`; throws UsageError for an unknown, repeated or missing name. */
export function chooseBackends(list: string, mutant?: string): BackendChoice {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(`--backends: expected a comma-separated list of ${BACKEND_NAMES.join(', ')}`);
  for (const name of names) {
    if (!isBackendName(name)) {
      throw new UsageError(`--backends: unknown backend "${name}": expected one of ${BACKEND_NAMES.join(', ')}`);
    }
  }
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new UsageError(`--backends: "${repeated}" is listed twice`);
  if (mutant !== undefined) {
    const known = listMutants().map((m) => m.name);
    if (!known.includes(mutant)) {
      throw new UsageError(`--mutant: unknown mutant "${mutant}": run "mmufuzz mutants" for the list`);
    }
    if (!names.includes('refactored')) {
      throw new UsageError(`--mutant applies to the refactored backend, which is not in --backends (${names.join(',')})`);
    }
  }
  return {
    names,
    factories: names.map((n) => getBackend(n, mutant)),
    ...(mutant !== undefined ? { mutant } : {}),
  };
}
