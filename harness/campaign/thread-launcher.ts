// Workers as worker_threads: real parallelism, and a wedged worker can be terminated (V8 stops
// even a tight loop). The entry is the compiled worker-main.js next to this file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerHandle, WorkerLauncher } from './launcher.js';
import type { MinimizeJob, MinimizeOutcome } from './minimize-job.js';
import { MINIMIZE_INTERRUPTED } from './minimize-queue.js';
import { SLOT_COUNT, SLOT_STOP, type WorkerMessage, type WorkerSpec } from './worker-protocol.js';

export type ThreadData = { readonly kind: 'fuzz'; readonly spec: WorkerSpec } | { readonly kind: 'minimize'; readonly job: MinimizeJob };

/** The compiled worker entry, or null when running from TypeScript sources (no .js beside us). */
export function workerEntry(): URL | null {
  const url = new URL('./worker-main.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

export function threadLauncher(entry: URL): WorkerLauncher {
  return {
    kind: 'threads',
    start(spec, events): WorkerHandle {
      const shared = new SharedArrayBuffer(SLOT_COUNT * 4);
      const slots = new Int32Array(shared);
      const worker = new Worker(entry, { workerData: { kind: 'fuzz', spec: { ...spec, shared } } satisfies ThreadData });
      let error: Error | undefined;
      worker.on('message', (m: WorkerMessage) => events.message(m));
      worker.on('error', (e) => {
        error = e;
      });
      worker.on('exit', (code) => events.exit({ code, ...(error !== undefined ? { error } : {}) }));
      return {
        slots,
        requestStop: () => {
          Atomics.store(slots, SLOT_STOP, 1);
        },
        terminate: async () => {
          await worker.terminate();
        },
      };
    },
    minimize(job, timeoutMs, signal): Promise<MinimizeOutcome> {
      return new Promise((resolve) => {
        const worker = new Worker(entry, { workerData: { kind: 'minimize', job } satisfies ThreadData });
        let settled = false;
        const settle = (o: MinimizeOutcome): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(o);
        };
        const onAbort = (): void => {
          settle({ ok: false, reason: MINIMIZE_INTERRUPTED });
          void worker.terminate();
        };
        signal?.addEventListener('abort', onAbort);
        // Beyond its own time limit, a minimizer still running is stuck in a backend: cut it off.
        const timer = setTimeout(() => {
          settle({ ok: false, reason: `minimization did not finish within ${timeoutMs} ms (a backend hung?)` });
          void worker.terminate();
        }, timeoutMs);
        worker.on('message', (o: MinimizeOutcome) => {
          settle(o);
          void worker.terminate();
        });
        worker.on('error', (e) => settle({ ok: false, reason: `minimizer thread failed: ${e.stack ?? e.message}` }));
        worker.on('exit', (code) => settle({ ok: false, reason: `minimizer thread exited (code ${code}) without a result` }));
      });
    },
  };
}
