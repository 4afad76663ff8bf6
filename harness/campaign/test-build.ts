// Test support: compiles the project to a temporary directory, so tests can run the real
// command line and real worker threads (which load compiled JavaScript, not TypeScript).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TestBuild {
  readonly dir: string;
  /** Path of a compiled module, e.g. js('harness/cli/main') */
  js(path: string): string;
  cleanup(): void;
}

/**
 * Runs tsc over the whole project (tests and test support included) into a temporary
 * directory beside a package.json and a node_modules link, so the output runs as the package.
 * Type errors elsewhere in the tree do not stop the emit; missing outputs do.
 */
export function buildForTests(required: readonly string[]): TestBuild {
  const dir = mkdtempSync(join(tmpdir(), 'mmufuzz-build-'));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json'), '--outDir', dir, '--sourceMap', 'false'], { encoding: 'utf8' });
  const js = (path: string): string => join(dir, `${path}.js`);
  const missing = required.filter((p) => !existsSync(js(p)));
  if (missing.length > 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`test build: ${missing.join(', ')} not emitted:\n${r.stdout}${r.stderr}`);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  return { dir, js, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
