// Real processes and worker threads (a compiled build): a campaign killed with SIGKILL after
// its first finding keeps that finding whole and resumes; SIGINT flushes and summarizes; a
// backend that never returns is a hang finding, its worker is restarted, the campaign goes on.
// No timing assertions: each step waits for a line of output, then acts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../generate/random.js';
import { loadScenarioFile } from '../scenario/parse.js';
import { readCampaignFile } from './campaign-file.js';
import { buildForTests, type TestBuild } from './test-build.js';

let build: TestBuild;
let root: string;

beforeAll(() => {
  build = buildForTests(['harness/cli/main', 'harness/campaign/worker-main', 'harness/campaign/test-fuzz-child', 'harness/campaign/test-backends']);
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-process-'));
}, 180_000);
afterAll(() => {
  build?.cleanup();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** The first stdout line matching `re` (rejects if the process ends first). */
  line(re: RegExp): Promise<string>;
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(script: string, args: readonly string[]): Running {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve(l: string): void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const l = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(l);
      for (const w of waiters.splice(0)) {
        if (w.re.test(l)) w.resolve(l);
        else waiters.push(w);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    line: (re) =>
      new Promise((resolve, reject) => {
        const had = lines.find((l) => re.test(l));
        if (had !== undefined) return resolve(had);
        waiters.push({ re, resolve });
        void exited.then(() => reject(new Error(`process ended before a line matching ${re}:\n${lines.join('\n')}\n${stderr}`)));
      }),
    exit: () => exited,
  };
}

/** A finding directory is complete: every file there and parseable. */
function expectComplete(dir: string): void {
  expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['meta.json', 'observations.json', 'report.txt', 'scenario.json']));
  expect(loadScenarioFile(join(dir, 'scenario.json')).ops.length).toBeGreaterThan(0);
  expect(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).signature).toMatch(/\//);
  JSON.parse(readFileSync(join(dir, 'observations.json'), 'utf8'));
  if (existsSync(join(dir, 'minimized.json'))) loadScenarioFile(join(dir, 'minimized.json'));
}

const findingDirs = (d: string) => readdirSync(d).filter((n) => n !== 'campaign.json' && !n.startsWith('.tmp-'));

/** Generous: these wait for real processes, which a loaded machine (the whole suite) slows down. */
const SLOW = 240_000;

describe('a campaign in a real process', () => {
  it('killed with SIGKILL after its first finding keeps it whole, and --resume finishes the campaign', async () => {
    const dir = join(root, 'killed');
    const cli = build.js('harness/cli/main');
    const common = ['--backends', 'legacy,refactored', '--mutant', 'smep-enable-no-flush', '--findings', dir];
    const first = run(cli, ['fuzz', '--seed', 'kill', '--scenarios', '5000', '--workers', '1', '--minimize-time', '2', ...common]);
    const line = await first.line(/^divergence /);
    first.child.kill('SIGKILL');
    expect((await first.exit()).signal).toBe('SIGKILL');
    const reported = /-> (\S+)$/.exec(line)![1]!;
    expectComplete(reported);
    for (const d of findingDirs(dir)) expectComplete(join(dir, d));
    const before = readFileSync(join(reported, 'scenario.json'), 'utf8');
    const checkpoint = readCampaignFile(dir);
    expect(checkpoint.status).toBe('running');
    expect(checkpoint.signatures.map((s) => s.dir)).toContain(reported);

    const second = run(cli, ['fuzz', '--resume', dir, '--scenarios', '120']);
    const { code } = await second.exit();
    expect(code).toBe(1);
    expect(second.lines.join('\n')).toContain(`resume: continuing ${dir}/campaign.json`);
    const done = readCampaignFile(dir);
    expect(done.status).toBe('finished');
    expect(done.stats.scenarios).toBe(120);
    expect(done.workers[0]!.done).toBe(120);
    expect(readFileSync(join(reported, 'scenario.json'), 'utf8')).toBe(before);
    const signatures = done.signatures.map((s) => s.signature);
    expect(new Set(signatures).size).toBe(signatures.length);
    expect(findingDirs(dir)).toHaveLength(signatures.length);
    for (const d of findingDirs(dir)) expectComplete(join(dir, d));
  }, SLOW);

  it('stopped with SIGINT flushes campaign.json, prints the summary and exits with the usual code', async () => {
    const dir = join(root, 'interrupted');
    const p = run(build.js('harness/cli/main'), ['fuzz', '--seed', 'int', '--time', '120', '--workers', '2', '--backends', 'legacy,refactored', '--mutant', 'smep-enable-no-flush', '--findings', dir]);
    await p.line(/^divergence /);
    p.child.kill('SIGINT');
    expect((await p.exit()).code).toBe(1);
    const out = p.lines.join('\n');
    expect(out).toContain('campaign interrupted: seed int (engine random, 2 workers)');
    expect(out).toContain(`resume with: mmufuzz fuzz --resume ${dir}`);
    const file = readCampaignFile(dir);
    expect(file.status).toBe('interrupted');
    expect(file.launcher).toBe('threads');
    expect(file.workers.reduce((n, w) => n + w.done, 0)).toBe(file.stats.scenarios);
    for (const d of findingDirs(dir)) expectComplete(join(dir, d));
  }, SLOW);

  it('a backend that never returns is a hang finding; the wedged worker is restarted and the campaign goes on', async () => {
    const dir = join(root, 'hang');
    const options = { seed: 'hang', scenarios: 40, workers: 1, backends: 'legacy,refactored', findings: dir, scenarioTimeout: 0.3, minimize: false, json: true };
    const p = run(build.js('harness/campaign/test-fuzz-child'), [JSON.stringify(options), build.js('harness/campaign/test-backends')]);
    const { code } = await p.exit();
    expect(code).toBe(1);
    const events = p.lines.map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    const finding = events.find((e) => e.type === 'finding')!;
    expect(finding.signature).toBe('hang/invpcid/timeout/random/refactored');
    // The first generated scenario with an INVPCID type 1 (where the test backend hangs).
    const firstHang = Array.from({ length: 40 }, (_, i) => i).find((i) =>
      generateScenario('hang', i).ops.some((op) => op.op === 'invpcid' && op.type === 1),
    );
    expect((finding.provenance as { index: number }).index).toBe(firstHang);
    const workerEvents = events.filter((e) => e.type === 'worker').map((e) => e.event);
    expect(workerEvents.slice(0, 2)).toEqual(['hang', 'restarted']);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', scenarios: 40, exitCode: 1 });
    expect(readFileSync(join(finding.dir as string, 'report.txt'), 'utf8')).toMatch(/hang: backend refactored did not return from op \d+: invpcid/);
    const scenario = loadScenarioFile(join(finding.dir as string, 'scenario.json'));
    expect(scenario.name).toBe(`random-hang-${firstHang}`);
    expect(readCampaignFile(dir).workers[0]!.restarts).toBeGreaterThan(0);
  }, SLOW);
});
