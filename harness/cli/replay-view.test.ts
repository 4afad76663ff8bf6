// The replay text view of a shadow-paging scenario: a check's digest sits under its backend.
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../mmus/backend.js';
import { parseScenario } from '../scenario/parse.js';
import { renderReplay } from './replay-view.js';

describe('renderReplay', () => {
  it('prints a check digest as a block under the backend that reported it', () => {
    const scenario = parseScenario(
      {
        format: 'mmufuzz.scenario/1',
        config: { cpu: { maxphyaddr: 46, features: [] }, host: { tdp: 'none' }, memslots: [{ slot: 0, gpa: '0x0', size: '0x1000' }] },
        ops: [{ op: 'check' }],
      },
      'x.json',
    );
    const kvm: Observation = { outcome: 'ok', events: [{ type: 'sp', gfn: 0, level: 2, role: 0x2f82 }], digest: 'root 0 gfn=0x0 role=0x2f82\nsp gfn=0x0 level=2 role=0x2f82 unsync=0' };
    const text = renderReplay('x.json', scenario, { observations: { legacy: [kvm], reference: [{ outcome: 'ok', events: [] }] }, divergence: null });
    expect(text.split('\n')).toEqual([
      '== x.json: 1 ops, backends legacy, reference',
      '#0  check',
      '      legacy:    ok | sp gfn=0x0 level=2 role=0x2f82 (level 2, direct, access RWUX, nx)',
      '                     digest:',
      '                       root 0 gfn=0x0 role=0x2f82',
      '                       sp gfn=0x0 level=2 role=0x2f82 unsync=0',
      '      reference: ok',
      'all agree (1 ops)',
    ]);
  });
});
