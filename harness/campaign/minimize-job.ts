// One minimization job: shrink a finding's scenario while it keeps its signature, within a time
// budget. Runs in a worker thread of its own (a hang there cannot stall the campaign) or in-process.
import type { BackendFactory } from '../../mmus/backend.js';
import { MinimizeError, minimizeScenario } from '../minimize/minimize.js';
import { runOracle } from '../oracle/oracle.js';
import { renderDivergence } from '../oracle/report.js';
import type { Scenario } from '../scenario/scenario.js';
import { resolveFactories } from './worker-run.js';

export interface MinimizeJob {
  readonly signature: string;
  readonly scenario: Scenario;
  readonly backends: readonly string[];
  readonly mutant?: string;
  readonly backendModule?: string;
  readonly timeMs: number;
}

export interface MinimizedInfo {
  readonly beforeOps: number;
  readonly afterOps: number;
  readonly oracleCalls: number;
  readonly oneMinimal: boolean;
  readonly complete: boolean;
  readonly elapsedMs: number;
  /** Who shrank it: our minimizer, or an engine's own shrinker (fast-check) that offered it. */
  readonly by: 'mmufuzz' | 'engine';
}

export type MinimizeOutcome =
  /** report: the divergence report of the minimized scenario (side by side, for report.txt). */
  | { readonly ok: true; readonly scenario: Scenario; readonly info: MinimizedInfo; readonly report: string }
  | { readonly ok: false; readonly reason: string };

/** Runs the job; never throws (a failure is an outcome the summary reports). */
export async function runMinimizeJob(job: MinimizeJob, factories?: readonly BackendFactory[]): Promise<MinimizeOutcome> {
  try {
    const backends = factories ?? (await resolveFactories(job.backends, job.mutant, job.backendModule));
    const r = minimizeScenario(job.scenario, { backends, signature: job.signature, timeLimitMs: job.timeMs });
    return {
      ok: true,
      scenario: r.scenario,
      report: renderDivergence(runOracle(r.scenario, backends), r.scenario),
      info: {
        beforeOps: r.beforeOps,
        afterOps: r.afterOps,
        oracleCalls: r.oracleCalls,
        oneMinimal: r.oneMinimal,
        complete: r.complete,
        elapsedMs: Math.round(r.elapsedMs),
        by: 'mmufuzz',
      },
    };
  } catch (e) {
    if (e instanceof MinimizeError) return { ok: false, reason: e.message };
    return { ok: false, reason: `minimizer failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
  }
}
