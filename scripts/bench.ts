// `npm run bench`: ops per second of each backend alone and of the three-way oracle, on one core,
// over a fixed set of generated scenarios (generation is not timed).
// Usage: node dist/scripts/bench.js [--seconds S] [--scenarios N] [--seed SEED]
import { getBackend, BACKEND_NAMES } from '../mmus/registry.js';
import { generateScenario } from '../harness/generate/random.js';
import { backendRunner, measure, oracleRunner, type ScenarioRunner } from './measure.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const seconds = Number(arg('seconds', '3'));
const count = Number(arg('scenarios', '200'));
const seed = arg('seed', 'bench-1');
if (!(seconds > 0) || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: bench [--seconds S>0] [--scenarios N>=1] [--seed SEED]\n');
  process.exit(2);
}

const scenarios = Array.from({ length: count }, (_, i) => generateScenario(seed, i));
const totalOps = scenarios.reduce((n, s) => n + s.ops.length, 0);
process.stdout.write(`seed ${seed}: ${count} scenarios, ${totalOps} ops; ~${seconds}s per configuration, node ${process.version}\n`);

const factories = BACKEND_NAMES.map((n) => getBackend(n));
const configs: [string, ScenarioRunner][] = [
  ...BACKEND_NAMES.map((n, k): [string, ScenarioRunner] => [n, backendRunner(factories[k])]),
  [`oracle ${BACKEND_NAMES.join('+')}`, oracleRunner(factories)],
];
const width = Math.max(...configs.map(([label]) => label.length)) + 1;
for (const [label, run] of configs) {
  const t = measure(run, scenarios, { warmupPasses: 1, warmupMs: Math.min(1000, (seconds * 1000) / 3), minMs: seconds * 1000, clock: () => performance.now() });
  process.stdout.write(`${`${label}:`.padEnd(width)} ${t.opsPerSecond} ops/s  (${t.ops} ops in ${(t.ms / 1000).toFixed(2)}s)\n`);
}
