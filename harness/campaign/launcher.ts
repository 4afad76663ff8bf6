// How the supervisor starts workers and minimization jobs. Two implementations: worker threads
// (thread-launcher.ts; real parallelism, hangs can be cut off) and in-process (this file; used
// from TypeScript sources and by tests, where workers interleave at the engine's yields).
import type { BackendFactory } from '../../mmus/backend.js';
import { runMinimizeJob, type MinimizeJob, type MinimizeOutcome } from './minimize-job.js';
import { runWorker } from './worker-run.js';
import { SLOT_COUNT, SLOT_STOP, type WorkerMessage, type WorkerSpec } from './worker-protocol.js';

export interface WorkerEvents {
  message(m: WorkerMessage): void;
  /** The worker ended (after its last message); `error` when it died of an uncaught error. */
  exit(info: { readonly code: number; readonly error?: Error }): void;
}

export interface WorkerHandle {
  /** Asks the worker to stop after its current case. */
  requestStop(): void;
  /** Kills the worker now (threads); in-process this only asks it to stop. */
  terminate(): Promise<void>;
  /** The SLOT_* values the worker keeps current. */
  readonly slots: Int32Array;
}

export interface WorkerLauncher {
  /** 'threads' can preempt a wedged worker; 'in-process' cannot (no hang detection there). */
  readonly kind: 'threads' | 'in-process';
  start(spec: WorkerSpec, events: WorkerEvents): WorkerHandle;
  /**
   * Runs a minimization job; `timeoutMs` bounds it where the launcher can enforce that, and an
   * abort (Ctrl-C) ends it early with a failed outcome.
   */
  minimize(job: MinimizeJob, timeoutMs: number, signal?: AbortSignal): Promise<MinimizeOutcome>;
}

export interface InProcessOptions {
  /** The worker clock (a fake clock in tests). */
  clock(): number;
  /** Backends to use instead of the plan's names (tests inject failing ones). */
  readonly factories?: readonly BackendFactory[];
  /** Replaces the minimizer (tests). */
  minimize?(job: MinimizeJob): Promise<MinimizeOutcome>;
}

/** Workers as async tasks of this thread; a worker's messages reach the supervisor synchronously. */
export function inProcessLauncher(opts: InProcessOptions): WorkerLauncher {
  return {
    kind: 'in-process',
    start(spec, events) {
      const slots = new Int32Array(SLOT_COUNT);
      // Started on a later microtask, so no message arrives before the caller holds the handle.
      const run = Promise.resolve().then(() =>
        runWorker(spec, {
          clock: opts.clock,
          sink: (m) => events.message(m),
          slots,
          ...(opts.factories !== undefined ? { factories: opts.factories } : {}),
        }),
      );
      void run.then(
        () => events.exit({ code: 0 }),
        (e: unknown) => events.exit({ code: 1, error: e instanceof Error ? e : new Error(String(e)) }),
      );
      const stop = (): void => {
        slots[SLOT_STOP] = 1;
      };
      return {
        slots,
        requestStop: stop,
        terminate: async () => stop(),
      };
    },
    minimize: (job) => (opts.minimize !== undefined ? opts.minimize(job) : runMinimizeJob(job, opts.factories)),
  };
}
