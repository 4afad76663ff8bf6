// The jsfuzz fuzz target, compiled to CommonJS (scripts/build-cjs.mjs) and loaded by jsfuzz's
// worker: decodes each input to a scenario, runs the oracle on the configured backends and, on a
// divergence, queues the input for the engine instead of throwing (jsfuzz stops at the first
// throw). Configured by environment variables the engine sets on the worker.
import './coverage-instrument.js'; // first: narrows instrumentation before the models load
import type { BackendFactory } from '../../mmus/backend.js';
import { getBackend } from '../../mmus/registry.js';
import { runOracle } from '../oracle/oracle.js';
import { TARGET_ENV } from './coverage-env.js';
import { enqueueInput } from './coverage-queue.js';
import { decodeScenario } from './decode.js';

export interface TargetSettings {
  readonly backends: readonly BackendFactory[];
  readonly queueDir: string;
  /** Signatures already queued by this worker: each is queued once (the engine counts hits on replay). */
  readonly queued: Set<string>;
}

/** Settings from the environment; throws with the variable's name when one is missing. */
export function targetSettings(env: NodeJS.ProcessEnv): TargetSettings {
  const names = env[TARGET_ENV.backends];
  const queueDir = env[TARGET_ENV.queue];
  if (names === undefined || names === '') throw new Error(`coverage target: ${TARGET_ENV.backends} is not set`);
  if (queueDir === undefined || queueDir === '') throw new Error(`coverage target: ${TARGET_ENV.queue} is not set`);
  const mutant = env[TARGET_ENV.mutant] || undefined;
  return { backends: names.split(',').map((n) => getBackend(n, mutant)), queueDir, queued: new Set() };
}

/** Runs one input; never throws (a failure of our own is queued as an `error` entry). */
export function runInput(buf: Uint8Array, settings: TargetSettings): void {
  try {
    const d = runOracle(decodeScenario(buf), settings.backends).divergence;
    if (d === null || settings.queued.has(d.signature)) return;
    settings.queued.add(d.signature);
    enqueueInput(settings.queueDir, buf, { signature: d.signature, reason: 'divergence' });
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (settings.queued.has(`error:${message}`)) return;
    settings.queued.add(`error:${message}`);
    try {
      enqueueInput(settings.queueDir, buf, { signature: '', reason: 'error', message });
    } catch {
      // The queue itself is gone (the engine is shutting down): nothing left to tell.
    }
  }
}

let settings: TargetSettings | undefined;

/** jsfuzz's entry point: a plain (not async) function, so the worker runs it synchronously. */
export function fuzz(buf: Buffer): void {
  settings ??= targetSettings(process.env);
  runInput(buf, settings);
}
