// campaign.json: the plan, per-worker checkpoints (for --resume), merged statistics, signatures,
// accepted counts, stale ledger entries and worker events. Rewritten atomically at every
// checkpoint and at the end, in the findings directory.
import type { EngineStatus } from '../engines/engine.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provenance } from '../engines/engine.js';
import { ScenarioError } from '../scenario/errors.js';
import type { AcceptedEntryJson } from '../accept/tally.js';
import { writeFileAtomic } from './atomic-write.js';
import type { ToolVersions } from './finding-meta.js';
import type { MinimizedInfo } from './minimize-job.js';
import type { CampaignPlan } from './plan.js';
import type { StatsJson } from './stats.js';

export const CAMPAIGN_FORMAT = 'mmufuzz-campaign/1';
export const CAMPAIGN_FILE = 'campaign.json';

export interface WorkerCheckpoint {
  readonly worker: number;
  /** Cases this worker has done (its engine resumes at case `done`). */
  readonly done: number;
  readonly restarts: number;
}

/** One signature as this campaign saw it. */
export interface SignatureRecord {
  readonly signature: string;
  readonly class: string;
  /** Scenarios of this campaign that showed it. */
  hits: number;
  readonly dir: string;
  /** False when the store already held it before this campaign. */
  readonly isNew: boolean;
  /** Campaign-relative milliseconds of the first sighting. */
  readonly firstSeenMs: number;
  readonly provenance: Provenance;
  /** Ops of the stored (original) scenario. */
  readonly ops: number;
  minimized: MinimizedInfo | null;
  /** Why minimization did not happen or failed (null when it did, or is pending). */
  minimizeNote: string | null;
}

export interface WorkerEventRecord {
  readonly type: 'hang' | 'died' | 'restarted' | 'abandoned';
  readonly worker: number;
  readonly elapsedMs: number;
  readonly detail: string;
}

export interface CampaignFile {
  readonly format: typeof CAMPAIGN_FORMAT;
  readonly kind: 'campaign';
  readonly id: string;
  readonly status: 'running' | 'finished' | 'interrupted';
  readonly plan: CampaignPlan;
  readonly versions: ToolVersions;
  /** How workers ran: worker threads or in-process. */
  readonly launcher: 'threads' | 'in-process';
  readonly elapsedMs: number;
  readonly stats: StatsJson;
  readonly workers: readonly WorkerCheckpoint[];
  readonly signatures: readonly SignatureRecord[];
  readonly accepted: readonly AcceptedEntryJson[];
  /** Ledger entries that matched nothing; null while the campaign runs. */
  readonly stale: readonly string[] | null;
  readonly events: readonly WorkerEventRecord[];
  /** The engine's own counters at the end (coverage: fuzzer executions, corpus, coverage). */
  readonly engineStatus?: EngineStatus;
}

/** A campaign.json that cannot be used: exit 2 with file, place and expectation. */
export class CampaignFileError extends ScenarioError {
}

export function writeCampaignFile(dir: string, file: CampaignFile | object): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, CAMPAIGN_FILE), JSON.stringify(file, null, 2) + '\n');
}

/** The raw JSON of dir/campaign.json (any kind), or undefined when there is none. */
export function readCampaignJson(dir: string): Record<string, unknown> | undefined {
  const path = join(dir, CAMPAIGN_FILE);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CampaignFileError(path, '', `valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof json !== 'object' || json === null || (json as { format?: unknown }).format !== CAMPAIGN_FORMAT) {
    throw new CampaignFileError(path, '/format', `"${CAMPAIGN_FORMAT}"`);
  }
  return json as Record<string, unknown>;
}

/** dir/campaign.json of a single campaign, checked enough to resume from. */
export function readCampaignFile(dir: string): CampaignFile {
  const path = join(dir, CAMPAIGN_FILE);
  const json = readCampaignJson(dir);
  if (json === undefined) throw new CampaignFileError(path, '', 'a campaign.json written by "mmufuzz fuzz" (no such file)', '');
  if (json.kind !== 'campaign') throw new CampaignFileError(path, '/kind', `"campaign" (a merged directory cannot be resumed), got ${JSON.stringify(json.kind)}`);
  for (const key of ['plan', 'stats', 'workers', 'signatures', 'accepted', 'events'] as const) {
    if (typeof json[key] !== 'object' || json[key] === null) throw new CampaignFileError(path, `/${key}`, 'an object or array');
  }
  const plan = json.plan as CampaignPlan;
  const workers = json.workers as WorkerCheckpoint[];
  if (!Array.isArray(workers) || workers.length !== plan.workers) {
    throw new CampaignFileError(path, '/workers', `one checkpoint per worker (${plan.workers})`);
  }
  return json as unknown as CampaignFile;
}
