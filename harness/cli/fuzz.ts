// `mmufuzz fuzz`: a seeded random campaign wired to the real generator, oracle and findings store.
import { generateDetailed } from '../generate/random.js';
import { resolveGeneratorOptions, type GeneratorOptions } from '../generate/options.js';
import { runOracle } from '../oracle/oracle.js';
import { runCampaign, type CampaignBudget } from '../campaign/campaign.js';
import { FindingsStore } from '../campaign/findings.js';
import { renderSummary } from '../campaign/summary.js';
import { chooseBackends } from './backend-choice.js';
import { EXIT_CLEAN, EXIT_DIVERGENCE, UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import { DEFAULT_TIME_SECONDS } from './options.js';
import { progressDisplay } from './progress.js';
import { mmufuzzVersion } from './version.js';

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
}

/** The process-level pieces of a campaign, injected so tests control time. */
export interface FuzzEnv {
  /** Monotonic milliseconds: the campaign's time budget and speed. */
  clock(): number;
  /** Wall-clock milliseconds: only the default seed uses it. */
  now(): number;
  /** Awaited between progress ticks; true stops the campaign (Ctrl-C). */
  checkpoint?(): boolean | Promise<boolean>;
}

export async function fuzz(opts: FuzzOptions, io: CliIo, env: FuzzEnv): Promise<number> {
  const choice = chooseBackends(opts.backends, opts.mutant);
  const budget = budgetOf(opts);
  const generator = generatorOptions(opts);
  const seed = opts.seed ?? String(env.now());
  if (seed === '') throw new UsageError('--seed: expected a non-empty string');

  io.stdout(`seed: ${seed}\n`);
  const rerun = [
    `mmufuzz fuzz --seed ${seed}`,
    'seconds' in budget ? `--time ${budget.seconds}` : `--scenarios ${budget.scenarios}`,
    `--backends ${choice.names.join(',')}`,
    opts.mutant === undefined ? '' : `--mutant ${opts.mutant}`,
    opts.minOps === undefined ? '' : `--min-ops ${generator.minOps}`,
    opts.maxOps === undefined ? '' : `--max-ops ${generator.maxOps}`,
  ].filter((s) => s !== '');
  io.stdout(`rerun:  ${rerun.join(' ')}\n`);
  io.stdout(`backends ${choice.names.join(', ')}${opts.mutant === undefined ? '' : ` (refactored = mutant ${opts.mutant})`}; findings in ${opts.findings}/\n`);

  const findings = new FindingsStore(opts.findings, {
    backends: choice.names,
    ...(opts.mutant !== undefined ? { mutant: opts.mutant } : {}),
    version: mmufuzzVersion(),
    generator: { ...generator },
  });
  const display = progressDisplay(io);
  const summary = await runCampaign(
    { seed, budget },
    {
      generate: (s, i) => generateDetailed(s, i, generator),
      oracle: (scenario) => runOracle(scenario, choice.factories),
      findings,
      clock: env.clock,
      reporter: display,
      ...(env.checkpoint !== undefined ? { checkpoint: env.checkpoint } : {}),
    },
  );
  display.finish();
  io.stdout(renderSummary(summary));
  return summary.signatures.length > 0 ? EXIT_DIVERGENCE : EXIT_CLEAN;
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

function generatorOptions(opts: FuzzOptions): GeneratorOptions {
  const partial: { minOps?: number; maxOps?: number } = {};
  if (opts.minOps !== undefined) partial.minOps = opts.minOps;
  if (opts.maxOps !== undefined) partial.maxOps = opts.maxOps;
  try {
    return resolveGeneratorOptions(partial);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--min-ops/--max-ops: ${e.message.replace(/^generator: /, '')}`);
    throw e;
  }
}

/** The real process: performance.now for the budget, Date.now for the default seed, Ctrl-C stops. */
export function processFuzzEnv(): FuzzEnv & { dispose(): void } {
  let stop = false;
  const onSigint = (): void => {
    // A second Ctrl-C exits at once (the findings written so far are complete: writes are atomic).
    if (stop) process.exit(130);
    stop = true;
  };
  process.on('SIGINT', onSigint);
  return {
    clock: () => performance.now(),
    now: () => Date.now(),
    // Yield to the event loop so the SIGINT handler can run between scenarios.
    checkpoint: () => new Promise<boolean>((resolve) => setImmediate(() => resolve(stop))),
    dispose: () => {
      process.off('SIGINT', onSigint);
    },
  };
}
