// The worker's backend wrapper records (backend, op) for the hang watchdog and must not hide
// optional parts of the Backend contract, such as adoptAlternative (the oracle calls it).
import { describe, expect, it } from 'vitest';
import type { Backend, BackendFactory, Observation } from '../../mmus/backend.js';
import { RESET_STATE } from '../oracle/oracle.js';
import { tracked } from './worker-context.js';
import { SLOT_BACKEND, SLOT_COUNT, SLOT_OP } from './worker-protocol.js';
import { SMALL_CONFIG } from './test-support.js';

const OK: Observation = { outcome: 'ok', events: [] };

function factory(withAdopt: boolean, adopted: number[]): BackendFactory {
  return {
    name: 'f',
    description: 'test double',
    fidelity: 'architectural',
    create(): Backend {
      const b: Backend = { apply: () => OK, state: () => RESET_STATE };
      return withAdopt ? { ...b, adoptAlternative: () => adopted.push(1) } : b;
    },
  };
}

describe('tracked backends', () => {
  it('record the backend and op index, and forward adoptAlternative when the backend has one', () => {
    const slots = new Int32Array(SLOT_COUNT);
    const adopted: number[] = [];
    const b = tracked(factory(true, adopted), 2, slots).create(SMALL_CONFIG);
    b.apply({ op: 'check' });
    b.apply({ op: 'check' });
    expect([slots[SLOT_BACKEND], slots[SLOT_OP]]).toEqual([2, 1]);
    b.adoptAlternative?.();
    expect(adopted).toEqual([1]);
    expect(tracked(factory(false, adopted), 0, slots).create(SMALL_CONFIG).adoptAlternative).toBeUndefined();
  });
});
