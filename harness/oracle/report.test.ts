import { describe, it, expect } from 'vitest';
import type { Backend, BackendFactory, Config, Observation, Op, VcpuState } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { RESET_STATE, runOracle } from './oracle.js';
import { divergenceToJson, renderDivergence } from './report.js';

const config: Config = {
  cpu: { maxphyaddr: 40, features: new Set() },
  host: { tdp: 'npt', eptAd: false, mbec: false },
  memslots: [{ slot: 0, gpa: 0, size: 0x1000000, flags: [] }],
};

/** Translates every access to a page fault; `ec` is the error code it reports. */
function faulting(name: string, ec: number): BackendFactory {
  return {
    name,
    description: '',
    fidelity: 'kvm',
    create(): Backend {
      let st: VcpuState = RESET_STATE;
      return {
        apply(op: Op): Observation {
          if (op.op === 'set') st = { ...st, [op.reg]: op.value.lo };
          if (op.op !== 'access') return { outcome: 'ok', events: [] };
          return { outcome: 'page_fault', errorCode: ec, address: op.gva, to: 'L1', events: [] };
        },
        state: () => st,
      };
    },
  };
}

const scenario: Scenario = {
  format: SCENARIO_FORMAT,
  config,
  ops: [
    { op: 'set', reg: 'cr4', value: u64(0x20) },
    { op: 'set', reg: 'cr0', value: u64(0x80000011) },
    { op: 'access', gva: u64(0x1234), kind: 'write', cpl: 3, implicit: false },
  ],
};

describe('renderDivergence / divergenceToJson', () => {
  const result = runOracle(scenario, [faulting('legacy', 7), faulting('refactored', 5)]);

  it('renders the diverging op, every observation, the field, the state and the signature', () => {
    const text = renderDivergence(result, scenario, ['legacy', 'refactored']);
    expect(text).toContain('divergence at op 2 of 3: error_code (field error_code) between legacy and refactored');
    expect(text).toContain('access write gva=0x1234 cpl=3');
    expect(text).toMatch(/legacy: +page_fault error_code=0x7/);
    expect(text).toMatch(/refactored: +page_fault error_code=0x5/);
    expect(text).toContain('legacy=0x7  refactored=0x5');
    expect(text).toContain('pae [PG PAE]  CR0=0x80000011 CR3=0x0 CR4=0x20 EFER=0x0');
    expect(text).toContain('error_code/access/error_code/pae/legacy~refactored');
    // The divergence alone renders too (no observations).
    expect(renderDivergence(result.divergence!)).toContain('signature:');
  });

  it('encodes the divergence as JSON with hex values', () => {
    const json = divergenceToJson(result.divergence!) as Record<string, unknown>;
    expect(json).toMatchObject({
      index: 2,
      op: { op: 'access', gva: '0x1234', kind: 'write', cpl: 3 },
      class: 'error_code',
      field: 'error_code',
      backends: ['legacy', 'refactored'],
      values: ['0x7', '0x5'],
      mode: 'pae',
      state: { cr0: '0x80000011', cr4: '0x20' },
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
