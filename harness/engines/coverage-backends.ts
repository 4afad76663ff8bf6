// The backends of a coverage campaign as names the jsfuzz worker can rebuild (it is another
// process: factories do not cross, names do), checked to give back the very same backends.
import type { BackendFactory } from '../../mmus/backend.js';
import { getBackend, isBackendName } from '../../mmus/registry.js';

/** refactoredMutantBackend's description names its mutant: `refactored with mutant NAME: ...`. */
const MUTANT_DESCRIPTION = /^refactored with mutant ([^:\s]+):/;

export class CoverageBackendError extends Error {
  override readonly name = 'CoverageBackendError';
}

/** Backend names (baseline first) and the mutant, if any, that rebuild `backends` via getBackend. */
export function coverageWorkerBackends(backends: readonly BackendFactory[]): { names: string[]; mutant: string | undefined } {
  if (backends.length === 0) throw new CoverageBackendError('coverage engine: no backends');
  let mutant: string | undefined;
  const names = backends.map((b) => {
    if (!isBackendName(b.name)) {
      throw new CoverageBackendError(`coverage engine: backend "${b.name}" is not a registry backend, so the fuzz worker cannot load it`);
    }
    const m = MUTANT_DESCRIPTION.exec(b.description);
    if (m !== null) mutant = m[1];
    return b.name;
  });
  for (const [k, b] of backends.entries()) {
    if (getBackend(names[k], mutant).description !== b.description) {
      throw new CoverageBackendError(`coverage engine: cannot rebuild backend "${b.name}" (${b.description}) in the fuzz worker`);
    }
  }
  return { names, mutant };
}
