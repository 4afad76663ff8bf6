// meta.json of a finding: what it is, where it came from (engine provenance, seed, versions), how
// often each campaign saw it, and how far it was minimized. Read by resume, merge and reports.
import { createRequire } from 'node:module';
import type { Provenance } from '../engines/engine.js';
import type { MinimizedInfo } from './minimize-job.js';

export interface ToolVersions {
  readonly mmufuzz: string;
  readonly node: string;
  /** Path replay of the property engine is exact only with the same fast-check (fast-check#3613). */
  readonly 'fast-check': string | null;
}

export interface FindingMeta {
  readonly signature: string;
  /** Divergence class, or `hang`. */
  readonly class: string;
  readonly engine: string;
  readonly provenance: Provenance;
  /** The campaign seed and (random engine) the iteration: kept at the top for quick reading. */
  readonly seed: string;
  readonly index: number | null;
  readonly generator: Readonly<Record<string, unknown>>;
  readonly mutators: readonly string[];
  readonly targetMode: string | null;
  readonly backends: readonly string[];
  readonly mutant: string | null;
  /** mmufuzz version (same as versions.mmufuzz; older findings have only this). */
  readonly version: string;
  readonly versions: ToolVersions;
  /** Sum of hitsBy. */
  hits: number;
  /** Hits per campaign id (engine:seed:shard): merging takes the larger count per campaign. */
  hitsBy: Record<string, number>;
  /** Campaign-relative milliseconds when the campaign that stored it first saw it. */
  readonly firstSeen: number;
  minimized: MinimizedInfo | null;
  /** Id of the ledger entry that accepts this signature (set when a later campaign accepted it). */
  accepted?: string;
}

/** node and fast-check versions, with the given mmufuzz version. */
export function toolVersions(mmufuzz: string): ToolVersions {
  let fastCheck: string | null = null;
  try {
    const require = createRequire(import.meta.url);
    fastCheck = (require('fast-check/package.json') as { version: string }).version;
  } catch {
    // fast-check is a development dependency: an installed mmufuzz may run without it.
  }
  return { mmufuzz, node: process.versions.node, 'fast-check': fastCheck };
}

/** A meta.json read back, with fields older stores lack filled in (hitsBy, versions, minimized). */
export function normalizeMeta(raw: Record<string, unknown>, fallbackCampaign: string): FindingMeta {
  const m = raw as unknown as FindingMeta & { hits?: unknown; hitsBy?: unknown };
  const hits = typeof m.hits === 'number' ? m.hits : 0;
  const hitsBy =
    typeof m.hitsBy === 'object' && m.hitsBy !== null ? { ...(m.hitsBy as Record<string, number>) } : { [fallbackCampaign]: hits };
  return {
    ...m,
    provenance: m.provenance ?? ({ engine: 'random', seed: m.seed, ...(typeof m.index === 'number' ? { index: m.index } : {}) } as Provenance),
    versions: m.versions ?? { mmufuzz: m.version ?? 'unknown', node: 'unknown', 'fast-check': null },
    hitsBy,
    hits: sumHits(hitsBy),
    firstSeen: typeof m.firstSeen === 'number' ? m.firstSeen : 0,
    minimized: m.minimized ?? null,
  };
}

export function sumHits(hitsBy: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const v of Object.values(hitsBy)) n += v;
  return n;
}
