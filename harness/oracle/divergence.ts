// The oracle's result types: one OracleResult per scenario, at most one Divergence (the first).
import type { Op, Observation, VcpuState } from '../../mmus/backend.js';

/**
 * What kind of difference the first differing field is:
 * outcome (ok vs page_fault, ...), translation (gpa/hpa/level), error_code (error_code/address/to),
 * value (a `read`), ad (set_ad events), events (map/zap/sp/unsync/sync/wrprot/dirty/flush...),
 * digest (the `check` digests of two kvm backends), crash (a backend threw).
 */
export type DivergenceClass = 'outcome' | 'translation' | 'error_code' | 'value' | 'ad' | 'events' | 'digest' | 'crash';

export const DIVERGENCE_CLASSES: readonly DivergenceClass[] = [
  'outcome',
  'translation',
  'error_code',
  'value',
  'ad',
  'events',
  'digest',
  'crash',
];

export interface Divergence {
  /** Index of the diverging op; -1 when a backend's create() threw (op is then ops[0] or a placeholder). */
  readonly index: number;
  readonly op: Op;
  readonly class: DivergenceClass;
  /** First differing field: `outcome`, `gpa`, `error_code`, `events[2].value`, `events.length`, `set_ad[0].gpa`, `exception`, `create`. */
  readonly field: string;
  /** (first backend, the backend that differs from it). */
  readonly backends: readonly [string, string];
  /** The field's value in each of the two backends (a crash: the thrown message or the other's outcome). */
  readonly values: readonly [unknown, unknown];
  /** The first backend's vCPU state before the diverging op. */
  readonly state: VcpuState;
  /** Paging mode of `state`: off, 32-bit, pae, 4-level, 5-level; `shadow-` prefixed under tdp none. */
  readonly mode: string;
  /** Stable deduplication key (see signature.ts). */
  readonly signature: string;
  /** Crash: `<backend> threw: <message>`. */
  readonly message?: string;
  /** Crash: the stack of the thrown error, when it had one. */
  readonly stack?: string;
}

export interface OracleResult {
  /** Every backend's observations, by name, up to and including the diverging op. */
  readonly observations: Record<string, Observation[]>;
  readonly divergence: Divergence | null;
}
