// The minimizer on shadow-paging scenarios: a digest divergence at a `check` shrinks to the store
// that causes it and the check, other checks are dropped, and the host stays tdp none.
import { describe, expect, it } from 'vitest';
import type { Backend, BackendFactory, Observation, Op } from '../../mmus/backend.js';
import { RESET_STATE } from '../oracle/oracle.js';
import { parseScenario } from '../scenario/parse.js';
import { renderScenario } from '../scenario/print.js';
import { minimizeScenario } from './minimize.js';
import { opSteps } from './op-steps.js';

/** A kvm-fidelity double whose digest lists the pages stored to; `blind` forgets stores to page 0x5. */
function digestBackend(name: string, blind: boolean): BackendFactory {
  return {
    name,
    description: 'test double',
    fidelity: 'kvm',
    create(): Backend {
      const pages = new Set<number>();
      return {
        apply(op: Op): Observation {
          if (op.op === 'write' && !(blind && op.gpa >>> 12 === 5)) pages.add(op.gpa >>> 12);
          if (op.op === 'check') return { outcome: 'ok', events: [], digest: [...pages].sort((a, b) => a - b).map((p) => `page ${p}`).join('\n') };
          return { outcome: 'ok', events: [] };
        },
        state: () => RESET_STATE,
      };
    },
  };
}

const w = (gpa: string) => ({ op: 'write', gpa, value: '0x1', size: 8 });
const SCENARIO = parseScenario(
  {
    format: 'mmufuzz.scenario/1',
    name: 'digest',
    config: { cpu: { maxphyaddr: 46, features: ['nx'] }, host: { tdp: 'none' }, memslots: [{ slot: 0, gpa: '0x0', size: '0x100000' }] },
    ops: [w('0x1000'), { op: 'check' }, w('0x2000'), { op: 'set', reg: 'cr4', value: '0x20' }, w('0x5008'), w('0x3000'), { op: 'check' }, w('0x4000'), { op: 'check' }],
  },
  'digest.json',
);

describe('minimizeScenario under shadow paging', () => {
  it('shrinks a digest divergence to its store and the check, keeping the host', () => {
    const backends = [digestBackend('legacy', false), digestBackend('refactored', true)];
    const r = minimizeScenario(SCENARIO, { backends });
    expect(r.divergence.signature).toBe('digest/check/digest/shadow-off/legacy~refactored');
    expect(r.scenario.config.host.tdp).toBe('none');
    expect(r.scenario.ops.map((op) => op.op)).toEqual(['write', 'check']);
    expect(renderScenario(r.scenario)).toContain('host: tdp=none ept_ad=false mbec=false');
  });

  it('has no simplification steps for a check (it can only be dropped)', () => {
    expect(opSteps({ op: 'check' })).toEqual([]);
  });
});
