// The import rules of docs/architecture.md as a test: models stay independent of each other and
// of the harness, and the harness reaches models only through the contract and the registry.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = ['legacy', 'refactored', 'reference'] as const;

interface ImportRef {
  /** The specifier as written. */
  readonly specifier: string;
  /** True for `import type` / `export type` or when every named binding is `type`. */
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Source with comments blanked out (newlines kept, so line numbers still match). */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '));
}

const IMPORT_RE = /(?:^|[;\n}])\s*(import|export)\s+(?:(type)\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every static import/export-from, side-effect import and literal dynamic import in src. */
export function extractImports(source: string): ImportRef[] {
  const src = stripComments(source);
  const out: ImportRef[] = [];
  for (const m of src.matchAll(IMPORT_RE)) {
    const start = m.index + m[0].search(/\b(?:import|export)\b/);
    const line = src.slice(0, start).split('\n').length;
    if (m[4] !== undefined) {
      const clause = m[3];
      const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
      const allTypeNamed =
        named !== null &&
        named[1].split(',').map((s) => s.trim()).filter((s) => s !== '').every((s) => s.startsWith('type '));
      out.push({ specifier: m[4], typeOnly: m[2] === 'type' || allTypeNamed, line });
    } else {
      out.push({ specifier: (m[5] ?? m[6])!, typeOnly: false, line });
    }
  }
  return out;
}

/** A relative specifier resolved to a repository path (`.js` -> `.ts`); bare ones stay as they are. */
export function resolveSpecifier(fromFile: string, specifier: string): { path: string; bare: boolean } {
  if (!specifier.startsWith('.')) return { path: specifier, bare: true };
  const joined = posix.normalize(posix.join(posix.dirname(fromFile), specifier));
  return { path: joined.replace(/\.js$/, '.ts'), bare: false };
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + '/');

/** The rule an import breaks, or undefined. `from` and `target` are repository paths. */
export function breach(from: string, target: { path: string; bare: boolean }, typeOnly: boolean): string | undefined {
  if (under(from, 'mmus/x86') && !(target.bare ? false : under(target.path, 'mmus/x86'))) {
    return 'mmus/x86 holds architectural facts and imports nothing outside mmus/x86';
  }
  if (target.bare) return undefined;
  const to = target.path;
  if (under(from, 'mmus') && under(to, 'harness')) return 'mmus/** never imports harness/**';
  for (const a of MODELS) {
    for (const b of MODELS) {
      if (a !== b && under(from, `mmus/${a}`) && under(to, `mmus/${b}`)) {
        return `mmus/${a} and mmus/${b} are independent models and never import each other`;
      }
    }
  }
  if (under(from, 'harness') && under(to, 'mmus')) {
    const allowed =
      to === 'mmus/backend.ts' ||
      to === 'mmus/registry.ts' ||
      under(to, 'mmus/x86') ||
      (to === 'mmus/memory/memslot.ts' && typeOnly);
    if (!allowed) {
      return 'harness/** reaches models only through mmus/backend.ts, mmus/registry.ts, mmus/x86 and memslot types';
    }
  }
  return undefined;
}

function tsFilesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.ts')) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

function scanTree(): string[] {
  const problems: string[] = [];
  for (const top of ['mmus', 'harness']) {
    for (const abs of tsFilesUnder(join(ROOT, top))) {
      const from = relative(ROOT, abs).split(sep).join('/');
      for (const ref of extractImports(readFileSync(abs, 'utf8'))) {
        const why = breach(from, resolveSpecifier(from, ref.specifier), ref.typeOnly);
        if (why !== undefined) problems.push(`${from}:${ref.line}: imports '${ref.specifier}': ${why}`);
      }
    }
  }
  return problems;
}

describe('import rules', () => {
  it('the tree has no breach', () => {
    expect(scanTree()).toEqual([]);
  });
});

describe('the import scanner', () => {
  it('finds static, re-export, side-effect and dynamic imports, and tells type-only ones', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      'import {',
      '  type C,',
      '  type D,',
      "} from './cd.js';",
      "export { e } from './e.js';",
      "export * from './star.js';",
      "import './side.js';",
      "const m = await import('./dyn.js');",
      "// import { no } from './comment.js';",
      "/* import x from './block.js'; */",
      "import def, { type F } from './mixed.js';",
    ].join('\n');
    const refs = extractImports(src);
    expect(refs.map((r) => [r.specifier, r.typeOnly, r.line])).toEqual([
      ['./a.js', false, 1],
      ['../b.js', true, 2],
      ['./cd.js', true, 3],
      ['./e.js', false, 7],
      ['./star.js', false, 8],
      ['./side.js', false, 9],
      ['./dyn.js', false, 10],
      ['./mixed.js', false, 13],
    ]);
  });

  it('resolves relative specifiers to repository paths', () => {
    expect(resolveSpecifier('harness/cli/cli.ts', '../../mmus/registry.js')).toEqual({ path: 'mmus/registry.ts', bare: false });
    expect(resolveSpecifier('harness/cli/cli.ts', 'yargs')).toEqual({ path: 'yargs', bare: true });
  });

  it('flags each kind of breach and allows the permitted edges', () => {
    const rel = (from: string, spec: string, typeOnly = false) => breach(from, resolveSpecifier(from, spec), typeOnly);
    expect(rel('mmus/legacy/walk.ts', '../../harness/oracle/oracle.js')).toMatch(/never imports harness/);
    expect(rel('mmus/legacy/walk.ts', '../reference/translate.js')).toMatch(/independent models/);
    expect(rel('mmus/refactored/a/b.ts', '../../legacy/mmu.js')).toMatch(/independent models/);
    expect(rel('mmus/x86/bits.ts', '../backend.js')).toMatch(/mmus\/x86/);
    expect(rel('mmus/x86/bits.ts', 'node:fs')).toMatch(/mmus\/x86/);
    expect(rel('harness/oracle/oracle.ts', '../../mmus/legacy/index.js')).toMatch(/harness/);
    expect(rel('harness/oracle/oracle.ts', '../../mmus/memory/guest-memory.js')).toMatch(/harness/);
    expect(rel('harness/oracle/oracle.ts', '../../mmus/memory/memslot.js')).toMatch(/harness/);

    expect(rel('harness/oracle/oracle.ts', '../../mmus/memory/memslot.js', true)).toBeUndefined();
    expect(rel('harness/oracle/oracle.ts', '../../mmus/backend.js')).toBeUndefined();
    expect(rel('harness/cli/cli.ts', '../../mmus/registry.js')).toBeUndefined();
    expect(rel('harness/scenario/print.ts', '../../mmus/x86/u64.js')).toBeUndefined();
    expect(rel('mmus/legacy/walk.ts', '../x86/bits.js')).toBeUndefined();
    expect(rel('mmus/legacy/walk.ts', '../memory/guest-memory.js')).toBeUndefined();
    expect(rel('mmus/registry.ts', './legacy/index.js')).toBeUndefined();
    expect(rel('mmus/x86/u64.ts', './bits.js')).toBeUndefined();
  });
});
