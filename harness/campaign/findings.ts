// The findings store: one directory per divergence signature, holding the first scenario that
// showed it, every backend's observations, a report with the replay command, meta.json, and
// once minimized, minimized.json. Every file appears atomically (write then rename); only the
// campaign's supervisor writes here.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provenance } from '../engines/engine.js';
import type { OracleResult } from '../oracle/oracle.js';
import { observationToJson, scenarioToJson } from '../scenario/encode.js';
import type { Scenario } from '../scenario/scenario.js';
import { TEMP_PREFIX, writeFileAtomic } from './atomic-write.js';
import { normalizeMeta, sumHits, type FindingMeta, type ToolVersions } from './finding-meta.js';
import { findingReport, withMinimizedSection } from './finding-report.js';
import type { MinimizedInfo } from './minimize-job.js';

export { replayCommand } from './finding-report.js';
export type { FindingMeta, ToolVersions } from './finding-meta.js';

/** A finding as the supervisor hands it to the store. */
export interface FindingInput {
  readonly signature: string;
  /** Divergence class, or `hang`. */
  readonly class: string;
  readonly scenario: Scenario;
  /** The oracle result (divergence non-null); null for a hang. */
  readonly result: OracleResult | null;
  readonly provenance: Provenance;
  /** Campaign-relative milliseconds. */
  readonly firstSeenMs: number;
  /** A hang: the backend that did not return and from which op (-1: create). */
  readonly hang?: { readonly backend: string; readonly opIndex: number; readonly timeoutMs: number };
}

/** Where a signature's finding lives and how often it has been seen (all campaigns). */
export interface FindingRef {
  readonly dir: string;
  /** False when the store already held this signature (its scenario is kept). */
  readonly isNew: boolean;
  readonly hits: number;
}

/** Campaign-wide facts recorded in every finding's meta.json. */
export interface FindingsContext {
  readonly backends: readonly string[];
  readonly mutant?: string;
  readonly versions: ToolVersions;
  /** Generator options that, with seed and index, rebuild a random-engine scenario. */
  readonly generator?: Readonly<Record<string, unknown>>;
  /** The campaign's id (plan.ts campaignId): hits are counted per campaign. */
  readonly campaignId: string;
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

/** A findings store on disk under root. */
export class FindingsStore {
  private readonly metas = new Map<string, { dir: string; meta: FindingMeta }>();
  private readonly dirty = new Set<string>();
  private tempCounter = 0;

  constructor(
    readonly root: string,
    private readonly context: FindingsContext,
  ) {}

  /** A sighting: a new signature gets its directory; a known one (this or an earlier campaign) a hit. */
  add(finding: FindingInput): FindingRef {
    const known = this.load(finding.signature);
    if (known !== undefined) {
      this.hit(finding.signature);
      this.flushOne(finding.signature);
      return { dir: known.dir, isNew: false, hits: known.meta.hits };
    }
    mkdirSync(this.root, { recursive: true });
    const dir = join(this.root, findingDirName(finding.signature));
    const meta = this.metaFor(finding);
    this.writeNew(dir, finding, meta);
    this.metas.set(finding.signature, { dir, meta });
    return { dir, isNew: true, hits: 1 };
  }

  /** Repeat sightings; they reach disk at the next flush. */
  hit(signature: string, count = 1): void {
    const known = this.load(signature);
    if (known === undefined) throw new Error(`findings store: hit() for unrecorded signature ${signature}`);
    const id = this.context.campaignId;
    known.meta.hitsBy[id] = (known.meta.hitsBy[id] ?? 0) + count;
    known.meta.hits = sumHits(known.meta.hitsBy);
    this.dirty.add(signature);
  }

  flush(): void {
    for (const signature of [...this.dirty]) this.flushOne(signature);
  }

  /** The stored meta of a signature (this campaign's or an earlier one's), if any. */
  meta(signature: string): Readonly<FindingMeta> | undefined {
    return this.load(signature)?.meta;
  }

  dirOf(signature: string): string {
    return join(this.root, findingDirName(signature));
  }

  /**
   * Stores a minimized scenario unless the finding already has one at most as large. Writes
   * minimized.json, then the report and meta. Returns whether it was kept.
   */
  setMinimized(signature: string, scenario: Scenario, info: MinimizedInfo, minimizedReport: string): boolean {
    const known = this.load(signature);
    if (known === undefined) return false;
    const current = known.meta.minimized;
    if (current !== null && current.afterOps <= info.afterOps) return false;
    const { dir, meta } = known;
    writeFileAtomic(join(dir, 'minimized.json'), jsonText(scenarioToJson(scenario)));
    const reportPath = join(dir, 'report.txt');
    const report = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
    writeFileAtomic(reportPath, withMinimizedSection(report, dir, info, minimizedReport, meta.backends, meta.mutant));
    meta.minimized = info;
    this.flushOne(signature, true);
    return true;
  }

  /** Notes on a stored finding that a ledger entry now accepts its signature. */
  markAccepted(signature: string, id: string): void {
    const known = this.load(signature);
    if (known === undefined || known.meta.accepted === id) return;
    known.meta.accepted = id;
    this.flushOne(signature, true);
  }

  private flushOne(signature: string, force = false): void {
    if (!force && !this.dirty.has(signature)) return;
    const known = this.metas.get(signature)!;
    writeFileAtomic(join(known.dir, 'meta.json'), jsonText(known.meta));
    this.dirty.delete(signature);
  }

  /** The in-memory record of a signature, read from disk the first time (an earlier campaign's). */
  private load(signature: string): { dir: string; meta: FindingMeta } | undefined {
    const cached = this.metas.get(signature);
    if (cached !== undefined) return cached;
    const dir = this.dirOf(signature);
    const meta = readMeta(dir, this.context.campaignId);
    if (meta === undefined) return undefined;
    const entry = { dir, meta };
    this.metas.set(signature, entry);
    return entry;
  }

  private metaFor(f: FindingInput): FindingMeta {
    const p = f.provenance;
    return {
      signature: f.signature,
      class: f.class,
      engine: p.engine,
      provenance: p,
      seed: p.seed,
      index: p.index ?? null,
      generator: this.context.generator ?? {},
      mutators: p.mutators ?? [],
      targetMode: p.mode ?? null,
      backends: this.context.backends,
      mutant: this.context.mutant ?? null,
      version: this.context.versions.mmufuzz,
      versions: this.context.versions,
      hits: 1,
      hitsBy: { [this.context.campaignId]: 1 },
      firstSeen: Math.round(f.firstSeenMs),
      minimized: null,
    };
  }

  /** Builds the directory under a temporary name, then renames it into place in one step. */
  private writeNew(dir: string, f: FindingInput, meta: FindingMeta): void {
    const tmp = join(this.root, `${TEMP_PREFIX}${process.pid}-${this.tempCounter++}`);
    mkdirSync(tmp);
    try {
      writeFileSync(join(tmp, 'scenario.json'), jsonText(scenarioToJson(f.scenario)));
      writeFileSync(join(tmp, 'observations.json'), jsonText(f.result === null ? {} : observationsJson(f.result)));
      writeFileSync(join(tmp, 'report.txt'), findingReport(dir, f, this.context.backends, this.context.mutant, this.context.versions.mmufuzz));
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

/** meta.json of a finding directory, or undefined when there is none. */
export function readMeta(dir: string, fallbackCampaign: string): FindingMeta | undefined {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // A meta.json we cannot read is someone else's file: leave it alone rather than clobber it.
    throw new Error(`findings store: ${path} exists but is not valid JSON; move it away or pick another --findings directory`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`findings store: ${path} is not a finding's meta.json`);
  return normalizeMeta(raw as Record<string, unknown>, fallbackCampaign);
}

export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
