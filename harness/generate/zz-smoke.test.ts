import { it } from 'vitest';
import { generateDetailed } from './random.js';
import { renderScenario } from '../scenario/print.js';
it('smoke', () => {
  const t0 = performance.now();
  let ops = 0;
  for (let i = 0; i < 2000; i++) ops += generateDetailed('smoke', i).scenario.ops.length;
  console.log('ms', performance.now() - t0, 'ops', ops);
  for (const i of [3, 4]) console.log(renderScenario(generateDetailed('smoke', i).scenario));
});
