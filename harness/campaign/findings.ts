// The findings store: one directory per divergence signature, holding the first scenario that
// showed it, every backend's observations, a report with the replay command, and metadata.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../scenario/scenario.js';
import { observationToJson, scenarioToJson } from '../scenario/encode.js';
import type { OracleResult } from '../oracle/oracle.js';
import { renderDivergence } from '../oracle/report.js';
import { TEMP_PREFIX, writeFileAtomic } from './atomic-write.js';

/** A divergence as the campaign hands it to the store. */
export interface FindingInput {
  readonly signature: string;
  readonly scenario: Scenario;
  /** The oracle result for the scenario; its divergence is non-null. */
  readonly result: OracleResult;
  /** Iteration `index` of the campaign with this seed generated the scenario. */
  readonly seed: string;
  readonly index: number;
  /** The generator's mutators that built the scenario (first use order). */
  readonly mutators?: readonly string[];
  /** The paging mode the generator aimed for. */
  readonly mode?: string | undefined;
}

/** Where a signature's finding lives and how often it has been seen (across campaigns). */
export interface FindingRef {
  readonly dir: string;
  /** False when an earlier campaign already stored this signature (its scenario is kept). */
  readonly isNew: boolean;
  readonly hits: number;
}

/** What the campaign loop needs of a findings store (tests substitute an in-memory one). */
export interface FindingsSink {
  /** First sighting of a signature in this campaign. */
  add(finding: FindingInput): FindingRef;
  /** A repeat sighting: counts it; the count reaches disk at the next flush. */
  hit(signature: string): void;
  /** Writes pending hit counts. */
  flush(): void;
}

/** Campaign-wide facts recorded in every finding's meta.json. */
export interface FindingsContext {
  readonly backends: readonly string[];
  readonly mutant?: string;
  /** mmufuzz version (package.json), so a finding can be replayed with the same models. */
  readonly version: string;
  /** Generator options that, with seed and index, rebuild the scenario. */
  readonly generator?: Readonly<Record<string, unknown>>;
}

/** The JSON stored as meta.json. */
export interface FindingMeta {
  readonly signature: string;
  readonly class: string;
  readonly engine: 'random';
  readonly seed: string;
  readonly index: number;
  readonly generator: Readonly<Record<string, unknown>>;
  /** Generator mutators that built the scenario, and the paging mode it aimed for. */
  readonly mutators: readonly string[];
  readonly targetMode: string | null;
  readonly backends: readonly string[];
  readonly mutant: string | null;
  readonly version: string;
  hits: number;
}

/** Directory name of a signature: a short content hash (stable, collision-resistant) + a readable slug. */
export function findingDirName(signature: string): string {
  const hash = createHash('sha256').update(signature).digest('hex').slice(0, 10);
  const slug = signature
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug === '' ? hash : `${hash}-${slug}`;
}

/** The command that replays a stored finding. */
export function replayCommand(scenarioPath: string, backends: readonly string[], mutant?: string): string {
  const mutantArg = mutant === undefined ? '' : ` --mutant ${mutant}`;
  return `mmufuzz replay ${scenarioPath} --backends ${backends.join(',')}${mutantArg}`;
}

/** A findings store on disk under root. Every file appears atomically. */
export class FindingsStore implements FindingsSink {
  private readonly metas = new Map<string, { dir: string; meta: FindingMeta }>();
  private readonly dirty = new Set<string>();
  private tempCounter = 0;

  constructor(
    readonly root: string,
    private readonly context: FindingsContext,
  ) {}

  add(finding: FindingInput): FindingRef {
    const known = this.metas.get(finding.signature);
    if (known !== undefined) {
      this.hit(finding.signature);
      return { dir: known.dir, isNew: false, hits: known.meta.hits };
    }
    mkdirSync(this.root, { recursive: true });
    const dir = join(this.root, findingDirName(finding.signature));
    const existing = readMeta(dir);
    if (existing !== undefined) {
      // Resuming over an earlier campaign's findings: keep its (first) scenario, count this one.
      existing.hits += 1;
      this.metas.set(finding.signature, { dir, meta: existing });
      writeFileAtomic(join(dir, 'meta.json'), jsonText(existing));
      return { dir, isNew: false, hits: existing.hits };
    }
    const meta = this.metaFor(finding);
    this.writeNew(dir, finding, meta);
    this.metas.set(finding.signature, { dir, meta });
    return { dir, isNew: true, hits: 1 };
  }

  hit(signature: string): void {
    const known = this.metas.get(signature);
    if (known === undefined) throw new Error(`findings store: hit() for unrecorded signature ${signature}`);
    known.meta.hits += 1;
    this.dirty.add(signature);
  }

  flush(): void {
    for (const signature of this.dirty) {
      const known = this.metas.get(signature)!;
      writeFileAtomic(join(known.dir, 'meta.json'), jsonText(known.meta));
    }
    this.dirty.clear();
  }

  private metaFor(finding: FindingInput): FindingMeta {
    const d = finding.result.divergence;
    return {
      signature: finding.signature,
      class: d === null ? 'unknown' : d.class,
      engine: 'random',
      seed: finding.seed,
      index: finding.index,
      generator: this.context.generator ?? {},
      mutators: finding.mutators ?? [],
      targetMode: finding.mode ?? null,
      backends: this.context.backends,
      mutant: this.context.mutant ?? null,
      version: this.context.version,
      hits: 1,
    };
  }

  /** Builds the directory under a temporary name, then renames it into place in one step. */
  private writeNew(dir: string, finding: FindingInput, meta: FindingMeta): void {
    const tmp = join(this.root, `${TEMP_PREFIX}${process.pid}-${this.tempCounter++}`);
    mkdirSync(tmp);
    try {
      writeFileSync(join(tmp, 'scenario.json'), jsonText(scenarioToJson(finding.scenario)));
      writeFileSync(join(tmp, 'observations.json'), jsonText(observationsJson(finding.result)));
      writeFileSync(join(tmp, 'report.txt'), reportText(dir, finding, this.context));
      writeFileSync(join(tmp, 'meta.json'), jsonText(meta));
      renameSync(tmp, dir);
    } finally {
      if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
    }
  }
}

function observationsJson(result: OracleResult): Record<string, object[]> {
  const out: Record<string, object[]> = {};
  for (const [name, list] of Object.entries(result.observations)) {
    out[name] = list.map((o, i) => observationToJson(o, i));
  }
  return out;
}

function reportText(dir: string, finding: FindingInput, context: FindingsContext): string {
  const d = finding.result.divergence;
  const lines = [
    d === null ? '(no divergence)' : renderDivergence(finding.result, finding.scenario).trimEnd(),
    '',
    'Replay:',
    `  ${replayCommand(join(dir, 'scenario.json'), context.backends, context.mutant)}`,
    '',
    `Found by the seeded random generator: seed ${JSON.stringify(finding.seed)}, scenario ${finding.index}, mmufuzz ${context.version}.`,
  ];
  return lines.join('\n') + '\n';
}

function readMeta(dir: string): FindingMeta | undefined {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(path, 'utf8')) as FindingMeta;
    if (typeof meta.hits !== 'number') meta.hits = 0;
    return meta;
  } catch {
    // A meta.json we cannot read is someone else's file: leave it alone rather than clobber it.
    throw new Error(`findings store: ${path} exists but is not valid JSON; move it away or pick another --findings directory`);
  }
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
