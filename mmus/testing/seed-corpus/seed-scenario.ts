// The seed corpus as data: each scenario with the file it is written to, its config and ops,
// and hand-written expectations for the ops that make its point (checked against every backend by
// mmus/sdm-corpus-expectations.test.ts; harness/corpus.test.ts checks that the backends agree).
import type { Config, Op, Outcome } from '../../backend.js';
import type { Wide } from '../page-tables.js';

/** What one op must observe; absent fields are not checked. */
export interface Expect {
  readonly outcome: Outcome;
  readonly gpa?: Wide;
  readonly level?: number;
  readonly errorCode?: number;
  /** read: the value read. */
  readonly value?: Wide;
  /** page_fault: the faulting address (CR2). */
  readonly address?: Wide;
  /** Number of set_ad events (A/D updates of guest page-table entries). */
  readonly setAd?: number;
  /** Event types in order, checked on 'kvm'-fidelity backends only (map, zap, flush are KVM's). */
  readonly events?: readonly string[];
}

export interface SeedScenario {
  /** Path under corpus/, e.g. 'modes/paging-off.json'. */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly config: Config;
  readonly ops: readonly Op[];
  /** Expectations by op index. */
  readonly expects: ReadonlyMap<number, Expect>;
}

/** Collects ops and the expectations attached to some of them. */
export class SeedBuilder {
  private readonly ops: Op[] = [];
  private readonly expects = new Map<number, Expect>();

  add(...ops: Op[]): this {
    this.ops.push(...ops);
    return this;
  }

  /** Appends `op` and what it must observe. */
  check(op: Op, e: Expect): this {
    this.expects.set(this.ops.length, e);
    this.ops.push(op);
    return this;
  }

  build(file: string, name: string, description: string, config: Config): SeedScenario {
    return { file, name, description, config, ops: [...this.ops], expects: new Map(this.expects) };
  }
}

export const ok = (gpa: Wide, level: number, setAd?: number): Expect =>
  setAd === undefined ? { outcome: 'ok', gpa, level } : { outcome: 'ok', gpa, level, setAd };
export const pf = (errorCode: number, setAd = 0): Expect => ({ outcome: 'page_fault', errorCode, setAd });
export const mmio = (gpa: Wide, level: number): Expect => ({ outcome: 'mmio', gpa, level });
export const GP: Expect = { outcome: 'gp' };
export const OK: Expect = { outcome: 'ok' };
export const REJECTED: Expect = { outcome: 'rejected' };
export const value = (v: Wide): Expect => ({ outcome: 'ok', value: v });
