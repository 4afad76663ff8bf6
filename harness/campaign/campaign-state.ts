// What the supervisor knows about the whole campaign: merged statistics, the signatures seen,
// accepted counts, worker checkpoints and events. Computes the progress snapshot (shown by the
// CLI) and the campaign.json document.
import type { Ledger } from '../accept/ledger.js';
import { AcceptedTally } from '../accept/tally.js';
import type { ToolVersions } from './finding-meta.js';
import { CAMPAIGN_FORMAT, type CampaignFile, type SignatureRecord, type WorkerCheckpoint, type WorkerEventRecord } from './campaign-file.js';
import { campaignId, type CampaignBudget, type CampaignPlan } from './plan.js';
import { CampaignStats } from './stats.js';
import type { EngineStatus } from './worker-protocol.js';

/** What a progress display needs (computed here, shown by the CLI). */
export interface RuntimeProgress {
  readonly elapsedMs: number;
  readonly budget: CampaignBudget;
  readonly scenarios: number;
  readonly operations: number;
  /** Scenarios whose first divergence is a finding / was accepted by the ledger. */
  readonly divergent: number;
  readonly accepted: number;
  /** Distinct finding signatures of this campaign, and how many were not in the store before. */
  readonly signatures: number;
  readonly newSignatures: number;
  /** Campaign time of the last new signature (null: none yet): "is it still finding things?". */
  readonly lastNewMs: number | null;
  /** Engine status: corpus summed over workers, coverage the largest worker's. */
  readonly corpus?: number;
  readonly coverage?: number;
  /** Fuzzer executions outside the oracle loop (coverage engine), summed over workers. */
  readonly executions?: number;
  readonly workers: number;
  readonly restarts: number;
}

export class CampaignState {
  readonly id: string;
  readonly stats: CampaignStats;
  readonly signatures = new Map<string, SignatureRecord>();
  readonly accepted: AcceptedTally;
  readonly events: WorkerEventRecord[];
  readonly checkpoints: { done: number; restarts: number }[];
  readonly status = new Map<number, EngineStatus>();
  elapsedMs: number;
  lastNewMs: number | null = null;
  liveWorkers = 0;

  constructor(
    readonly plan: CampaignPlan,
    ledger: Ledger | undefined,
    resume?: CampaignFile,
  ) {
    this.id = campaignId(plan);
    this.stats = resume !== undefined ? CampaignStats.fromJSON(resume.stats) : new CampaignStats();
    this.accepted = new AcceptedTally(ledger);
    if (resume !== undefined) this.accepted.add(resume.accepted);
    this.events = resume !== undefined ? [...resume.events] : [];
    this.elapsedMs = resume?.elapsedMs ?? 0;
    this.checkpoints = Array.from({ length: plan.workers }, (_, w) => ({
      done: resume?.workers[w]?.done ?? 0,
      restarts: resume?.workers[w]?.restarts ?? 0,
    }));
    for (const r of resume?.signatures ?? []) {
      this.signatures.set(r.signature, { ...r });
      if (r.isNew) this.lastNewMs = Math.max(this.lastNewMs ?? 0, r.firstSeenMs);
    }
  }

  get restarts(): number {
    return this.checkpoints.reduce((n, c) => n + c.restarts, 0);
  }

  progress(): RuntimeProgress {
    let corpus: number | undefined;
    let coverage: number | undefined;
    let executions: number | undefined;
    for (const s of this.status.values()) {
      if (s.executions !== undefined) executions = (executions ?? 0) + s.executions;
      if (s.corpus !== undefined) corpus = (corpus ?? 0) + s.corpus;
      if (s.coverage !== undefined) coverage = Math.max(coverage ?? 0, s.coverage);
    }
    const sigs = [...this.signatures.values()];
    return {
      elapsedMs: this.elapsedMs,
      budget: this.plan.budget,
      scenarios: this.stats.scenarios,
      operations: this.stats.operations,
      divergent: this.stats.divergent,
      accepted: this.stats.accepted,
      signatures: sigs.length,
      newSignatures: sigs.filter((s) => s.isNew).length,
      lastNewMs: this.lastNewMs,
      ...(corpus !== undefined ? { corpus } : {}),
      ...(coverage !== undefined ? { coverage } : {}),
      ...(executions !== undefined ? { executions } : {}),
      workers: this.liveWorkers,
      restarts: this.restarts,
    };
  }

  toFile(status: CampaignFile['status'], versions: ToolVersions, launcher: CampaignFile['launcher']): CampaignFile {
    const workers: WorkerCheckpoint[] = this.checkpoints.map((c, worker) => ({ worker, done: c.done, restarts: c.restarts }));
    return {
      format: CAMPAIGN_FORMAT,
      kind: 'campaign',
      id: this.id,
      status,
      plan: this.plan,
      versions,
      launcher,
      elapsedMs: Math.round(this.elapsedMs),
      stats: this.stats.toJSON(),
      workers,
      signatures: [...this.signatures.values()],
      accepted: this.accepted.toJSON(),
      stale: status === 'running' ? null : this.accepted.stale(),
      events: this.events,
      ...engineStatusOf(this.progress()),
    };
  }
}

function engineStatusOf(p: RuntimeProgress): { engineStatus?: EngineStatus } {
  const s: { corpus?: number; coverage?: number; executions?: number } = {};
  if (p.corpus !== undefined) s.corpus = p.corpus;
  if (p.coverage !== undefined) s.coverage = p.coverage;
  if (p.executions !== undefined) s.executions = p.executions;
  return Object.keys(s).length > 0 ? { engineStatus: s } : {};
}
