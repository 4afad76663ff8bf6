// Finds the CommonJS bundle the coverage engine fuzzes (dist-cjs/, built by scripts/build-cjs.mjs)
// and refuses one that is missing or older than its sources: jsfuzz would otherwise fuzz models
// that are not the ones the in-process replay runs, and its findings would not reproduce.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILD_HINT = 'run "npm run build:cjs" (node scripts/build-cjs.mjs)';

export interface CoverageBundle {
  /** The package root (holds package.json and dist-cjs/). */
  readonly root: string;
  /** dist-cjs/. */
  readonly dir: string;
  /** The compiled fuzz target (absolute). */
  readonly target: string;
  /** The compiled models: the only files jsfuzz instruments by default. */
  readonly modelsDir: string;
}

/** Missing or stale bundle; the message says how to build it. */
export class CoverageBundleError extends Error {
  override readonly name = 'CoverageBundleError';
}

interface BuildInfo {
  readonly target: string;
  readonly sources: Readonly<Record<string, string>>;
}

/** The mmufuzz package root above this file (source tree or dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mmufuzz') return dir;
    const up = dirname(dir);
    if (up === dir) throw new CoverageBundleError('cannot find the mmufuzz package root above the coverage engine');
    dir = up;
  }
}

/**
 * The bundle under `root` (default: the package root). Throws CoverageBundleError when it is
 * missing, or when a source file it was built from exists and has changed since.
 */
export function findCoverageBundle(root = packageRoot()): CoverageBundle {
  const dir = join(root, 'dist-cjs');
  const infoPath = join(dir, 'build-info.json');
  if (!existsSync(infoPath)) {
    throw new CoverageBundleError(`the coverage engine needs the CommonJS build of the models in ${dir}, which is missing: ${BUILD_HINT}`);
  }
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as BuildInfo;
  const target = join(dir, info.target);
  if (!existsSync(target)) throw new CoverageBundleError(`${target} is missing: ${BUILD_HINT}`);
  const stale = staleSources(root, info);
  if (stale.length > 0) {
    const more = stale.length > 1 ? ` and ${stale.length - 1} more` : '';
    throw new CoverageBundleError(`the CommonJS build in ${dir} is older than its sources (${stale[0]} changed${more}): ${BUILD_HINT}`);
  }
  return { root, dir, target, modelsDir: join(dir, 'mmus') };
}

/** Sources recorded in the build whose current content differs (absent sources are not checked). */
function staleSources(root: string, info: BuildInfo): string[] {
  const out: string[] = [];
  for (const [source, hash] of Object.entries(info.sources)) {
    const path = join(root, source);
    if (!existsSync(path)) continue;
    if (createHash('sha256').update(readFileSync(path)).digest('hex') !== hash) out.push(source);
  }
  return out;
}
