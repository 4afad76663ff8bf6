// A campaign's plan (everything that decides which scenarios run, stored in campaign.json so
// --resume continues the same campaign) and how it splits into shards and workers.
import { createHash } from 'node:crypto';
import type { EngineName } from '../engines/engine.js';
import type { GeneratorOptions } from '../generate/options.js';
import type { LedgerEntry } from '../accept/ledger.js';

/** Either a time budget (seconds of campaign time) or a scenario count (for this shard). */
export type CampaignBudget = { readonly seconds: number } | { readonly scenarios: number };

/** Shard `index` of `count` (`--shard index/count`); 0/1 is the whole iteration space. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

export const WHOLE: ShardSpec = Object.freeze({ index: 0, count: 1 });

export interface CampaignPlan {
  readonly engine: EngineName;
  readonly seed: string;
  readonly budget: CampaignBudget;
  /** Backend names, baseline first, and the mutant replacing refactored (if any). */
  readonly backends: readonly string[];
  readonly mutant?: string;
  readonly generator: GeneratorOptions;
  readonly workers: number;
  readonly shard: ShardSpec;
  /** A scenario running longer than this is a `hang` finding (threads only). */
  readonly scenarioTimeoutMs: number;
  /** Minimize each new signature, for at most timeMs. */
  readonly minimize: { readonly enabled: boolean; readonly timeMs: number };
  /** The intended-differences ledger, stored whole so a resumed campaign keeps it. */
  readonly ledger?: { readonly file: string; readonly entries: readonly LedgerEntry[] };
  /** Engine-specific options (JSON), passed through to the engine's context. */
  readonly engineOptions?: Readonly<Record<string, unknown>>;
}

/** Where one worker's cases come from. */
export interface WorkerSlot {
  readonly worker: number;
  /** Derived from (campaign seed, shard, worker): distinct per worker, reproducible. */
  readonly seed: string;
  /** Case k of this worker is global iteration k * stride + offset. */
  readonly stride: number;
  readonly offset: number;
  /** Cases this worker runs under a scenario budget; null under a time budget. */
  readonly quota: number | null;
}

/** Parses `i/N` (0 <= i < N); throws RangeError with what was expected. */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw new RangeError(`expected i/N (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new RangeError(`expected 0 <= i < N, got ${index}/${count}`);
  return { index, count };
}

/** A short stable key of a campaign (merge keeps one record per id). */
export function campaignId(plan: Pick<CampaignPlan, 'engine' | 'seed' | 'shard'>): string {
  return `${plan.engine}:${plan.seed}:${plan.shard.index}/${plan.shard.count}`;
}

/**
 * The seed of worker `worker` of shard `shard` (engines.md "Seeds per shard"): a hash, so
 * neighbouring workers get unrelated streams. `restart` > 0 after a worker was restarted (a
 * hang), so a seeded engine does not walk into the same hang again.
 */
export function deriveSeed(campaignSeed: string, shard: ShardSpec, worker: number, restart = 0): string {
  const key = JSON.stringify(['mmufuzz/worker-seed/1', campaignSeed, shard.index, shard.count, worker, restart]);
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * The workers of a plan. Iterations of shard i of N are j*N + i (j = 0, 1, ...); worker w of W
 * takes the j with j mod W = w. So shards never overlap, a shard's workers never overlap, and a
 * scenario budget of n covers j < n whatever W is: the same scenarios run with 1 or 8 workers.
 */
export function workerSlots(plan: Pick<CampaignPlan, 'seed' | 'shard' | 'workers' | 'budget'>): WorkerSlot[] {
  const { shard, workers } = plan;
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const budget = plan.budget;
  return Array.from({ length: workers }, (_, w) => ({
    worker: w,
    seed: deriveSeed(plan.seed, shard, w),
    stride: workers * shard.count,
    offset: w * shard.count + shard.index,
    quota: 'scenarios' in budget ? Math.max(0, Math.ceil((budget.scenarios - w) / workers)) : null,
  }));
}

/** Global iteration of case k of a slot. */
export function iterationOf(slot: Pick<WorkerSlot, 'stride' | 'offset'>, k: number): number {
  return k * slot.stride + slot.offset;
}
