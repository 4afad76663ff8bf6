// `npm run bench:detect`: for every mutant, a one-core campaign per seed (the random engine, and
// the property engine as a second column with --property) until the mutant's first divergence;
// the wall-clock time to it and the minimized size of that finding; then the throughput of the
// clean 3-way campaign with 1 and 2 workers. Prints a table and the medians, or with --json one
// object (docs/nightly.md). Timings belong here, never in tests.
// Usage: node dist/scripts/bench-detect.js [--json] [--seeds a,b,c] [--limit S] [--minimize-ms MS]
//        [--throughput-seconds S] [--property] [--mutants m1,m2]
import { listMutants } from '../mmus/registry.js';
import { getEngine } from '../harness/engines/registry.js';
import type { EngineName } from '../harness/engines/engine.js';
import { detectOnce } from './bench-detect-run.js';
import { renderTable, summarizeMutant, targetLines, toJson, type DetectRun, type MutantResult } from './bench-detect-stats.js';
import { measureWorkers } from './bench-detect-workers.js';

interface Args {
  readonly json: boolean;
  readonly seeds: readonly string[];
  readonly limit: number;
  readonly minimizeMs: number;
  readonly throughputSeconds: number;
  readonly property: boolean;
  readonly mutants: readonly string[] | null;
}

const USAGE =
  'usage: bench-detect [--json] [--seeds a,b,c] [--limit SECONDS] [--minimize-ms MS] [--throughput-seconds S (0: skip)] [--property] [--mutants m1,m2]\n';

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    if (i + 1 >= argv.length) usage(`--${name} needs a value`);
    return argv[i + 1];
  };
  const num = (name: string, fallback: number): number => {
    const v = value(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n < 0) usage(`--${name}: expected a non-negative number, got ${v}`);
    return n;
  };
  const known = new Set(['--json', '--property', '--seeds', '--limit', '--minimize-ms', '--throughput-seconds', '--mutants']);
  argv.forEach((a, i) => {
    if (a.startsWith('--') && !known.has(a)) usage(`unknown option ${a}`);
    if (!a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--') || argv[i - 1] === '--json' || argv[i - 1] === '--property')) usage(`unexpected argument ${a}`);
  });
  const mutants = value('mutants');
  return {
    json: argv.includes('--json'),
    property: argv.includes('--property'),
    seeds: (value('seeds') ?? 'detect-1,detect-2,detect-3').split(',').filter((s) => s !== ''),
    limit: num('limit', 60),
    minimizeMs: num('minimize-ms', 10_000),
    throughputSeconds: num('throughput-seconds', 5),
    mutants: mutants === undefined ? null : mutants.split(',').filter((s) => s !== ''),
  };
}

function usage(problem: string): never {
  process.stderr.write(`bench-detect: ${problem}\n${USAGE}`);
  process.exit(2);
}

async function detectAll(engineName: EngineName, args: Args, log: (s: string) => void): Promise<MutantResult[]> {
  const engine = getEngine(engineName);
  const names = listMutants().map((m) => m.name);
  const chosen = args.mutants ?? names;
  const unknown = chosen.filter((m) => !names.includes(m));
  if (unknown.length > 0) usage(`unknown mutant ${unknown.join(', ')} (known: ${names.join(', ')})`);
  const results: MutantResult[] = [];
  for (const mutant of chosen) {
    const runs: DetectRun[] = [];
    for (const seed of args.seeds) {
      const run = await detectOnce({ engine, mutant, seed, limitSeconds: args.limit, minimizeMs: args.minimizeMs, clock: () => performance.now() });
      runs.push(run);
      log(`${engineName} ${mutant} seed ${seed}: ${run.detected ? `${run.seconds!.toFixed(2)}s, ${run.originalOps} -> ${run.minimizedOps ?? '?'} ops (${run.signature})` : `not detected in ${args.limit}s`}\n`);
    }
    results.push(summarizeMutant(mutant, runs));
  }
  return results;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.seeds.length === 0) usage('--seeds: expected at least one seed');
  // Progress goes to stderr so `--json` leaves exactly one object on stdout.
  const log = (s: string): void => {
    process.stderr.write(s);
  };
  log(`bench-detect: seeds ${args.seeds.join(', ')}, limit ${args.limit}s per campaign, minimization bound ${args.minimizeMs}ms, node ${process.version}\n`);
  const random = await detectAll('random', args, log);
  const extra = new Map<string, MutantResult[]>();
  if (args.property) {
    try {
      extra.set('property', await detectAll('property', args, log));
    } catch (e) {
      // An engine this build does not have (yet) leaves its column out rather than failing the run.
      log(`property engine unavailable, column left out: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  const throughput: Record<string, number | null> = { '1': null, '2': null };
  if (args.throughputSeconds > 0) {
    for (const workers of [1, 2]) {
      throughput[String(workers)] = measureWorkers(workers, args.throughputSeconds, log);
    }
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(toJson(random, throughput)) + '\n');
    return;
  }
  process.stdout.write(`time to first detection (random engine, 1 worker) and minimized size of the first finding, seeds ${args.seeds.join(', ')}\n\n`);
  process.stdout.write(renderTable(random, extra));
  process.stdout.write('\n');
  for (const line of targetLines(random)) process.stdout.write(line + '\n');
  process.stdout.write(`\nclean 3-way campaign throughput: 1 worker ${throughput['1'] ?? '—'} ops/s, 2 workers ${throughput['2'] ?? '—'} ops/s\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-detect: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(3);
});
