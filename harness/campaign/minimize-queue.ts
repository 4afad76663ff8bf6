// The campaign's minimizations: one at a time, in the order new signatures were found, each
// bounded (its own time limit plus the scenario timeout, enforced by the launcher) and
// abortable when the campaign is interrupted.
import type { WorkerLauncher } from './launcher.js';
import type { MinimizeJob, MinimizeOutcome } from './minimize-job.js';
import type { CampaignPlan } from './plan.js';
import type { Scenario } from '../scenario/scenario.js';

/** The note of a signature whose minimization the interruption cancelled or never started (resume redoes it). */
export const MINIMIZE_INTERRUPTED = 'not minimized: the campaign was interrupted';

export class MinimizeQueue {
  private readonly jobs: MinimizeJob[] = [];
  private running = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly launcher: WorkerLauncher,
    private readonly plan: CampaignPlan,
    private readonly backendModule: string | undefined,
    /** Called once per job, after it ended (through `guard` of the supervisor). */
    private readonly onDone: (job: MinimizeJob, outcome: MinimizeOutcome) => void,
  ) {}

  /** True while a job runs or waits. */
  get busy(): boolean {
    return this.running || this.jobs.length > 0;
  }

  /**
   * Queues a job; false once cancelled (a finding can still arrive after Ctrl-C: queuing it
   * then would keep the queue busy for ever and the campaign would never finish).
   */
  add(signature: string, scenario: Scenario): boolean {
    if (this.abort.signal.aborted) return false;
    const plan = this.plan;
    this.jobs.push({
      signature,
      scenario,
      backends: plan.backends,
      ...(plan.mutant !== undefined ? { mutant: plan.mutant } : {}),
      ...(this.backendModule !== undefined ? { backendModule: this.backendModule } : {}),
      timeMs: plan.minimize.timeMs,
    });
    this.pump();
    return true;
  }

  /** Drops waiting jobs and ends the running one (Ctrl-C, a fatal error). */
  cancel(): void {
    this.jobs.length = 0;
    this.abort.abort();
  }

  private pump(): void {
    if (this.running || this.abort.signal.aborted || this.jobs.length === 0) return;
    const job = this.jobs.shift()!;
    this.running = true;
    const finish = (outcome: MinimizeOutcome): void => {
      this.running = false;
      this.onDone(job, outcome);
      this.pump();
    };
    void this.launcher.minimize(job, job.timeMs + this.plan.scenarioTimeoutMs, this.abort.signal).then(finish, (e: unknown) => finish({ ok: false, reason: String(e) }));
  }
}
