import { it } from 'vitest';
import fc from 'fast-check';
import { getBackend, listMutants } from '../../mmus/registry.js';
import { runOracle } from './oracle.js';
import { renderDivergence } from './report.js';
import { drawnOpCount, scenarioArbitrary } from '../generate/arbitraries/scenario-arbitrary.js';
import { renderScenario } from '../scenario/print.js';
const MODE: Record<string, any> = { 'pdptr-from-memory': 'pae', 'pdptr-no-reload-same-cr3': 'pae', 'la57-ignored-in-role': '5-level', 'pse36-high-bits-dropped': '32-bit' };
it('probe', () => {
  const legacy = getBackend('legacy');
  for (const m of listMutants()) {
    const mut = getBackend('refactored', m.name);
    const t0 = performance.now();
    let calls = 0;
    const r = fc.check(fc.property(scenarioArbitrary({ mode: MODE[m.name], minOps: 1 }), (s) => { calls++; return runOracle(s, [legacy, mut]).divergence === null; }), { seed: 42, numRuns: m.name.startsWith("memslot") ? 3000 : 300 });
    const ce = r.counterexample?.[0];
    console.log(m.name, r.failed, 'runs', r.numRuns, 'shrinks', r.numShrinks, 'calls', calls, 'drawn', ce ? drawnOpCount(ce) : '-', (performance.now() - t0).toFixed(0) + 'ms');
    if (ce && drawnOpCount(ce) > 6) console.log(renderScenario(ce));
  }
});
