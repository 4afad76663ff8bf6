// The runtime's public shapes: its options, collaborators, reporter hooks and result.
import type { Ledger } from '../accept/ledger.js';
import type { AcceptedFirst } from '../accept/tally.js';
import type { CampaignFile, SignatureRecord, WorkerEventRecord } from './campaign-file.js';
import type { CampaignState, RuntimeProgress } from './campaign-state.js';
import type { ToolVersions } from './finding-meta.js';
import type { FindingsStore } from './findings.js';
import type { WorkerLauncher } from './launcher.js';
import type { CampaignPlan } from './plan.js';

/** A worker restarted more often than this is left stopped (and reported). */
export const MAX_RESTARTS = 20;

export interface RuntimeReporter {
  onProgress?(p: RuntimeProgress): void;
  /** A signature this campaign sees for the first time (stored, or already in the store). */
  onFinding?(f: SignatureRecord): void;
  onMinimized?(f: SignatureRecord): void;
  /** The first scenario accepted by a ledger entry with a given signature. */
  onAccepted?(a: { readonly id: string } & AcceptedFirst): void;
  onWorkerEvent?(e: WorkerEventRecord): void;
}

export interface RuntimeOptions {
  readonly plan: CampaignPlan;
  /** The campaign directory (the findings store's root); campaign.json is written here. */
  readonly dir: string;
  readonly ledger?: Ledger;
  /** Continue this campaign (its campaign.json) instead of starting afresh. */
  readonly resume?: CampaignFile;
  /** Worker clock ms between progress messages (default 250). */
  readonly progressIntervalMs?: number;
  /** Campaign ms between campaign.json checkpoints (default 5000). */
  readonly checkpointIntervalMs?: number;
  /** Test hook passed to workers (see WorkerSpec.backendModule). */
  readonly backendModule?: string;
}

export interface RuntimeDeps {
  readonly launcher: WorkerLauncher;
  readonly store: FindingsStore;
  readonly versions: ToolVersions;
  /** Supervisor clock (ms), read only by the hang watchdog (worker threads). */
  clock(): number;
  readonly reporter?: RuntimeReporter;
  /** Polled; true stops the campaign (SIGINT/SIGTERM). */
  stopRequested?(): boolean;
  /** Real milliseconds between watchdog rounds (default 100). */
  readonly watchdogMs?: number;
}

export interface CampaignResult {
  readonly file: CampaignFile;
  readonly state: CampaignState;
  readonly interrupted: boolean;
}
