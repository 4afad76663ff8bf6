// The property engine: finds a planted mutant in a bounded number of runs, shrinks it to a few
// ops with the same signature, and replayProperty(seed, path) rebuilds exactly what was recorded
// and offered (1 run, 0 shrinks). Also the replay-path encodings and the vitest-facing property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { openingOpCount } from '../generate/arbitraries/opening-op-count.js';
import { runOracle } from '../oracle/oracle.js';
import { scenarioToJson } from '../scenario/encode.js';
import { IntentCommand } from './property-commands.js';
import { fakeContext, type FakeContext } from './test-property-context.js';
import {
  allRanReplayPath,
  caseScenario,
  createPropertyEngine,
  formatReplayPath,
  mmuProperty,
  parseReplayPath,
  propertyCaseArbitraries,
  renderReplayHint,
  replayProperty,
  type RoundOutcome,
} from './property.js';

const legacy = getBackend('legacy');
const MUTANT = 'smap-implicit-honors-ac';
const mutant = getBackend('refactored', MUTANT);
/** Recorded runs allowed to find the mutant (measured: it takes a few dozen). */
const RUN_BUDGET = 1500;
/** Ops after the opening up to the divergence a shrunk case may keep. */
const MAX_SHRUNK_OPS = 6;

async function findMutant(seed: string): Promise<{ ctx: FakeContext; rounds: RoundOutcome[] }> {
  const rounds: RoundOutcome[] = [];
  const ctx = fakeContext({
    backends: [legacy, mutant],
    seed,
    maxRecorded: RUN_BUDGET,
    stopWhen: (c) => c.offered.length > 0,
  });
  await createPropertyEngine({ onRound: (o) => rounds.push(o) }).run(ctx);
  return { ctx, rounds };
}

describe('propertyEngine', () => {
  it(`finds ${MUTANT}, shrinks it, and replays it exactly from seed and path`, async () => {
    const { ctx, rounds } = await findMutant('property-test');
    const first = ctx.recorded.find((r) => r.divergence !== null);
    expect(first, `no divergence in ${ctx.recorded.length} runs`).toBeDefined();
    expect(rounds.map((r) => r.kind)).toContain('found');
    expect(ctx.offered).toHaveLength(1);
    const offered = ctx.offered[0];
    expect(offered.signature).toBe(first!.divergence!.signature);
    expect(ctx.unrecorded).toBeGreaterThan(0);

    // Shrunk: few ops after the opening, up to the diverging one; the unmutated model agrees.
    const shrunk = runOracle(offered.scenario, [legacy, mutant]).divergence!;
    expect(shrunk.signature).toBe(offered.signature);
    expect(shrunk.index + 1 - openingOpCount(offered.scenario)).toBeLessThanOrEqual(MAX_SHRUNK_OPS);
    expect(runOracle(offered.scenario, [legacy, getBackend('refactored')]).divergence).toBeNull();

    // Replay of the shrunk case: 1 run, 0 shrinks, the same scenario and signature.
    const { fcSeed, fcPath } = offered.provenance;
    expect(offered.provenance.engine).toBe('property');
    const replay = replayProperty(fcSeed!, fcPath!, { backends: [legacy, mutant] });
    expect(replay.numRuns).toBe(1);
    expect(replay.numShrinks).toBe(0);
    expect(scenarioToJson(replay.scenario)).toEqual(scenarioToJson(offered.scenario));
    expect(replay.result.divergence!.signature).toBe(offered.signature);

    // Replay of the recorded (unshrunk) run from its own path.
    const original = replayProperty(first!.provenance.fcSeed!, first!.provenance.fcPath!, { backends: [legacy, mutant] });
    expect(scenarioToJson(original.scenario)).toEqual(scenarioToJson(first!.scenario));
  });

  it('forces the host of the drawn configs, shadow paging included', () => {
    const [config] = propertyCaseArbitraries({ tdp: 'none' });
    for (const c of fc.sample(config, { seed: 1, numRuns: 30 })) {
      expect(c.host).toEqual({ tdp: 'none', eptAd: false, mbec: false });
      expect(c.cpu.features.has('pku')).toBe(false);
    }
    const [drawn] = propertyCaseArbitraries({});
    expect(new Set(fc.sample(drawn, { seed: 2, numRuns: 60 }).map((c) => c.host.tdp))).toEqual(new Set(['ept', 'npt', 'none']));
  });

  it('is deterministic in the worker seed', async () => {
    const a = await findMutant('property-determinism');
    const b = await findMutant('property-determinism');
    expect(b.ctx.recorded.length).toBe(a.ctx.recorded.length);
    expect(b.ctx.offered[0].provenance).toEqual(a.ctx.offered[0].provenance);
  });

  it('stops when told to, and runs nothing when stopped from the start', async () => {
    const none = fakeContext({ backends: [legacy, mutant] });
    none.stop();
    await createPropertyEngine().run(none);
    expect(none.recorded).toHaveLength(0);

    const some = fakeContext({ backends: [legacy, getBackend('refactored')], maxRecorded: 40 });
    await createPropertyEngine().run(some);
    expect(some.recorded).toHaveLength(40);
    expect(some.recorded.every((r) => r.divergence === null && r.provenance.fcPath !== undefined)).toBe(true);
  });

  it('takes disjoint fast-check seeds in workers that share a seed but not an offset', async () => {
    const seeds = (offset: number): Promise<number[]> => {
      const seen: number[] = [];
      const ctx = fakeContext({ backends: [legacy, mutant], stride: 2, offset, stopWhen: () => seen.length >= 2 });
      return createPropertyEngine({ onRound: (_o, _r, fcSeed) => seen.push(fcSeed) })
        .run(ctx)
        .then(() => seen);
    };
    const [even, odd] = [await seeds(0), await seeds(1)];
    expect(even.some((s) => odd.includes(s))).toBe(false);
  });
});

describe('replay paths', () => {
  it('formats, parses and refuses --replay-path values', () => {
    expect(formatReplayPath(-12, '3:0:1')).toBe('-12:3:0:1');
    expect(parseReplayPath('-12:3:0:1')).toEqual({ fcSeed: -12, fcPath: '3:0:1' });
    expect(parseReplayPath('7:0')).toEqual({ fcSeed: 7, fcPath: '0' });
    expect(() => parseReplayPath('abc')).toThrow(/expected SEED:PATH/);
    expect(() => parseReplayPath('12')).toThrow(RangeError);
  });

  it('renders the replay command of a property finding', () => {
    const hint = renderReplayHint(
      { engine: 'property', seed: 's', fcSeed: 5, fcPath: '2:1' },
      { backends: ['legacy', 'refactored'], mutant: MUTANT },
    );
    expect(hint).toBe(`mmufuzz fuzz --engine property --replay-path=5:2:1 --backends legacy,refactored --mutant ${MUTANT}`);
    expect(renderReplayHint({ engine: 'random', seed: 's', index: 3 })).toBe('');
  });

  it('encodes "every command ran" the way fc.commands prints it', () => {
    expect(allRanReplayPath(3)).toBe('C:B');
    expect(allRanReplayPath(64)).toBe('/:B');
    expect(allRanReplayPath(65)).toBe('/A:D');
    // A real counterexample of a commands property whose commands all run.
    const cmd = fc.constant(new IntentCommand({ kind: 'cr3_reload' }));
    const r = fc.check(
      fc.property(fc.commands([cmd], { size: 'max', maxCommands: 30 }), (cmds) => {
        fc.modelRun(() => ({ model: { count: 0 }, real: { intents: [] } }), cmds);
        return [...cmds].length < 3;
      }),
      { seed: 9 },
    );
    const printed = /replayPath="([^"]+)"/.exec(String(r.counterexample![0]))![1];
    const lengths = Array.from({ length: 2000 }, (_, n) => n + 1).filter((n) => allRanReplayPath(n) === printed);
    expect(lengths).toHaveLength(1);
  });
});

describe('mmuProperty (for vitest)', () => {
  it('holds on the unmutated models and fails on a mutant with a replayable counterexample', () => {
    fc.assert(mmuProperty([legacy, getBackend('refactored')], { maxCommands: 30 }), { seed: 1, numRuns: 30 });
    const r = fc.check(mmuProperty([legacy, mutant]), { seed: 2, numRuns: 500 });
    expect(r.failed).toBe(true);
    const s = caseScenario(...r.counterexample!);
    expect(runOracle(s, [legacy, mutant]).divergence).not.toBeNull();
  });
});
