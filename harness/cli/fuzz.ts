// `mmufuzz fuzz`: a campaign of one engine over parallel workers, wired to the real backends,
// findings store, minimizer and ledger; or `--resume DIR` to continue one from its campaign.json.
import { parseReplayPath, replayProperty } from '../engines/property-replay.js';
import { isEngineName } from '../engines/registry.js';
import { resolveGeneratorOptions, type GeneratorOptions } from '../generate/options.js';
import { loadLedger, type Ledger } from '../accept/ledger.js';
import { defaultLauncher, defaultWorkers, runCampaign } from '../campaign/campaign.js';
import { readCampaignFile, type CampaignFile } from '../campaign/campaign-file.js';
import { toolVersions } from '../campaign/finding-meta.js';
import type { WorkerLauncher } from '../campaign/launcher.js';
import { parseShard, WHOLE, type CampaignBudget, type CampaignPlan, type ShardSpec } from '../campaign/plan.js';
import { opsPerSecond } from '../campaign/stats.js';
import { renderSummary } from '../campaign/summary.js';
import { chooseBackends } from './backend-choice.js';
import { EXIT_CLEAN, EXIT_DIVERGENCE, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import { DEFAULT_TIME_SECONDS } from './options.js';
import { progressDisplay } from './progress.js';
import { replayJsonLine } from './replay.js';
import { renderReplay } from './replay-view.js';
import { mmufuzzVersion } from './version.js';

export const DEFAULT_SCENARIO_TIMEOUT_SECONDS = 10;
export const DEFAULT_MINIMIZE_SECONDS = 10;

export interface FuzzOptions {
  /** Default: derived from env.now(), printed first so the campaign can be rerun. */
  readonly seed?: string;
  /** At most one of time (seconds) and scenarios; neither = DEFAULT_TIME_SECONDS. */
  readonly time?: number;
  readonly scenarios?: number;
  readonly backends: string;
  readonly mutant?: string;
  readonly findings: string;
  readonly minOps?: number;
  readonly maxOps?: number;
  /** random (default), property or coverage. */
  readonly engine?: string;
  /** Default: one per core with worker threads, 1 in-process. */
  readonly workers?: number;
  /** `i/N`. */
  readonly shard?: string;
  /** Continue the campaign in this directory; only time/scenarios and json may be given with it. */
  readonly resume?: string;
  /** The intended-differences ledger file. */
  readonly accept?: string;
  /** Minimize new signatures (default true), each for at most minimizeTime seconds. */
  readonly minimize?: boolean;
  readonly minimizeTime?: number;
  /** Seconds before a scenario counts as a hang. */
  readonly scenarioTimeout?: number;
  /** JSON lines instead of text. */
  readonly json?: boolean;
  /** Host of generated scenarios (random and property engines): ept, npt, none or mixed (default). */
  readonly host?: string;
  /** The old name of `host` (ept, npt or none); `host` wins when both are given. */
  readonly tdp?: string;
  /** Random engine: let shadow-paging scenarios reach the known KVM deviations (default false). */
  readonly kvmDeviations?: boolean;
  /** The coverage engine's corpus directory (default: <findings>/coverage-corpus). */
  readonly corpus?: string;
  /** Property engine: replay the run at fast-check SEED:PATH instead of running a campaign. */
  readonly replayPath?: string;
  /** Passed to the engine as ctx.engineOptions (merged over findings/corpus). */
  readonly engineOptions?: Readonly<Record<string, unknown>>;
}

/** The process-level pieces of a campaign, injected so tests control time and workers. */
export interface FuzzEnv {
  /** Monotonic milliseconds: the budget (in-process workers) and the hang watchdog. */
  clock(): number;
  /** Wall-clock milliseconds: only the default seed uses it. */
  now(): number;
  /** Polled; true stops the campaign (Ctrl-C / SIGTERM): it flushes and summarizes. */
  stopRequested?(): boolean;
  /** How workers run; default threads from a build, in-process from sources. */
  readonly launcher?: WorkerLauncher;
  /** Test hook: a module whose `backends` export supplies backends by name (see worker-run.ts). */
  readonly backendModule?: string;
}

/** Worker errors that are the user's doing (a bad config, an unknown name): exit 2, not 3. */
const USAGE_ERROR_NAMES = new Set([
  'UsageError',
  'ScenarioError',
  'UnknownBackendError',
  'CoverageOptionError',
  'CoverageBundleError',
  'CoverageBackendError',
  'JsfuzzUnavailableError',
]);

export async function fuzz(opts: FuzzOptions, io: CliIo, env: FuzzEnv): Promise<number> {
  if (opts.replayPath !== undefined) return replayPropertyRun(opts, io);
  const launcher = env.launcher ?? defaultLauncher(env.clock);
  const { plan, ledger, resume, dir } = opts.resume !== undefined ? resumePlan(opts) : newPlan(opts, env, launcher);
  const json = opts.json === true;
  const shardText = `${plan.shard.index}/${plan.shard.count}`;
  const rerun = rerunCommand(plan, opts);
  if (json) {
    io.stdout(
      JSON.stringify({
        type: 'start', seed: plan.seed, engine: plan.engine, workers: plan.workers, launcher: launcher.kind, shard: shardText,
        budget: plan.budget, backends: plan.backends, mutant: plan.mutant ?? null, findings: dir, resumed: resume !== undefined,
        ledger: ledger?.file ?? null, rerun,
      }) + '\n',
    );
  } else {
    io.stdout(`seed: ${plan.seed}\n`);
    io.stdout(`rerun:  ${rerun}\n`);
    if (resume !== undefined) io.stdout(`resume: continuing ${dir}/campaign.json (${resume.stats.scenarios} scenarios done)\n`);
    io.stdout(
      `engine ${plan.engine}, ${plan.workers} worker${plan.workers === 1 ? '' : 's'} (${launcher.kind})${plan.shard.count > 1 ? `, shard ${shardText}` : ''}; ` +
        `backends ${plan.backends.join(', ')}${plan.mutant === undefined ? '' : ` (refactored = mutant ${plan.mutant})`}; findings in ${dir}/\n`,
    );
  }
  const display = progressDisplay(io, json);
  let result;
  try {
    result = await runCampaign({
      plan,
      dir,
      ...(ledger !== undefined ? { ledger } : {}),
      ...(resume !== undefined ? { resume } : {}),
      versions: toolVersions(mmufuzzVersion()),
      launcher,
      clock: env.clock,
      reporter: display,
      ...(env.stopRequested !== undefined ? { stopRequested: env.stopRequested } : {}),
      ...(env.backendModule !== undefined ? { backendModule: env.backendModule } : {}),
    });
  } catch (e) {
    display.finish();
    if (e instanceof Error && USAGE_ERROR_NAMES.has(e.name)) throw new UsageError(e.message);
    throw e;
  }
  display.finish();
  const file = result.file;
  const code = file.signatures.length > 0 ? EXIT_DIVERGENCE : EXIT_CLEAN;
  if (json) {
    io.stdout(JSON.stringify(summaryJson(file, code)) + '\n');
  } else {
    io.stdout(renderSummary(file));
    if (result.interrupted) io.stdout(`resume with: mmufuzz fuzz --resume ${dir}\n`);
  }
  return code;
}

/** The `{"type": "summary", ...}` JSON line's object. */
export function summaryJson(f: CampaignFile, exitCode: number): object {
  return {
    type: 'summary',
    id: f.id,
    status: f.status,
    seed: f.plan.seed,
    engine: f.plan.engine,
    elapsedMs: f.elapsedMs,
    scenarios: f.stats.scenarios,
    operations: f.stats.operations,
    opsPerSecond: opsPerSecond({ operations: f.stats.operations, elapsedMs: f.elapsedMs }),
    divergent: f.stats.divergent,
    accepted: f.stats.accepted,
    outcomes: f.stats.mix.counts,
    signatures: f.signatures,
    acceptedEntries: f.accepted,
    stale: f.stale ?? [],
    events: f.events,
    exitCode,
  };
}

function newPlan(opts: FuzzOptions, env: FuzzEnv, launcher: WorkerLauncher): { plan: CampaignPlan; ledger?: Ledger; resume?: CampaignFile; dir: string } {
  const engine = opts.engine ?? 'random';
  if (!isEngineName(engine)) throw new UsageError(`--engine: unknown engine "${engine}": expected random, property or coverage`);
  if (opts.kvmDeviations === true && engine !== 'random') {
    throw new UsageError(`--kvm-deviations: only the random engine takes it (the ${engine} engine always avoids the known KVM deviations)`);
  }
  const choice = chooseBackends(opts.backends, opts.mutant);
  const seed = opts.seed ?? String(env.now());
  if (seed === '') throw new UsageError('--seed: expected a non-empty string');
  const workers = opts.workers ?? defaultWorkers(launcher);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers: expected a positive integer, got ${workers}`);
  const ledger = opts.accept !== undefined ? loadLedger(opts.accept) : undefined;
  const plan: CampaignPlan = {
    engine,
    seed,
    budget: budgetOf(opts),
    backends: choice.names,
    ...(opts.mutant !== undefined ? { mutant: opts.mutant } : {}),
    generator: generatorOptions(opts),
    workers,
    shard: shardOf(opts.shard),
    scenarioTimeoutMs: positiveSeconds('--scenario-timeout', opts.scenarioTimeout ?? DEFAULT_SCENARIO_TIMEOUT_SECONDS),
    minimize: { enabled: opts.minimize !== false, timeMs: positiveSeconds('--minimize-time', opts.minimizeTime ?? DEFAULT_MINIMIZE_SECONDS) },
    ...(ledger !== undefined ? { ledger: { file: ledger.file, entries: ledger.entries } } : {}),
    engineOptions: { findings: opts.findings, ...(opts.corpus !== undefined ? { corpus: opts.corpus } : {}), ...opts.engineOptions },
  };
  return { plan, ...(ledger !== undefined ? { ledger } : {}), dir: opts.findings };
}

/** The plan stored in DIR/campaign.json; a budget given on the command line replaces the total. */
function resumePlan(opts: FuzzOptions): { plan: CampaignPlan; ledger?: Ledger; resume: CampaignFile; dir: string } {
  const dir = opts.resume!;
  const resume = readCampaignFile(dir);
  const given = opts.time !== undefined || opts.scenarios !== undefined;
  const plan: CampaignPlan = given ? { ...resume.plan, budget: budgetOf(opts) } : resume.plan;
  const ledger = plan.ledger !== undefined ? { file: plan.ledger.file, entries: plan.ledger.entries } : undefined;
  return { plan, ...(ledger !== undefined ? { ledger } : {}), resume, dir };
}

function rerunCommand(plan: CampaignPlan, opts: FuzzOptions): string {
  const b = plan.budget;
  return [
    `mmufuzz fuzz --seed ${plan.seed}`,
    plan.engine === 'random' ? '' : `--engine ${plan.engine}`,
    'seconds' in b ? `--time ${b.seconds}` : `--scenarios ${b.scenarios}`,
    `--backends ${plan.backends.join(',')}`,
    plan.mutant === undefined ? '' : `--mutant ${plan.mutant}`,
    `--workers ${plan.workers}`,
    plan.shard.count > 1 ? `--shard ${plan.shard.index}/${plan.shard.count}` : '',
    opts.minOps === undefined ? '' : `--min-ops ${plan.generator.minOps}`,
    opts.maxOps === undefined ? '' : `--max-ops ${plan.generator.maxOps}`,
    plan.generator.tdp === undefined ? '' : `--host ${plan.generator.tdp}`,
    plan.generator.kvmDeviations === true ? '--kvm-deviations' : '',
    plan.ledger === undefined ? '' : `--accept ${plan.ledger.file}`,
  ]
    .filter((s) => s !== '')
    .join(' ');
}

function budgetOf(opts: FuzzOptions): CampaignBudget {
  if (opts.time !== undefined && opts.scenarios !== undefined) throw new UsageError('--time and --scenarios are mutually exclusive');
  if (opts.scenarios !== undefined) {
    if (!Number.isInteger(opts.scenarios) || opts.scenarios < 0) {
      throw new UsageError(`--scenarios: expected a non-negative integer, got ${opts.scenarios}`);
    }
    return { scenarios: opts.scenarios };
  }
  const seconds = opts.time ?? DEFAULT_TIME_SECONDS;
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--time: expected a non-negative number of seconds, got ${seconds}`);
  return { seconds };
}

function shardOf(text: string | undefined): ShardSpec {
  if (text === undefined) return WHOLE;
  try {
    return parseShard(text);
  } catch (e) {
    throw new UsageError(`--shard: ${(e as Error).message}`);
  }
}

function positiveSeconds(name: string, s: number): number {
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`${name}: expected a positive number of seconds, got ${s}`);
  return Math.round(s * 1000);
}

const HOSTS = ['ept', 'npt', 'none', 'mixed'] as const;

function generatorOptions(opts: FuzzOptions): GeneratorOptions {
  const host = opts.host ?? opts.tdp;
  if (host !== undefined && !(HOSTS as readonly string[]).includes(host)) {
    throw new UsageError(`--host: expected ept, npt, none (shadow paging) or mixed, got "${host}"`);
  }
  const partial: { minOps?: number; maxOps?: number; tdp?: 'ept' | 'npt' | 'none'; kvmDeviations?: boolean } = {};
  if (opts.minOps !== undefined) partial.minOps = opts.minOps;
  if (opts.maxOps !== undefined) partial.maxOps = opts.maxOps;
  if (host !== undefined && host !== 'mixed') partial.tdp = host as 'ept' | 'npt' | 'none';
  if (opts.kvmDeviations === true) partial.kvmDeviations = true;
  try {
    return resolveGeneratorOptions(partial);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--min-ops/--max-ops: ${e.message.replace(/^generator: /, '')}`);
    throw e;
  }
}

/** `--engine property --replay-path SEED:PATH`: re-runs one fast-check run and shows it like `replay`. */
function replayPropertyRun(opts: FuzzOptions, io: CliIo): number {
  if ((opts.engine ?? 'property') !== 'property') throw new UsageError('--replay-path replays a property-engine run: use it with --engine property');
  let at: { fcSeed: number; fcPath: string };
  try {
    at = parseReplayPath(opts.replayPath!);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const choice = chooseBackends(opts.backends, opts.mutant);
  const tdp = generatorOptions(opts).tdp;
  const r = replayProperty(at.fcSeed, at.fcPath, { backends: choice.factories, ...(tdp !== undefined ? { tdp } : {}) });
  const name = `property run ${opts.replayPath}`;
  if (opts.json === true) io.stdout(replayJsonLine({ file: name, scenario: r.scenario, result: r.result }) + '\n');
  else io.stdout(renderReplay(name, r.scenario, r.result) + '\n');
  return r.result.divergence === null ? EXIT_CLEAN : EXIT_DIVERGENCE;
}

/**
 * The real process: performance.now for the budget, Date.now for the default seed. The first
 * SIGINT/SIGTERM stops the campaign (workers stop, the store and campaign.json are flushed, the
 * summary prints); a second one exits at once (every reported finding is already complete on disk).
 */
export function processFuzzEnv(): FuzzEnv & { dispose(): void } {
  let stop = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stop) process.exit(signal === 'SIGTERM' ? 143 : 130);
    stop = true;
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    clock: () => performance.now(),
    now: () => Date.now(),
    stopRequested: () => stop,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
