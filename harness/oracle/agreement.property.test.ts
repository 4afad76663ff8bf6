// Property: on every scenario the fast-check arbitrary draws, legacy, refactored and reference
// agree (no divergence), and every drawn scenario survives the JSON encoding round trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { scenarioArbitrary } from '../generate/arbitraries/scenario-arbitrary.js';
import { scenarioToJson } from '../scenario/encode.js';
import { parseScenario } from '../scenario/parse.js';
import { runOracle } from './oracle.js';
import { renderDivergence } from './report.js';

/** Fixed so a failure replays; fast-check prints seed and path with any counterexample. */
const SEED = 0x6d6d75;

describe('legacy, refactored and reference agree on drawn scenarios', () => {
  const backends = [getBackend('legacy'), getBackend('refactored'), getBackend('reference')];

  it('no divergence in 300 scenarios', () => {
    fc.assert(
      fc.property(scenarioArbitrary(), (s) => {
        const result = runOracle(s, backends);
        // The rendered report (ops before it, each backend's observation, mode) is the failure message.
        if (result.divergence !== null) throw new Error('\n' + renderDivergence(result, s));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('drawn scenarios are valid scenario documents', () => {
  it('parseScenario(scenarioToJson(s)) gives s back', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ minOps: 0, maxOps: 40 }), (s) => {
        expect(parseScenario(scenarioToJson(s), 'drawn.json')).toEqual(s);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
