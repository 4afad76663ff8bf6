// A campaign, assembled: the findings store on the campaign directory, worker threads (or
// in-process workers when running from TypeScript sources) and the runtime. The library entry
// for the CLI, the nightly script and the detection benchmark.
import { availableParallelism } from 'node:os';
import type { Ledger } from '../accept/ledger.js';
import type { CampaignFile } from './campaign-file.js';
import type { ToolVersions } from './finding-meta.js';
import { FindingsStore } from './findings.js';
import { inProcessLauncher, type WorkerLauncher } from './launcher.js';
import { campaignId, type CampaignPlan } from './plan.js';
import { runCampaignRuntime, type CampaignResult, type RuntimeReporter } from './runtime.js';
import { threadLauncher, workerEntry } from './thread-launcher.js';

export type { CampaignResult, RuntimeReporter, RuntimeProgress } from './runtime.js';
export type { CampaignPlan, CampaignBudget, ShardSpec } from './plan.js';
export { opsPerSecond, operationsRun } from './stats.js';

export interface CampaignSetup {
  readonly plan: CampaignPlan;
  /** The campaign directory: findings store and campaign.json. */
  readonly dir: string;
  readonly ledger?: Ledger;
  readonly resume?: CampaignFile;
  readonly versions: ToolVersions;
  /** Default: defaultLauncher(clock). */
  readonly launcher?: WorkerLauncher;
  /** Milliseconds; default performance.now. In-process workers measure the budget with it. */
  readonly clock?: () => number;
  readonly reporter?: RuntimeReporter;
  stopRequested?(): boolean;
  readonly backendModule?: string;
}

/** Worker threads when the compiled worker entry exists, else in-process workers on `clock`. */
export function defaultLauncher(clock: () => number): WorkerLauncher {
  const entry = workerEntry();
  return entry !== null ? threadLauncher(entry) : inProcessLauncher({ clock });
}

/** The default --workers: one per core with threads; 1 in-process (more would only interleave). */
export function defaultWorkers(launcher: WorkerLauncher): number {
  return launcher.kind === 'threads' ? availableParallelism() : 1;
}

export function runCampaign(setup: CampaignSetup): Promise<CampaignResult> {
  const clock = setup.clock ?? (() => performance.now());
  const plan = setup.plan;
  const store = new FindingsStore(setup.dir, {
    backends: plan.backends,
    ...(plan.mutant !== undefined ? { mutant: plan.mutant } : {}),
    versions: setup.versions,
    generator: { ...plan.generator },
    campaignId: campaignId(plan),
  });
  return runCampaignRuntime(
    {
      plan,
      dir: setup.dir,
      ...(setup.ledger !== undefined ? { ledger: setup.ledger } : {}),
      ...(setup.resume !== undefined ? { resume: setup.resume } : {}),
      ...(setup.backendModule !== undefined ? { backendModule: setup.backendModule } : {}),
    },
    {
      launcher: setup.launcher ?? defaultLauncher(clock),
      store,
      versions: setup.versions,
      clock,
      ...(setup.reporter !== undefined ? { reporter: setup.reporter } : {}),
      ...(setup.stopRequested !== undefined ? { stopRequested: setup.stopRequested } : {}),
    },
  );
}
