// Test-only backends, loadable by name through WorkerSpec.backendModule (worker threads cannot
// receive functions): `refactored` variants that throw or never return on a rare operation.
import type { Backend, BackendFactory, Op } from '../../mmus/backend.js';
import { getBackend } from '../../mmus/registry.js';

/** refactored, except that `act` runs first on each op (throws, loops...). */
function variant(name: string, act: (op: Op) => void): BackendFactory {
  const base = getBackend('refactored');
  return {
    name: base.name,
    description: `${base.description} (test variant: ${name})`,
    fidelity: base.fidelity,
    create(config): Backend {
      const b = base.create(config);
      return {
        apply(op) {
          act(op);
          return b.apply(op);
        },
        state: () => b.state(),
      };
    },
  };
}

/** Throws on INVPCID type 2 (a crash divergence at that op). */
export const throwingRefactored = variant('throws on invpcid type 2', (op) => {
  if (op.op === 'invpcid' && op.type === 2) throw new Error(`injected failure on invpcid type ${op.type}`);
});

/** Never returns from INVPCID type 1 (a hang). */
export const hangingRefactored = variant('hangs on invpcid type 1', (op) => {
  if (op.op === 'invpcid' && op.type === 1) {
    for (;;) {
      // Spin: only terminating the worker thread ends this.
    }
  }
});

/** The backendModule contract: names -> factories. */
export const backends: Record<string, BackendFactory> = { refactored: hangingRefactored };
