// Test fixtures for the campaign and CLI tests: a small scenario and fake oracle results.
import type { Config, Observation, Op } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { RESET_STATE } from '../oracle/oracle.js';
import type { Divergence, OracleResult } from '../oracle/divergence.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';

export const SMALL_CONFIG: Config = {
  cpu: { maxphyaddr: 46, features: new Set(['nx']) },
  host: { tdp: 'ept', eptAd: true, mbec: false },
  memslots: [{ slot: 0, gpa: 0, size: 0x40_0000, flags: [] }],
};

/** Paging off: a store, a read back, and a translation (gpa = gva). */
export function smallScenario(name = 'small', config: Config = SMALL_CONFIG): Scenario {
  const ops: Op[] = [
    { op: 'write', gpa: 0x1000, value: u64(0x2003), size: 8 },
    { op: 'read', gpa: 0x1000, size: 8 },
    { op: 'access', gva: u64(0x1000), kind: 'read', cpl: 0, implicit: false },
  ];
  return { format: SCENARIO_FORMAT, name, config, ops };
}

const OK: Observation = Object.freeze({ outcome: 'ok', events: [] });

/** An oracle result for two backends: all ok, or diverging at `at` with this signature. */
export function fakeResult(scenario: Scenario, divergence?: { at: number; signature: string }): OracleResult {
  const upTo = divergence === undefined ? scenario.ops.length : divergence.at + 1;
  const list = scenario.ops.slice(0, upTo).map(() => OK);
  if (divergence === undefined) return { observations: { a: list, b: list }, divergence: null };
  const d: Divergence = {
    index: divergence.at,
    op: scenario.ops[divergence.at],
    class: 'outcome',
    field: 'outcome',
    backends: ['a', 'b'],
    values: ['ok', 'gp'],
    state: RESET_STATE,
    mode: 'off',
    signature: divergence.signature,
  };
  const other = [...list.slice(0, -1), { outcome: 'gp', events: [] } as Observation];
  return { observations: { a: list, b: other }, divergence: d };
}

/** A clock that moves `step` ms every time it is read. */
export function fakeClock(step: number, start = 1_000_000): () => number {
  let t = start;
  return () => (t += step);
}

/** Versions for tests (no lookups). */
export const TEST_VERSIONS = { mmufuzz: '9.9.9', node: '20', 'fast-check': '4' } as const;
