// Loads jsfuzz 1.0.15's Fuzzer class (jsfuzz/build/src/fuzzer) so that it can run inside our
// process without taking it over: the module is evaluated with its own `console` (its status
// lines go to a log we keep, never to our output), its own `process` (its SIGINT handler and its
// `process.exitCode = 1` on a crash land on a stand-in, not on the campaign) and a child_process
// whose fork() pipes the worker's output to us, runs it in a directory we choose (its coverage
// dump and any stray file land there, not in the user's working directory) and in its own process
// group (so a terminal's Ctrl-C goes to the campaign, which stops the worker itself).
import * as childProcess from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { format } from 'node:util';
import vm from 'node:vm';

/** The jsfuzz version whose internals this file relies on. */
export const JSFUZZ_VERSION = '1.0.15';

/** What the engine uses of a jsfuzz Fuzzer instance (fields as jsfuzz names them). */
export interface JsfuzzFuzzer {
  readonly worker: childProcess.ChildProcess;
  readonly corpus: { getLength(): number };
  total_executions: number;
  total_coverage: number;
  start(): void;
  clearIntervals(): void;
  writeCrash(buf: Buffer): void;
  logStats(type: string): void;
}

export type JsfuzzFuzzerClass = new (
  target: string,
  dirs: string[],
  exactArtifactPath: string,
  rssLimitMb: number,
  timeoutSec: number,
  regression: boolean,
  onlyAscii: boolean,
  versifier: boolean,
) => JsfuzzFuzzer;

/** jsfuzz is missing or another version: the message says what to install. */
export class JsfuzzUnavailableError extends Error {
  override readonly name = 'JsfuzzUnavailableError';
}

export interface JsfuzzSandbox {
  /** Working directory of the worker (jsfuzz resolves the target relative to it). */
  readonly cwd: string;
  /** Environment of the worker. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives every line jsfuzz's parent side would have printed. */
  readonly log: (line: string) => void;
}

const require = createRequire(import.meta.url);

function resolveFuzzerModule(): string {
  let pkgPath: string;
  try {
    pkgPath = require.resolve('jsfuzz/package.json');
  } catch {
    throw new JsfuzzUnavailableError(
      `the coverage engine needs jsfuzz ${JSFUZZ_VERSION}, which is not installed: run "npm install --save-dev jsfuzz@${JSFUZZ_VERSION}"`,
    );
  }
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string }).version;
  if (version !== JSFUZZ_VERSION) {
    throw new JsfuzzUnavailableError(
      `the coverage engine is written against jsfuzz ${JSFUZZ_VERSION} (its internals and sharp edges), found ${version}: run "npm install --save-dev jsfuzz@${JSFUZZ_VERSION}"`,
    );
  }
  return require.resolve('jsfuzz/build/src/fuzzer');
}

/** A fresh Fuzzer class bound to `sandbox` (each call evaluates jsfuzz's module anew). */
export function loadFuzzerClass(sandbox: JsfuzzSandbox): JsfuzzFuzzerClass {
  const file = resolveFuzzerModule();
  const moduleRequire = createRequire(file);
  const quiet = {
    log: (...args: unknown[]) => sandbox.log(format(...args)),
    error: (...args: unknown[]) => sandbox.log(format(...args)),
    warn: (...args: unknown[]) => sandbox.log(format(...args)),
    info: (...args: unknown[]) => sandbox.log(format(...args)),
  };
  const standIn = {
    on: () => standIn,
    once: () => standIn,
    memoryUsage: () => process.memoryUsage(),
    exitCode: undefined as number | undefined,
  };
  const cp = {
    ...childProcess,
    fork: (modulePath: string, args: readonly string[], options: childProcess.ForkOptions = {}) =>
      // detached: a Ctrl-C at the terminal reaches the campaign, which stops the worker itself.
      childProcess.fork(modulePath, args, { ...options, cwd: sandbox.cwd, env: sandbox.env, silent: true, detached: true }),
  };
  const sandboxRequire = Object.assign((id: string): unknown => (id === 'child_process' ? cp : moduleRequire(id)), {
    resolve: moduleRequire.resolve,
    cache: moduleRequire.cache,
  });
  const mod = { exports: {} as { Fuzzer?: JsfuzzFuzzerClass } };
  const wrapper = vm.compileFunction(
    readFileSync(file, 'utf8'),
    ['exports', 'require', 'module', '__filename', '__dirname', 'console', 'process'],
    { filename: file },
  );
  wrapper.call(mod.exports, mod.exports, sandboxRequire, mod, file, dirname(file), quiet, standIn);
  if (typeof mod.exports.Fuzzer !== 'function') throw new JsfuzzUnavailableError(`${file} does not export Fuzzer`);
  return mod.exports.Fuzzer;
}
