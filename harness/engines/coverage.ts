// The coverage engine: jsfuzz 1.0.15 mutates byte strings, its worker runs them on the CommonJS
// build of the models (dist-cjs: decoder + oracle, instrumentation limited to the models) and
// queues every input that diverges; this side replays each queued input in-process through
// ctx.execute(decodeScenario(bytes)) so our findings store records, minimizes and deduplicates
// it. Bounded by ctx.shouldStop() (jsfuzz has no limit of its own) and honest: a run that executed
// nothing, or whose worker died, is an error, never a clean result. Prints nothing.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Rng } from '../generate/rng.js';
import { coverageWorkerBackends } from './coverage-backends.js';
import { findCoverageBundle, type CoverageBundle } from './coverage-bundle.js';
import { INSTRUMENT_DIR_ENV, TARGET_ENV } from './coverage-env.js';
import {
  CoverageEngineError,
  CoverageOptionError,
  defaultCorpusDir,
  resolveCoverageOptions,
  type CoverageEngineOptions,
  type CoverageStats,
} from './coverage-options.js';
import { loadFuzzerClass } from './coverage-jsfuzz.js';
import { drainQueue } from './coverage-queue.js';
import { FuzzSession } from './coverage-session.js';
import { decodeScenario, MAX_INPUT_BYTES } from './decode.js';
import type { Engine, EngineContext } from './engine.js';

export { CoverageBundleError, findCoverageBundle, type CoverageBundle } from './coverage-bundle.js';
export { CoverageBackendError } from './coverage-backends.js';
export { JsfuzzUnavailableError } from './coverage-jsfuzz.js';
export {
  CoverageEngineError,
  CoverageOptionError,
  defaultCorpusDir,
  resolveCoverageOptions,
  type CoverageEngineOptions,
  type CoverageStats,
} from './coverage-options.js';

export function createCoverageEngine(options: CoverageEngineOptions = {}): Engine {
  return { name: 'coverage', run: (ctx) => runCoverage(ctx, options) };
}

/** The engine with default options (corpus from defaultCorpusDir()), as the registry hands it out. */
export const coverageEngine: Engine = createCoverageEngine();

async function runCoverage(ctx: EngineContext, given: CoverageEngineOptions): Promise<void> {
  const o = resolveCoverageOptions(ctx, given);
  const bundle = o.bundle ?? findCoverageBundle();
  const { names, mutant } = coverageWorkerBackends(ctx.backends);
  const corpusDir = resolve(o.corpusDir ?? defaultCorpusDir());
  prepareCorpusDir(corpusDir);
  const work = mkdtempSync(join(tmpdir(), 'mmufuzz-coverage-'));
  const current: { session?: FuzzSession } = {};
  try {
    await fuzzIn(ctx, o, { work, bundle, corpusDir, names, mutant }, current);
  } finally {
    await current.session?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

interface RunPlaces {
  /** The scratch directory (queue, seed inputs, the worker's cwd); removed afterwards. */
  readonly work: string;
  readonly bundle: CoverageBundle;
  readonly corpusDir: string;
  readonly names: readonly string[];
  readonly mutant: string | undefined;
}

/** The run itself; `current.session` is always the live session, so the caller can stop it. */
async function fuzzIn(ctx: EngineContext, o: CoverageEngineOptions, at: RunPlaces, current: { session?: FuzzSession }): Promise<void> {
  const { work, bundle, corpusDir, names, mutant } = at;
  const pollMs = o.pollMs ?? 200;
  const startupMs = o.startupMs ?? 30_000;
  const maxRestarts = o.maxRestarts ?? 5;
  const queueDir = join(work, 'queue');
  const seedsDir = join(work, 'seeds');
  const cwd = join(work, 'cwd');
  for (const d of [queueDir, seedsDir, cwd]) mkdirSync(d);
  writeSeedInputs(seedsDir, ctx.seed, o.seedInputs ?? 16);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [TARGET_ENV.backends]: names.join(','),
    [TARGET_ENV.mutant]: mutant ?? '',
    [TARGET_ENV.queue]: queueDir,
    [INSTRUMENT_DIR_ENV]: o.instrument === 'all' ? '' : bundle.modelsDir,
  };
  const log = { text: '' };
  const Fuzzer = loadFuzzerClass({ cwd, env, log: (line) => (log.text = (log.text + line + '\n').slice(-4000)) });
  const settings = {
    target: relative(cwd, bundle.target),
    dirs: [corpusDir, seedsDir],
    artifactPath: join(work, 'crash'),
    queueDir,
    rssLimitMb: o.rssLimitMb ?? 2048,
    hangSeconds: o.hangSeconds ?? 10,
  };

  let done = 0; // executions of finished sessions
  let coverage = 0;
  let replayed = 0;
  let unreproduced = 0;
  let restarts = 0;
  let sessionStart = 0;
  const newSession = (): FuzzSession => {
    const s = new FuzzSession(Fuzzer, settings, log);
    current.session = s;
    s.start();
    sessionStart = ctx.clock();
    return s;
  };
  let session = newSession();

  const replay = (): void => {
    for (const entry of drainQueue(queueDir)) {
      const bytes = Buffer.from(entry.input, 'hex');
      const result = ctx.execute(decodeScenario(bytes), { engine: 'coverage', seed: ctx.campaignSeed, input: entry.input });
      replayed++;
      if (entry.reason === 'divergence' && result.divergence?.signature !== entry.signature) unreproduced++;
    }
  };
  const stats = (): CoverageStats => ({
    executions: done + session.executions,
    coverage: Math.max(coverage, session.fuzzer.total_coverage),
    corpus: session.fuzzer.corpus.getLength(),
    replayed,
    unreproduced,
    restarts,
  });

  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    replay();
    const s = stats();
    const status = { corpus: s.corpus, coverage: s.coverage, executions: s.executions };
    ctx.status(status);
    o.onPoll?.(s);
    const started = session.executions > 0;
    if (session.exit !== null) {
      const exit = session.exit;
      const how = exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
      if (!started) {
        throw new CoverageEngineError(
          `coverage engine: the jsfuzz worker exited (${how}) before running any input; the fuzz target ${bundle.target} probably failed to load:\n${session.diagnostics()}`,
        );
      }
      if (exit.signal === null) {
        // jsfuzz's worker exits by itself only when the target threw (ours never does) or died.
        throw new CoverageEngineError(`coverage engine: the jsfuzz worker exited (${how}) after ${session.executions} inputs:\n${session.diagnostics()}`);
      }
      if (++restarts > maxRestarts) {
        throw new CoverageEngineError(`coverage engine: jsfuzz killed its worker ${restarts} times (hangs or memory); giving up`);
      }
      done += session.executions;
      coverage = Math.max(coverage, session.fuzzer.total_coverage);
      session = newSession();
      continue;
    }
    if (!started) {
      if (ctx.clock() - sessionStart > startupMs) {
        throw new CoverageEngineError(`coverage engine: the jsfuzz worker ran no input in ${Math.round(startupMs / 1000)} s:\n${session.diagnostics()}`);
      }
      continue; // a stop waits for the first input: only then is the run known to work
    }
    if (ctx.shouldStop() || (o.maxExecutions !== undefined && s.executions >= o.maxExecutions)) break;
  }
  await session.stop();
  replay();
  if (stats().executions === 0) throw new CoverageEngineError('coverage engine: jsfuzz executed no input');
}

/** Creates the corpus directory; jsfuzz reads every entry as an input, so each must be a file. */
function prepareCorpusDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (!statSync(join(dir, name)).isFile()) {
      throw new CoverageOptionError(`corpus directory ${dir}: ${name} is not a file (the corpus holds fuzzer inputs only)`);
    }
  }
}

/** `n` seed inputs of 64..512 bytes drawn from the worker seed, so a fresh corpus starts from programs, not from an empty string. */
function writeSeedInputs(dir: string, seed: string, n: number): void {
  const rng = new Rng(`coverage-seeds/${seed}`);
  for (let i = 0; i < n; i++) {
    const bytes = Buffer.alloc(Math.min(MAX_INPUT_BYTES, 64 + rng.int(449)));
    for (let k = 0; k < bytes.length; k++) bytes[k] = rng.int(256);
    writeFileSync(join(dir, `seed-${String(i).padStart(3, '0')}`), bytes);
  }
}
