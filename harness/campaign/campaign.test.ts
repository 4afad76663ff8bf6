// The campaign runtime with in-process workers and a fake clock: statistics and findings merged
// across workers, crash isolation, minimization, the ledger, resume, dead workers, fatal errors.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { UnsupportedConfigError, type BackendFactory } from '../../mmus/backend.js';
import { loadScenarioFile } from '../scenario/parse.js';
import { parseLedger } from '../accept/ledger.js';
import { readCampaignFile } from './campaign-file.js';
import { runCampaign, type CampaignSetup } from './campaign.js';
import { inProcessLauncher, type WorkerLauncher } from './launcher.js';
import type { MinimizeJob, MinimizeOutcome } from './minimize-job.js';
import { WHOLE, type CampaignPlan } from './plan.js';
import { SLOT_COUNT, type WorkerMessage } from './worker-protocol.js';
import { MINIMIZE_INTERRUPTED } from './minimize-queue.js';
import { renderSummary } from './summary.js';
import { throwingRefactored } from './test-backends.js';
import { fakeClock, fakeResult, smallScenario, TEST_VERSIONS } from './test-support.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-campaign-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** smep-enable-no-flush diverges in a few scenarios out of ten with these options. */
function plan(over: Partial<CampaignPlan> = {}): CampaignPlan {
  return {
    engine: 'random',
    seed: 'rt',
    budget: { scenarios: 40 },
    backends: ['legacy', 'refactored'],
    mutant: 'smep-enable-no-flush',
    generator: { minOps: 20, maxOps: 60 },
    workers: 2,
    shard: WHOLE,
    scenarioTimeoutMs: 10_000,
    minimize: { enabled: false, timeMs: 1000 },
    ...over,
  };
}

function setup(p: CampaignPlan, dir: string, over: Partial<CampaignSetup> & { factories?: readonly BackendFactory[] } = {}): CampaignSetup {
  const clock = fakeClock(1);
  const launcher: WorkerLauncher =
    over.launcher ?? inProcessLauncher({ clock, ...(over.factories !== undefined ? { factories: over.factories } : {}) });
  return { plan: p, dir, versions: TEST_VERSIONS, clock, ...over, launcher };
}

/** Finding directories (not campaign.json, not temporaries). */
function findingDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => n !== 'campaign.json' && !n.startsWith('.tmp-')).sort();
}

describe('runCampaign with parallel workers', () => {
  it('merges statistics and findings: the same scenario budget gives the same totals with 1 or 3 workers', async () => {
    const one = await runCampaign(setup(plan({ workers: 1 }), join(root, 'one')));
    const three = await runCampaign(setup(plan({ workers: 3 }), join(root, 'three')));
    expect(one.file.stats.scenarios).toBe(40);
    expect(three.file.stats).toEqual(one.file.stats);
    const hits = (r: typeof one) => Object.fromEntries(r.file.signatures.map((s) => [s.signature, s.hits]));
    expect(Object.keys(hits(one)).length).toBeGreaterThan(0);
    expect(hits(three)).toEqual(hits(one));
    expect(three.file.workers.map((w) => w.done)).toEqual([14, 13, 13]);
    expect(three.file.status).toBe('finished');
    // One directory per signature; meta.json counts every hit, and campaign.json says the same.
    const dirs = findingDirs(join(root, 'three'));
    expect(dirs).toHaveLength(three.file.signatures.length);
    for (const s of three.file.signatures) {
      const meta = JSON.parse(readFileSync(join(s.dir, 'meta.json'), 'utf8'));
      expect(meta).toMatchObject({ signature: s.signature, hits: s.hits, engine: 'random', seed: 'rt', mutant: 'smep-enable-no-flush' });
      expect(meta.provenance.index % 1).toBe(0);
      expect(meta.versions).toEqual(TEST_VERSIONS);
      expect(loadScenarioFile(join(s.dir, 'scenario.json')).ops.length).toBeGreaterThan(0);
    }
    expect(readCampaignFile(join(root, 'three')).stats).toEqual(three.file.stats);
  });

  it('a backend that throws is a crash finding and the campaign goes on', async () => {
    const factories = [getBackend('legacy'), throwingRefactored];
    const r = await runCampaign(setup(plan({ mutant: undefined, budget: { scenarios: 60 } }), root, { factories }));
    expect(r.file.stats.scenarios).toBe(60);
    const crash = r.file.signatures.find((s) => s.class === 'crash');
    expect(crash?.signature).toMatch(/^crash\/invpcid\/Error: injected failure on invpcid type N@/);
    expect(readFileSync(join(crash!.dir, 'report.txt'), 'utf8')).toContain('threw');
  });

  it('minimizes each new signature once and stores minimized.json with the sizes', async () => {
    const jobs: MinimizeJob[] = [];
    const minimize = async (job: MinimizeJob): Promise<MinimizeOutcome> => {
      jobs.push(job);
      const scenario = { ...job.scenario, ops: job.scenario.ops.slice(0, 2) };
      const info = { beforeOps: job.scenario.ops.length, afterOps: 2, oracleCalls: 7, oneMinimal: true, complete: true, elapsedMs: 1, by: 'mmufuzz' as const };
      return { ok: true, scenario, info, report: 'minimized report\n' };
    };
    const clock = fakeClock(1);
    const p = plan({ minimize: { enabled: true, timeMs: 500 } });
    const r = await runCampaign({ ...setup(p, root), launcher: inProcessLauncher({ clock, minimize }) });
    expect(jobs.map((j) => j.signature).sort()).toEqual(r.file.signatures.map((s) => s.signature).sort());
    expect(jobs[0]).toMatchObject({ backends: ['legacy', 'refactored'], mutant: 'smep-enable-no-flush', timeMs: 500 });
    for (const s of r.file.signatures) {
      expect(s.minimized).toMatchObject({ afterOps: 2, oneMinimal: true });
      expect(loadScenarioFile(join(s.dir, 'minimized.json')).ops).toHaveLength(2);
      expect(JSON.parse(readFileSync(join(s.dir, 'meta.json'), 'utf8')).minimized).toMatchObject({ beforeOps: s.ops, afterOps: 2, oracleCalls: 7 });
      expect(readFileSync(join(s.dir, 'report.txt'), 'utf8')).toContain(`== Minimized: ${s.ops} -> 2 ops`);
    }
    expect(renderSummary(r.file)).toMatch(/minimized \d+ -> 2 ops/);
  });

  it('the real minimizer shrinks a finding and keeps its signature', async () => {
    const p = plan({ workers: 1, budget: { scenarios: 40 }, minimize: { enabled: true, timeMs: 20_000 } });
    const r = await runCampaign(setup(p, root));
    const s = r.file.signatures[0]!;
    expect(s.minimized).not.toBeNull();
    expect(s.minimized!.afterOps).toBeLessThan(s.ops);
    const report = readFileSync(join(s.dir, 'report.txt'), 'utf8');
    const section = report.slice(report.indexOf('== Minimized'));
    expect(section.split('\n').find((l) => l.trim().startsWith('signature:'))?.trim().split(/\s+/)[1]).toBe(s.signature);
  });
});

describe('the intended-differences ledger', () => {
  const ledger = parseLedger(
    {
      format: 'mmufuzz-accept/1',
      entries: [
        { id: 'smep-flush', why: 'the refactor drops the flush on purpose (test)', match: { signature: 'events/set/*', backends: 'legacy~refactored' } },
        { id: 'never', why: 'matches nothing here', match: { class: 'hang', op: 'memslot' } },
      ],
    },
    'ledger.json',
  );

  it('counts accepted divergences apart, writes no finding for them, and reports stale entries', async () => {
    const p = plan({ ledger: { file: 'ledger.json', entries: ledger.entries } });
    const dir = join(root, 'accepted');
    const r = await runCampaign({ ...setup(p, dir), ledger });
    const plain = await runCampaign(setup(plan(), join(root, 'plain')));
    const accepted = r.file.accepted.find((a) => a.id === 'smep-flush')!;
    expect(accepted.hits).toBeGreaterThan(0);
    // Every divergence is either a finding or accepted: nothing is dropped.
    expect(r.file.stats.accepted + r.file.stats.divergent).toBe(plain.file.stats.divergent);
    expect(r.file.stats.accepted).toBe(accepted.hits);
    expect(accepted.first?.signature).toMatch(/^events\/set\//);
    const stored = findingDirs(dir).map((d) => JSON.parse(readFileSync(join(dir, d, 'meta.json'), 'utf8')).signature);
    for (const sig of Object.keys(accepted.signatures)) {
      expect(r.file.signatures.some((s) => s.signature === sig)).toBe(false);
      expect(stored).not.toContain(sig);
    }
    expect(r.file.stale).toEqual(['never']);
    const text = renderSummary(r.file);
    expect(text).toContain(`accepted:    ${accepted.hits} scenario`);
    expect(text).toContain('smep-flush: the refactor drops the flush on purpose');
    expect(text).toContain('stale:       never');
  });
});

describe('resume and worker failures', () => {
  it('an interrupted campaign resumed from campaign.json ends with the same totals as an uninterrupted one', async () => {
    const straight = await runCampaign(setup(plan({ budget: { scenarios: 50 } }), join(root, 'straight')));
    let polls = 0;
    const dir = join(root, 'resumed');
    const clock = fakeClock(100);
    const first = await runCampaign({
      ...setup(plan({ budget: { scenarios: 50 } }), dir),
      clock,
      launcher: inProcessLauncher({ clock }),
      stopRequested: () => ++polls > 3,
    });
    expect(first.interrupted).toBe(true);
    expect(first.file.status).toBe('interrupted');
    expect(first.file.stats.scenarios).toBeLessThan(50);
    const resume = readCampaignFile(dir);
    expect(resume.workers.reduce((n, w) => n + w.done, 0)).toBe(first.file.stats.scenarios);
    const second = await runCampaign({ ...setup(resume.plan, dir), resume });
    expect(second.file.status).toBe('finished');
    expect(second.file.stats).toEqual(straight.file.stats);
    const hits = (r: typeof straight) => Object.fromEntries(r.file.signatures.map((s) => [s.signature, s.hits]));
    expect(hits(second)).toEqual(hits(straight));
    for (const s of second.file.signatures) expect(JSON.parse(readFileSync(join(s.dir, 'meta.json'), 'utf8')).hits).toBe(s.hits);
  });

  it('a finding that arrives after Ctrl-C is stored, not queued for minimization, and the campaign still ends; resume minimizes it', async () => {
    const scenario = smallScenario('late');
    const result = fakeResult(scenario, { at: 2, signature: 'outcome/access/outcome/off/a~b' });
    const provenance = { engine: 'random' as const, seed: 'late', index: 0 };
    // A worker whose only finding is in flight when the stop request reaches it.
    const late: WorkerLauncher = {
      kind: 'in-process',
      start(_spec, events) {
        const slots = new Int32Array(SLOT_COUNT);
        return {
          slots,
          requestStop: () =>
            void Promise.resolve().then(() => {
              events.message({ type: 'finding', worker: 0, elapsedMs: 5, scenario, result, provenance });
              events.exit({ code: 0 });
            }),
          terminate: async () => {},
        };
      },
      minimize: () => Promise.reject(new Error('no minimization after the interruption')),
    };
    const p = plan({ workers: 1, minimize: { enabled: true, timeMs: 500 } });
    const stopped = runCampaign({ ...setup(p, root), launcher: late, stopRequested: () => true });
    const settled = await Promise.race([stopped, new Promise<'never settled'>((r) => setTimeout(() => r('never settled'), 20_000))]);
    if (settled === 'never settled') throw new Error('the campaign never ended after the interruption');
    expect(settled.interrupted).toBe(true);
    expect(settled.file.signatures).toHaveLength(1);
    expect(settled.file.signatures[0]).toMatchObject({ minimized: null, minimizeNote: MINIMIZE_INTERRUPTED });
    expect(readFileSync(join(settled.file.signatures[0]!.dir, 'scenario.json'), 'utf8')).toContain('"late"');

    const jobs: string[] = [];
    const resume = readCampaignFile(root);
    const clock = fakeClock(1);
    const again = await runCampaign({
      ...setup(resume.plan, root),
      resume,
      launcher: { ...inProcessLauncher({ clock }), start: (_s, events) => (void Promise.resolve().then(() => events.exit({ code: 0 })), { slots: new Int32Array(SLOT_COUNT), requestStop: () => {}, terminate: async () => {} }), minimize: async (job) => (jobs.push(job.signature), { ok: false, reason: 'fake' }) },
    });
    expect(jobs).toEqual(['outcome/access/outcome/off/a~b']);
    expect(again.file.signatures[0]!.minimizeNote).toBe('fake');
  });

  it('restarts a worker that dies and reports it; the budget is still run in full', async () => {
    const clock = fakeClock(1);
    const real = inProcessLauncher({ clock });
    let starts = 0;
    const flaky: WorkerLauncher = {
      ...real,
      start(spec, events) {
        if (starts++ > 0) return real.start(spec, events);
        // The first worker runs 5 cases, then dies without its last message.
        const dying = { message: (m: WorkerMessage) => (m.type === 'done' ? undefined : events.message(m)), exit: () => events.exit({ code: 1, error: new Error('boom') }) };
        return real.start({ ...spec, slot: { ...spec.slot, quota: 5 } }, dying);
      },
    };
    const r = await runCampaign({ ...setup(plan({ workers: 1, budget: { scenarios: 20 } }), root), launcher: flaky });
    expect(r.file.events.map((e) => e.type)).toEqual(['died', 'restarted']);
    expect(r.file.events[0]!.detail).toContain('boom');
    expect(r.file.stats.scenarios).toBe(20);
    expect(r.file.workers[0]).toMatchObject({ done: 20, restarts: 1 });
  });

  it('a worker that dies before running anything is a harness failure, not restarted', async () => {
    const clock = fakeClock(1);
    const real = inProcessLauncher({ clock });
    const broken: WorkerLauncher = {
      ...real,
      start: (spec, events) => real.start({ ...spec, slot: { ...spec.slot, quota: 0 } }, { message: () => {}, exit: () => events.exit({ code: 1, error: new Error('cannot load') }) }),
    };
    await expect(runCampaign({ ...setup(plan({ workers: 1 }), root), launcher: broken })).rejects.toThrow('cannot load');
  });

  it('an engine failure stops the campaign and rejects with the error; campaign.json is still written', async () => {
    const refusing: BackendFactory = {
      ...getBackend('legacy'),
      create: () => {
        throw new UnsupportedConfigError('no such config');
      },
    };
    const p = plan({ mutant: undefined });
    await expect(runCampaign(setup(p, root, { factories: [getBackend('legacy'), refusing] }))).rejects.toThrow(/no such config/);
    expect(readCampaignFile(root).status).toBe('interrupted');
  });
});
