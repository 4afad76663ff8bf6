// Campaign statistics that add up across workers, checkpoints and shards: scenarios, operations
// that ran, divergent and accepted scenarios, and the baseline backend's outcome mix.
import type { OracleResult } from '../oracle/oracle.js';
import { OutcomeMix, type OutcomeMixJson } from '../oracle/stats.js';
import type { Scenario } from '../scenario/scenario.js';

export interface StatsJson {
  readonly scenarios: number;
  readonly operations: number;
  /** Scenarios whose first divergence (or hang) is a finding. */
  readonly divergent: number;
  /** Scenarios whose first divergence the ledger accepted. */
  readonly accepted: number;
  readonly mix: OutcomeMixJson;
}

/** Ops that actually ran: the oracle stops at the diverging op (index -1: none ran). */
export function operationsRun(scenario: Scenario, result: OracleResult): number {
  const d = result.divergence;
  return d === null ? scenario.ops.length : Math.max(0, d.index + 1);
}

/** Ops per second (0 before any time has passed). */
export function opsPerSecond(s: { readonly operations: number; readonly elapsedMs: number }): number {
  return s.elapsedMs > 0 ? Math.round((s.operations * 1000) / s.elapsedMs) : 0;
}

export class CampaignStats {
  scenarios = 0;
  operations = 0;
  divergent = 0;
  accepted = 0;
  mix = new OutcomeMix();

  /** Counts one recorded scenario: its ops and the first backend's observations. */
  addScenario(scenario: Scenario, result: OracleResult): void {
    this.scenarios++;
    this.operations += operationsRun(scenario, result);
    const first = Object.values(result.observations)[0];
    if (first !== undefined) this.mix.addScenario(scenario.ops, first, scenario.config.host.tdp);
  }

  get empty(): boolean {
    return this.scenarios === 0 && this.divergent === 0 && this.accepted === 0;
  }

  add(other: StatsJson): void {
    this.scenarios += other.scenarios;
    this.operations += other.operations;
    this.divergent += other.divergent;
    this.accepted += other.accepted;
    this.mix.merge(OutcomeMix.fromJSON(other.mix));
  }

  toJSON(): StatsJson {
    return { scenarios: this.scenarios, operations: this.operations, divergent: this.divergent, accepted: this.accepted, mix: this.mix.toJSON() };
  }

  static fromJSON(json: StatsJson): CampaignStats {
    const s = new CampaignStats();
    s.add(json);
    return s;
  }
}
