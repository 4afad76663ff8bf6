// Reading a findings-store directory (harness/campaign/findings.ts writes it): the scenario, the
// minimized scenario when there is one, and the meta.json fields minimize and export-test use.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError } from '../scenario/errors.js';

export interface FindingDir {
  readonly dir: string;
  readonly scenarioPath: string;
  readonly minimizedPath: string;
  readonly metaPath: string;
  /** meta.json as read (kept whole so an update rewrites every field it had). */
  readonly meta: Record<string, unknown>;
  readonly signature: string;
  readonly backends: readonly string[];
  readonly mutant?: string;
}

/** True when path is a directory: a finding (readFindingDir checks its files), not a scenario file. */
export function isFindingDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Reads dir's meta.json; a missing or malformed one is a ScenarioError naming the file and field. */
export function readFindingDir(dir: string): FindingDir {
  const scenarioPath = join(dir, 'scenario.json');
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(scenarioPath) || !existsSync(metaPath)) {
    throw new ScenarioError(dir, '', 'a finding directory holding scenario.json and meta.json (or a scenario file)', '');
  }
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (e) {
    throw new ScenarioError(metaPath, '', `valid JSON (${e instanceof Error ? e.message : String(e)})`, '');
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new ScenarioError(metaPath, '', 'a JSON object');
  const m = meta as Record<string, unknown>;
  if (typeof m.signature !== 'string') throw new ScenarioError(metaPath, '/signature', 'a signature string');
  if (!Array.isArray(m.backends) || m.backends.length === 0 || !m.backends.every((b) => typeof b === 'string')) {
    throw new ScenarioError(metaPath, '/backends', 'a non-empty list of backend names');
  }
  if (m.mutant !== undefined && m.mutant !== null && typeof m.mutant !== 'string') {
    throw new ScenarioError(metaPath, '/mutant', 'a mutant name or null');
  }
  return {
    dir,
    scenarioPath,
    minimizedPath: join(dir, 'minimized.json'),
    metaPath,
    meta: m,
    signature: m.signature,
    backends: m.backends as string[],
    ...(typeof m.mutant === 'string' ? { mutant: m.mutant } : {}),
  };
}

/** How the finding was found, in a sentence, from whatever provenance meta.json records. */
export function describeProvenance(f: FindingDir): string {
  const m = f.meta;
  const prov = (m.provenance !== null && typeof m.provenance === 'object' ? m.provenance : m) as Record<string, unknown>;
  const engine = typeof m.engine === 'string' ? m.engine : typeof prov.engine === 'string' ? prov.engine : 'random';
  const facts: string[] = [];
  if (typeof prov.seed === 'string') facts.push(`seed ${JSON.stringify(prov.seed)}`);
  if (typeof prov.index === 'number') facts.push(`scenario ${prov.index}`);
  if (typeof prov.fcSeed === 'number') facts.push(`fast-check seed ${prov.fcSeed}`);
  if (typeof prov.fcPath === 'string') facts.push(`path ${JSON.stringify(prov.fcPath)}`);
  if (typeof prov.input === 'string') facts.push(`input of ${prov.input.length / 2} bytes`);
  const against = f.mutant === undefined ? '' : ` against mutant ${f.mutant}`;
  return `Found by the ${engine} engine${against}${facts.length > 0 ? ` (${facts.join(', ')})` : ''} on ${f.backends.join(', ')}.`;
}
