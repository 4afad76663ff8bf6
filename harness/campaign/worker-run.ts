// One worker's run: resolve its backends, run the plan's engine in a WorkerContext, report the
// rest at the end. The same code runs in a worker thread and in-process.
import { pathToFileURL } from 'node:url';
import type { BackendFactory } from '../../mmus/backend.js';
import { getBackend } from '../../mmus/registry.js';
import { getEngine } from '../engines/registry.js';
import { WorkerContext, type WorkerEnv } from './worker-context.js';
import { SLOT_COUNT, type WorkerMessage, type WorkerSpec } from './worker-protocol.js';

export interface RunWorkerEnv {
  clock(): number;
  sink(message: WorkerMessage): void;
  /** Overrides the backends (in-process tests); default: resolveFactories(spec). */
  readonly factories?: readonly BackendFactory[];
  /** Slots to use when the spec carries no shared buffer (in-process). */
  readonly slots?: Int32Array;
}

/** Runs the worker to its end; an engine that throws becomes a 'fatal' message, never a rejection. */
export async function runWorker(spec: WorkerSpec, env: RunWorkerEnv): Promise<void> {
  let ctx: WorkerContext | undefined;
  try {
    const factories = env.factories ?? (await resolveFactories(spec.plan.backends, spec.plan.mutant, spec.backendModule));
    const slots = spec.shared !== undefined ? new Int32Array(spec.shared) : (env.slots ?? new Int32Array(SLOT_COUNT));
    const workerEnv: WorkerEnv = { clock: env.clock, sink: env.sink, slots, factories };
    ctx = new WorkerContext(spec, workerEnv);
    await getEngine(spec.plan.engine).run(ctx);
    ctx.finish();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    env.sink({
      type: 'fatal',
      worker: spec.slot.worker,
      elapsedMs: ctx?.elapsedMs() ?? spec.elapsedOffsetMs,
      name: err.name,
      message: err.message,
      ...(err.stack !== undefined ? { stack: err.stack } : {}),
    });
  }
}

/**
 * Backend factories by name (a mutant replaces refactored). A test may name a module whose
 * `backends` export supplies factories by name; names it lacks come from the registry.
 */
export async function resolveFactories(names: readonly string[], mutant?: string, backendModule?: string): Promise<BackendFactory[]> {
  let extra: Readonly<Record<string, BackendFactory>> = {};
  if (backendModule !== undefined) {
    const mod = (await import(pathToFileURL(backendModule).href)) as { backends?: Record<string, BackendFactory> };
    if (mod.backends === undefined) throw new Error(`${backendModule}: expected a "backends" export (name -> BackendFactory)`);
    extra = mod.backends;
  }
  return names.map((n) => extra[n] ?? getBackend(n, mutant));
}
