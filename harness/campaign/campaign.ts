// The campaign loop: generate scenario i from (seed, i), run the oracle, record new divergence
// signatures, until the budget runs out. Every collaborator is injected; no file or console I/O.
import type { Scenario } from '../scenario/scenario.js';
import type { OracleResult } from '../oracle/oracle.js';
import { OutcomeMix } from '../oracle/stats.js';
import type { FindingInput, FindingsSink } from './findings.js';

/** Either a wall-clock budget (measured with the injected clock) or a scenario count. */
export type CampaignBudget = { readonly seconds: number } | { readonly scenarios: number };

export interface CampaignOptions {
  readonly seed: string;
  readonly budget: CampaignBudget;
  /** Milliseconds (by the injected clock) between onProgress calls; default 250. */
  readonly progressIntervalMs?: number;
}

/** What a progress display needs; computed here, shown by a reporter. */
export interface CampaignProgress {
  readonly scenarios: number;
  readonly operations: number;
  readonly elapsedMs: number;
  /** Scenarios that diverged. */
  readonly divergent: number;
  /** Distinct divergence signatures. */
  readonly signatures: number;
  readonly budget: CampaignBudget;
}

/** One divergence signature seen by the campaign. */
export interface SignatureSummary {
  readonly signature: string;
  readonly class: string;
  /** Scenarios of this campaign that showed it. */
  hits: number;
  /** The first scenario index that showed it. */
  readonly firstIndex: number;
  readonly dir: string;
  /** False when the findings store already held this signature from an earlier campaign. */
  readonly isNew: boolean;
}

export interface CampaignReporter {
  onProgress?(progress: CampaignProgress): void;
  /** A signature seen for the first time in this campaign. */
  onFinding?(finding: SignatureSummary): void;
}

/** A generated scenario and, when the generator says, how it was built (recorded with findings). */
export interface GeneratedCase {
  readonly scenario: Scenario;
  /** Names of the generator's mutators used, in order of first use. */
  readonly mutators?: readonly string[];
  /** The paging mode the generator aimed for. */
  readonly mode?: string;
}

export interface CampaignDeps {
  /** Scenario `index` of the campaign with `seed`; deterministic. */
  generate(seed: string, index: number): GeneratedCase;
  oracle(scenario: Scenario): OracleResult;
  findings: FindingsSink;
  /** Milliseconds from any fixed origin. */
  clock(): number;
  reporter?: CampaignReporter;
  /**
   * Called at every progress tick and awaited, so the host can process signals between
   * scenarios; resolving to true stops the campaign early.
   */
  checkpoint?(): boolean | Promise<boolean>;
}

export interface CampaignSummary {
  readonly seed: string;
  readonly scenarios: number;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly mix: OutcomeMix;
  /** Scenarios that diverged. */
  readonly divergent: number;
  /** In the order first seen. */
  readonly signatures: readonly SignatureSummary[];
  /** True when checkpoint() stopped the campaign before its budget ran out. */
  readonly interrupted: boolean;
}

/** Ops per second of a summary or progress snapshot (0 before any time has passed). */
export function opsPerSecond(s: { operations: number; elapsedMs: number }): number {
  return s.elapsedMs > 0 ? Math.round((s.operations * 1000) / s.elapsedMs) : 0;
}

/** Ops that actually ran: the oracle stops at the diverging op (index -1: none ran). */
export function operationsRun(scenario: Scenario, result: OracleResult): number {
  const d = result.divergence;
  return d === null ? scenario.ops.length : Math.max(0, d.index + 1);
}

export async function runCampaign(opts: CampaignOptions, deps: CampaignDeps): Promise<CampaignSummary> {
  const { seed, budget } = opts;
  validateBudget(budget);
  const interval = opts.progressIntervalMs ?? 250;
  const start = deps.clock();
  const bySignature = new Map<string, SignatureSummary>();
  const mix = new OutcomeMix();
  let scenarios = 0;
  let operations = 0;
  let divergent = 0;
  let interrupted = false;
  let nextTick = start + interval;
  let now = start;

  const progress = (): CampaignProgress => ({
    scenarios,
    operations,
    elapsedMs: now - start,
    divergent,
    signatures: bySignature.size,
    budget,
  });

  for (;;) {
    if ('scenarios' in budget ? scenarios >= budget.scenarios : now - start >= budget.seconds * 1000) break;
    const index = scenarios;
    const generated = deps.generate(seed, index);
    const scenario = generated.scenario;
    const result = deps.oracle(scenario);
    scenarios++;
    operations += operationsRun(scenario, result);
    const first = Object.values(result.observations)[0];
    if (first !== undefined) mix.addScenario(scenario.ops, first);
    if (result.divergence !== null) {
      divergent++;
      record(bySignature, deps, { seed, index, scenario, result, mutators: generated.mutators ?? [], mode: generated.mode });
    }
    now = deps.clock();
    if (now >= nextTick) {
      nextTick = now + interval;
      deps.findings.flush();
      deps.reporter?.onProgress?.(progress());
      if (deps.checkpoint !== undefined && (await deps.checkpoint())) {
        interrupted = true;
        break;
      }
    }
  }

  deps.findings.flush();
  deps.reporter?.onProgress?.(progress());
  return {
    seed,
    scenarios,
    operations,
    elapsedMs: now - start,
    mix,
    divergent,
    signatures: [...bySignature.values()],
    interrupted,
  };
}

function record(
  bySignature: Map<string, SignatureSummary>,
  deps: CampaignDeps,
  found: Omit<FindingInput, 'signature'>,
): void {
  const d = found.result.divergence!;
  const known = bySignature.get(d.signature);
  if (known !== undefined) {
    known.hits++;
    deps.findings.hit(d.signature);
    return;
  }
  const ref = deps.findings.add({ signature: d.signature, ...found });
  const entry: SignatureSummary = {
    signature: d.signature,
    class: d.class,
    hits: 1,
    firstIndex: found.index,
    dir: ref.dir,
    isNew: ref.isNew,
  };
  bySignature.set(d.signature, entry);
  deps.reporter?.onFinding?.(entry);
}

function validateBudget(budget: CampaignBudget): void {
  const n = 'scenarios' in budget ? budget.scenarios : budget.seconds;
  if (!(n >= 0) || !Number.isFinite(n)) throw new RangeError(`campaign: budget must be a finite non-negative number, got ${n}`);
}
