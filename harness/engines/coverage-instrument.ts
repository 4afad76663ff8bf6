// Inside the jsfuzz worker only: narrows jsfuzz's istanbul require hook (which instruments every
// CommonJS file loaded after it, node_modules included) to the files under one directory — the
// compiled models — because the worker sums every coverage counter after every input, so each
// instrumented harness file would slow every execution down without telling the fuzzer anything.
// The fuzz target imports this module first, before anything else it loads.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { resolve, sep } from 'node:path';
import { INSTRUMENT_DIR_ENV } from './coverage-env.js';


type Loader = (module: { _compile(code: string, filename: string): void }, filename: string) => void;
interface ModuleInternals {
  _extensions: Record<string, Loader>;
  prototype: { _compile(code: string, filename: string): void };
}

/**
 * Replaces the `.js` loader by one that hands files under `dir` to the current (instrumenting)
 * loader and compiles every other file as it is. Returns false when there was nothing to do.
 */
export function restrictInstrumentation(dir: string): boolean {
  const internals = Module as unknown as ModuleInternals;
  const instrumenting = internals._extensions['.js'];
  if (typeof instrumenting !== 'function') return false;
  const prefix = resolve(dir) + sep;
  const compile = internals.prototype._compile;
  const loader: Loader = (module, filename) => {
    if (filename.startsWith(prefix)) {
      instrumenting(module, filename);
      return;
    }
    // The hook swapped module._compile for an instrumenting one; the prototype's is the plain one.
    compile.call(module, readFileSync(filename, 'utf8'), filename);
  };
  // istanbul installs the hook as a getter/setter pair that wraps whatever is assigned: replace
  // the property itself.
  Object.defineProperty(internals._extensions, '.js', { value: loader, writable: true, configurable: true, enumerable: true });
  return true;
}

const dir = process.env[INSTRUMENT_DIR_ENV];
if (dir !== undefined && dir !== '' && typeof (Module as unknown as Partial<ModuleInternals>)._extensions === 'object') {
  restrictInstrumentation(dir);
}
