// Test support, run as a compiled child process: `fuzz()` with a backend module (worker threads
// load backends by module path only). Arguments: the FuzzOptions as JSON, the module path.
import { fuzz, processFuzzEnv } from '../cli/fuzz.js';

const [optionsJson, backendModule] = process.argv.slice(2);
const env = processFuzzEnv();
process.exitCode = await fuzz(
  JSON.parse(optionsJson!),
  { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), isTTY: false },
  { ...env, ...(backendModule !== undefined ? { backendModule } : {}) },
);
env.dispose();
