// The report as data: what report.md, report.json, junit.xml and report.html are rendered from.
// report.json is this object as JSON (docs/nightly.md documents every field).

export const REPORT_FORMAT = 'mmufuzz-report/1';

/** new: not in the baseline; known: in the baseline; accepted: matched by an --accept ledger entry. */
export type FindingStatus = 'new' | 'known' | 'accepted';

export interface ReportFinding {
  readonly signature: string;
  readonly class: string;
  readonly status: FindingStatus;
  /** Scenarios that showed the signature, summed over the campaigns. */
  readonly hits: number;
  /** Engines that found it (each campaign's finding names one). */
  readonly engines: readonly string[];
  /** Campaign-relative milliseconds of the first sighting (the earliest over campaigns), when recorded. */
  readonly firstSeenMs: number | null;
  /** The finding directories holding it, one per campaign. */
  readonly dirs: readonly string[];
  readonly backends: readonly string[];
  readonly mutant: string | null;
  /** The ledger entry that accepted it (status 'accepted'). */
  readonly acceptedBy: string | null;
  /** How the scenario was made (engine, seed, index / fast-check seed and path / fuzzer input). */
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly versions: Readonly<Record<string, string>>;
  /** The minimizer's record, null when the finding was not minimized. */
  readonly minimized: MinimizedInfo | null;
  /** The scenario the report shows: minimized.json when present, else scenario.json. */
  readonly repro: {
    readonly file: string;
    readonly ops: number;
    /**
     * renderScenario of it; a repro that was not minimized is shown up to its diverging op only
     * (the oracle stops there, so the ops after it never ran).
     */
    readonly text: string;
    /** Ops shown in text (ops, or fewer when cut after the diverging op). */
    readonly shownOps: number;
    /** The command that replays it. */
    readonly replayCommand: string;
  };
  /** Replaying the repro now: the side-by-side divergence, or why it could not be shown. */
  readonly replay: {
    /** True when the repro still diverges with the stored signature. */
    readonly reproduces: boolean;
    /** The signature seen now (null: no divergence, or the replay failed). */
    readonly signatureNow: string | null;
    /** The op where it diverges now. */
    readonly index: number | null;
    /** renderDivergence text, or an explanation (no longer diverges, unknown backend...). */
    readonly text: string;
  };
}

export interface MinimizedInfo {
  readonly beforeOps: number;
  readonly afterOps: number;
  readonly oracleCalls: number;
  readonly oneMinimal: boolean;
  /** False when the time budget stopped the minimizer before its fixpoint (absent: not recorded). */
  readonly complete?: boolean;
  /** Who shrank it: mmufuzz's minimizer or the engine's own shrinker (fast-check). */
  readonly by?: string;
}

/** One engine's campaigns (all shards and runs of it), as campaign.json recorded them. */
export interface EngineStats {
  readonly name: string;
  /**
   * ok: every campaign finished its budget; interrupted: stopped by SIGINT/SIGTERM (findings
   * kept); incomplete: a campaign.json still says running (killed, or not finished yet).
   */
  readonly status: 'ok' | 'interrupted' | 'incomplete';
  /** Campaign records of this engine (shards, resumed runs count once). */
  readonly campaigns: number;
  readonly scenarios: number;
  readonly operations: number;
  /** Campaign time summed over its campaigns. */
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  /** Worker events by type: hang, died, restarted, abandoned. */
  readonly events: Readonly<Record<string, number>>;
}

export interface ReportStatistics {
  readonly scenarios: number;
  readonly operations: number;
  /** Sum over campaigns of their elapsed time (wall clock of each, not of the night). */
  readonly elapsedMs: number;
  readonly opsPerSecond: number;
  readonly engines: readonly EngineStats[];
  /** OutcomeMix.toJson(): translations by outcome and register writes. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly translations: number;
  readonly sets: number;
  /** OutcomeMix.byMode(): paging mode -> outcome class -> translations. */
  readonly byMode: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** OutcomeMix.coverageMatrix(): the heatmap's cells. */
  readonly coverageMatrix: readonly { mode: string; feature: string; outcome: string; count: number }[];
}

export interface ReportCampaign {
  readonly dir: string;
  /** campaign: one campaign; merged: the output of `mmufuzz merge`; none: findings without campaign.json. */
  readonly kind: 'campaign' | 'merged' | 'none';
  /** Campaign seeds recorded in it. */
  readonly seeds: readonly string[];
  readonly engines: readonly string[];
  readonly findings: number;
}

/** What one ledger entry accepted over all campaigns. */
export interface AcceptedEntry {
  readonly id: string;
  readonly why: string;
  /** Scenarios whose first divergence it accepted. */
  readonly count: number;
  /** Those scenarios by divergence signature. */
  readonly signatures: Readonly<Record<string, number>>;
}

export interface Report {
  readonly format: typeof REPORT_FORMAT;
  readonly mmufuzz: string;
  readonly campaigns: readonly ReportCampaign[];
  readonly baseline: { readonly dir: string; readonly signatures: number } | null;
  readonly headline: {
    /** Stored findings (new + known + accepted stored ones). */
    readonly total: number;
    readonly new: number;
    readonly known: number;
    /** Distinct signatures accepted by the ledger (counted, not stored) or stored and marked accepted. */
    readonly accepted: number;
  };
  /** New first, then known, then accepted; within each, most hits first. */
  readonly findings: readonly ReportFinding[];
  readonly statistics: ReportStatistics;
  /** Divergences accepted by each ledger entry that matched, over all campaigns; most first. */
  readonly accepted: readonly AcceptedEntry[];
  /** Ledger entries that matched nothing in any campaign. */
  readonly stale: readonly string[];
}
