// The coverage engine: jsfuzz on the CommonJS build finds a planted mutant and the finding is
// replayed in-process from its input; a target that fails to load is an error, not a pass; no
// crash file is left behind. Plus the pieces that need no jsfuzz: the fuzz target's queueing,
// backend names for the worker, bundle freshness and the corpus directory check.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { runOracle } from '../oracle/oracle.js';
import { coverageWorkerBackends } from './coverage-backends.js';
import { findCoverageBundle, CoverageBundleError, type CoverageBundle } from './coverage-bundle.js';
import { drainQueue } from './coverage-queue.js';
import { runInput } from './coverage-target.js';
import { createCoverageEngine, CoverageOptionError, resolveCoverageOptions, type CoverageStats } from './coverage.js';
import { decodeScenario } from './decode.js';
import { fakeContext } from './test-property-context.js';

const MUTANT = 'smap-implicit-honors-ac';
/** jsfuzz executions allowed to find it (measured: the seed inputs alone usually do). */
const EXEC_BUDGET = 20_000;

const legacy = getBackend('legacy');
const mutant = getBackend('refactored', MUTANT);
const scratch = mkdtempSync(join(tmpdir(), 'mmufuzz-coverage-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Why the jsfuzz tests cannot run here, or null. */
function unavailable(): string | null {
  try {
    findCoverageBundle();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  try {
    import.meta.resolve('jsfuzz/package.json');
  } catch {
    return 'jsfuzz is not installed (npm install --save-dev jsfuzz@1.0.15)';
  }
  return null;
}
const skipReason = unavailable();

describe.skipIf(skipReason !== null)(`coverage engine with jsfuzz${skipReason === null ? '' : ` (skipped: ${skipReason})`}`, () => {
  it(`finds ${MUTANT} and records it through ctx.execute, replayable from its input`, async () => {
    const corpusDir = join(scratch, 'corpus');
    const before = readdirSync(process.cwd()).filter((n) => n.startsWith('crash-') || n === '.nyc_output');
    const sigintListeners = process.listenerCount('SIGINT');
    let stats: CoverageStats | undefined;
    const ctx = fakeContext({ backends: [legacy, mutant], stopWhen: (c) => c.recorded.some((r) => r.divergence !== null) });
    await createCoverageEngine({ corpusDir, maxExecutions: EXEC_BUDGET, pollMs: 50, onPoll: (s) => (stats = s) }).run(ctx);

    const found = ctx.recorded.find((r) => r.divergence !== null);
    expect(found, `no divergence in ${stats?.executions} executions`).toBeDefined();
    expect(found!.provenance.engine).toBe('coverage');
    const input = Buffer.from(found!.provenance.input!, 'hex');
    const again = runOracle(decodeScenario(input), [legacy, mutant]).divergence;
    expect(again?.signature).toBe(found!.divergence!.signature);
    expect(runOracle(decodeScenario(input), [legacy, getBackend('refactored')]).divergence).toBeNull();

    expect(stats!.executions).toBeGreaterThan(0);
    expect(stats!.unreproduced).toBe(0);
    expect(ctx.statuses.length).toBeGreaterThan(0);
    expect(ctx.statuses.at(-1)!.coverage).toBeGreaterThan(0);
    expect(readdirSync(corpusDir).length).toBeGreaterThan(0);
    const after = readdirSync(process.cwd()).filter((n) => n.startsWith('crash-') || n === '.nyc_output');
    expect(after).toEqual(before);
    // jsfuzz's parent module ran against a stand-in process: no SIGINT handler, no exit code.
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('is an error, not a pass, when the fuzz target fails to load', async () => {
    const dir = join(scratch, 'broken-bundle');
    mkdirSync(join(dir, 'mmus'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n');
    writeFileSync(join(dir, 'target.js'), 'throw new Error("target failed to load on purpose");\n');
    const bundle: CoverageBundle = { root: scratch, dir, target: join(dir, 'target.js'), modelsDir: join(dir, 'mmus') };
    const ctx = fakeContext({ backends: [legacy, mutant] });
    const run = createCoverageEngine({ corpusDir: join(scratch, 'corpus-broken'), bundle, pollMs: 50 }).run(ctx);
    await expect(run).rejects.toThrow(/exited \(code 1\) before running any input[\s\S]*failed to load on purpose/);
    expect(ctx.recorded).toHaveLength(0);
  });
});

describe('coverage engine pieces', () => {
  it('queues the first input of each signature from the fuzz target, and never throws', () => {
    const queueDir = join(scratch, 'queue');
    mkdirSync(queueDir, { recursive: true });
    const settings = { backends: [legacy, getBackend('refactored', 'dirty-on-nonleaf')], queueDir, queued: new Set<string>() };
    for (let i = 0; i < 50; i++) runInput(Buffer.from([0, 0, 0, 0, i, 0, 0, 0]), settings);
    const queued = drainQueue(queueDir);
    expect(queued.length).toBe(settings.queued.size);
    expect(queued.length).toBeGreaterThan(0);
    for (const q of queued) {
      const d = runOracle(decodeScenario(Buffer.from(q.input, 'hex')), settings.backends).divergence;
      expect(d?.signature).toBe(q.signature);
    }
    expect(drainQueue(queueDir)).toEqual([]);
    // A failure of our own is queued as an error entry, not thrown at jsfuzz.
    const broken = { ...settings, backends: [{ ...legacy, create: () => { throw new Error('no'); } }], queued: new Set<string>() };
    expect(() => runInput(Buffer.alloc(0), { ...broken, queueDir: join(scratch, 'missing-dir') })).not.toThrow();
  });

  it('names the backends for the worker, mutant included, and refuses others', () => {
    expect(coverageWorkerBackends([legacy, mutant, getBackend('reference')])).toEqual({
      names: ['legacy', 'refactored', 'reference'],
      mutant: MUTANT,
    });
    expect(coverageWorkerBackends([legacy, getBackend('refactored')])).toEqual({ names: ['legacy', 'refactored'], mutant: undefined });
    expect(() => coverageWorkerBackends([{ ...legacy, name: 'kvm' }])).toThrow(/not a registry backend/);
  });

  it('refuses a missing or stale CommonJS build with the command that builds it', () => {
    const root = join(scratch, 'pkg');
    mkdirSync(join(root, 'dist-cjs', 'harness'), { recursive: true });
    expect(() => findCoverageBundle(root)).toThrow(/missing: run "npm run build:cjs"/);
    writeFileSync(join(root, 'dist-cjs', 'harness', 't.js'), '');
    writeFileSync(join(root, 'src.ts'), 'changed');
    writeFileSync(join(root, 'dist-cjs', 'build-info.json'), JSON.stringify({ target: 'harness/t.js', sources: { 'src.ts': '00' } }));
    expect(() => findCoverageBundle(root)).toThrow(CoverageBundleError);
    expect(() => findCoverageBundle(root)).toThrow(/older than its sources \(src.ts changed\)/);
  });

  it('takes its options from createCoverageEngine, else from the campaign engine options', () => {
    const ctx = Object.assign(fakeContext({ backends: [legacy] }), { engineOptions: { findings: '/f', maxExecutions: 9 } });
    expect(resolveCoverageOptions(ctx, {})).toMatchObject({ corpusDir: join('/f', 'coverage-corpus'), maxExecutions: 9 });
    expect(resolveCoverageOptions(ctx, { corpusDir: '/c', maxExecutions: 3 })).toMatchObject({ corpusDir: '/c', maxExecutions: 3 });
    const named = Object.assign(fakeContext({ backends: [legacy] }), { engineOptions: { corpus: '/named', findings: '/f' } });
    expect(resolveCoverageOptions(named, {}).corpusDir).toBe('/named');
    const bad = Object.assign(fakeContext({ backends: [legacy] }), { engineOptions: { maxExecutions: 'many' } });
    expect(() => resolveCoverageOptions(bad, {})).toThrow(/maxExecutions must be a positive number/);
  });

  it('refuses a corpus directory that holds anything but files', async () => {
    const corpusDir = join(scratch, 'corpus-with-dir');
    mkdirSync(join(corpusDir, 'nested'), { recursive: true });
    const bundle: CoverageBundle = { root: scratch, dir: scratch, target: join(scratch, 'none.js'), modelsDir: scratch };
    const run = createCoverageEngine({ corpusDir, bundle }).run(fakeContext({ backends: [legacy] }));
    await expect(run).rejects.toThrow(CoverageOptionError);
    expect(existsSync(join(corpusDir, 'nested'))).toBe(true);
  });
});
