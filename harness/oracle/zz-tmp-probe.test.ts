import { it } from 'vitest';
import fc from 'fast-check';
import { getBackend } from '../../mmus/registry.js';
import { runOracle } from './oracle.js';
import { renderDivergence } from './report.js';
import { scenarioArbitrary } from '../generate/arbitraries/scenario-arbitrary.js';
import { renderScenario } from '../scenario/print.js';
it('probe', () => {
  const bs = ['legacy', 'refactored', 'reference'].map((n) => getBackend(n));
  const samples = fc.sample(scenarioArbitrary(), { seed: 1, numRuns: 300 });
  console.log(renderScenario(samples[0]).slice(0, 3000));
  const t0 = performance.now();
  let n = 0;
  const sigs = new Map<string, number>();
  const outcomes = new Map<string, number>();
  for (const s of samples) {
    const r = runOracle(s, bs);
    for (const o of r.observations.legacy) outcomes.set(o.outcome, (outcomes.get(o.outcome) ?? 0) + 1);
    if (r.divergence) { n++; sigs.set(r.divergence.signature, (sigs.get(r.divergence.signature) ?? 0) + 1); if (n <= 3) console.log(renderDivergence(r, s)); }
  }
  console.log('div', n, 'ms', performance.now() - t0, [...sigs], [...outcomes]);
});
