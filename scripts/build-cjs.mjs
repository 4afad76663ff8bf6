// Builds the CommonJS bundle the coverage engine fuzzes (jsfuzz instruments CommonJS only):
// tsc -p tsconfig.cjs.json compiles the fuzz target and what it imports (models, decoder, oracle)
// into dist-cjs/, marks the directory CommonJS, records a hash of every source it compiled
// (build-info.json: the engine refuses a bundle older than its sources) and fails if a heavy
// dependency slipped in (every instrumented or loaded file slows each fuzz execution).
// Usage: node scripts/build-cjs.mjs        (npm run build:cjs)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'dist-cjs');
const TARGET = 'harness/engines/coverage-target.js';
/** Bare modules the bundle may require: Node's own and seedrandom (the decoder's tail). */
const ALLOWED = /^(node:.*|seedrandom)$/;

rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.cjs.json'), '--listEmittedFiles'], {
  cwd: root,
  encoding: 'utf8',
});
if (run.status !== 0) {
  process.stderr.write(run.stdout + run.stderr + `build-cjs: tsc failed (exit ${run.status})\n`);
  process.exit(1);
}

const emitted = run.stdout
  .split('\n')
  .filter((l) => l.startsWith('TSFILE: '))
  .map((l) => l.slice('TSFILE: '.length).trim())
  .filter((f) => f.endsWith('.js'));
// Walk the require graph from the target: tsc also emits files reached only by type imports
// (the fast-check arbitraries whose types the decoder shares); those are deleted, not shipped.
const emittedSet = new Set(emitted.map((f) => relative(out, f).split(sep).join('/')));
if (!emittedSet.has(TARGET)) {
  process.stderr.write(`build-cjs: tsc did not emit ${TARGET}\n`);
  process.exit(1);
}
const sources = {};
const bad = [];
const reached = new Set([TARGET]);
for (const rel of reached) {
  const source = rel.replace(/\.js$/, '.ts');
  sources[source] = createHash('sha256').update(readFileSync(join(root, source))).digest('hex');
  for (const m of readFileSync(join(out, rel), 'utf8').matchAll(/require\("([^"]+)"\)/g)) {
    if (m[1].startsWith('.')) {
      const dep = posix.normalize(posix.join(posix.dirname(rel), m[1]));
      if (!emittedSet.has(dep)) bad.push(`${rel} requires ${m[1]}, which tsc did not emit`);
      else reached.add(dep);
    } else if (!ALLOWED.test(m[1])) {
      bad.push(`${rel} requires ${m[1]}`);
    }
  }
}
for (const rel of emittedSet) if (!reached.has(rel)) rmSync(join(out, rel));
if (bad.length > 0) {
  process.stderr.write(`build-cjs: the fuzz bundle must not load heavy dependencies:\n  ${bad.join('\n  ')}\n`);
  process.exit(1);
}

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
writeFileSync(join(out, 'build-info.json'), JSON.stringify({ target: TARGET, sources }, null, 2) + '\n');
process.stdout.write(`build-cjs: ${reached.size} files in ${relative(root, out)}/ (target ${TARGET})\n`);
