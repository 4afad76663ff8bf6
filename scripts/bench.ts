// `npm run bench`: ops per second of each backend alone and of the three-way oracle, on one core,
// over a fixed set of generated scenarios (generation is not timed): TDP scenarios (host ept or
// npt) and, beside them, shadow-paging ones (host tdp none). A backend that refuses the shadow
// config (UnsupportedConfigError) is reported as "unsupported", and so is the oracle over it.
// Usage: node dist/scripts/bench.js [--seconds S] [--scenarios N] [--seed SEED] [--json]
import { UnsupportedConfigError, type BackendFactory } from '../mmus/backend.js';
import { getBackend, BACKEND_NAMES } from '../mmus/registry.js';
import { generateScenario } from '../harness/generate/random.js';
import type { Scenario } from '../harness/scenario/scenario.js';
import { backendRunner, measure, oracleRunner, type ScenarioRunner, type Throughput } from './measure.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const seconds = Number(arg('seconds', '3'));
const count = Number(arg('scenarios', '200'));
const seed = arg('seed', 'bench-1');
const json = process.argv.includes('--json');
if (!(seconds > 0) || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: bench [--seconds S>0] [--scenarios N>=1] [--seed SEED] [--json]\n');
  process.exit(2);
}

/** The first `count` TDP scenarios of the seed (the default mix, shadow ones skipped), and `count` shadow ones. */
function tdpScenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (let i = 0; out.length < count; i++) {
    const s = generateScenario(seed, i);
    if (s.config.host.tdp !== 'none') out.push(s);
  }
  return out;
}
const sets: { host: 'tdp' | 'shadow'; scenarios: Scenario[] }[] = [
  { host: 'tdp', scenarios: tdpScenarios() },
  { host: 'shadow', scenarios: Array.from({ length: count }, (_, i) => generateScenario(seed, i, { tdp: 'none' })) },
];

const factories = BACKEND_NAMES.map((n) => getBackend(n));
const oracleLabel = `oracle ${BACKEND_NAMES.join('+')}`;

/** Why a backend cannot run these scenarios, or undefined when it creates all of them. */
function unsupported(factory: BackendFactory, scenarios: readonly Scenario[]): string | undefined {
  for (const s of scenarios) {
    try {
      factory.create(s.config);
    } catch (e) {
      if (e instanceof UnsupportedConfigError) return e.message;
      // Any other throw is a crash: the run counts it as the end of that scenario.
    }
  }
  return undefined;
}

type Figure = Throughput | { readonly unsupported: string };
const results: Record<string, Record<string, Figure>> = {};

if (!json) {
  for (const { host, scenarios } of sets) {
    const ops = scenarios.reduce((n, s) => n + s.ops.length, 0);
    process.stdout.write(`seed ${seed} ${host}: ${scenarios.length} scenarios, ${ops} ops; ~${seconds}s per configuration, node ${process.version}\n`);
  }
}
const width = Math.max(oracleLabel.length, ...BACKEND_NAMES.map((n) => n.length)) + 1;
const timing = { warmupPasses: 1, warmupMs: Math.min(1000, (seconds * 1000) / 3), minMs: seconds * 1000, clock: () => performance.now() };
for (const { host, scenarios } of sets) {
  const why = factories.map((f) => unsupported(f, scenarios));
  const oracleWhy = why.find((w) => w !== undefined);
  const configs: [string, ScenarioRunner | string][] = [
    ...BACKEND_NAMES.map((n, k): [string, ScenarioRunner | string] => [n, why[k] ?? backendRunner(factories[k])]),
    [oracleLabel, oracleWhy ?? oracleRunner(factories)],
  ];
  const figures: Record<string, Figure> = (results[host] = {});
  for (const [label, run] of configs) {
    const t: Figure = typeof run === 'string' ? { unsupported: run } : measure(run, scenarios, timing);
    figures[label] = t;
    if (json) continue;
    const text = 'unsupported' in t ? `unsupported (${t.unsupported})` : `${t.opsPerSecond} ops/s  (${t.ops} ops in ${(t.ms / 1000).toFixed(2)}s)`;
    process.stdout.write(`${host.padEnd(6)} ${`${label}:`.padEnd(width)} ${text}\n`);
  }
}
if (json) {
  const summary = Object.fromEntries(sets.map(({ host, scenarios }) => [host, { scenarios: scenarios.length, ops: scenarios.reduce((n, s) => n + s.ops.length, 0) }]));
  process.stdout.write(`${JSON.stringify({ seed, seconds, node: process.version, sets: summary, results })}\n`);
}
