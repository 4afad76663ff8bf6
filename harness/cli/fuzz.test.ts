// `mmufuzz fuzz` campaign options through runCli (in-process workers, fake clock): JSON lines,
// the ledger, usage errors.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliEnv } from './commands/command.js';
import { fuzzOptionsFromArgs } from './commands/fuzz.js';
import { memoryIo, runCli } from './cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmufuzz-fuzz-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function env(): CliEnv {
  let t = 0;
  return { fuzzEnv: () => ({ clock: () => (t += 1), now: () => 42 }) };
}

async function run(argv: string[]) {
  const io = memoryIo(false);
  const code = await runCli(argv, io, env());
  return { code, out: io.out, err: io.err };
}

const MUTANT = ['--backends', 'legacy,refactored', '--mutant', 'smep-enable-no-flush'];

function ledgerFile(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

describe('mmufuzz fuzz --json', () => {
  it('prints start, finding, minimized and summary lines', async () => {
    const findings = join(dir, 'json');
    const r = await run(['fuzz', '--json', '--seed', 'j', '--scenarios', '40', '--workers', '2', '--max-ops', '60', '--findings', findings, ...MUTANT]);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'start', seed: 'j', engine: 'random', workers: 2, launcher: 'in-process', shard: '0/1', budget: { scenarios: 40 }, findings, resumed: false });
    const finding = lines.find((l) => l.type === 'finding')!;
    expect(Object.keys(finding)).toEqual(['type', 'signature', 'class', 'dir', 'isNew', 'elapsedMs', 'ops', 'provenance']);
    const minimized = lines.find((l) => l.type === 'minimized' && l.signature === finding.signature)!;
    expect(minimized).toMatchObject({ dir: finding.dir, by: 'mmufuzz' });
    expect(minimized.afterOps as number).toBeLessThan(finding.ops as number);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', status: 'finished', seed: 'j', scenarios: 40, exitCode: 1, stale: [] });
    expect((summary.signatures as unknown[]).length).toBeGreaterThan(0);
  });
});

describe('mmufuzz fuzz --accept', () => {
  it('accepted divergences are not findings: exit 0, reported apart, stale entries named', async () => {
    const ledger = ledgerFile('all.json', {
      format: 'mmufuzz-accept/1',
      entries: [
        { id: 'smep', why: 'accept the mutant (test)', match: { signature: 'events/*', backends: 'legacy~refactored' } },
        { id: 'unused', why: 'never matches', match: { tdp: 'npt', mbec: true } },
      ],
    });
    const findings = join(dir, 'accepted');
    const r = await run(['fuzz', '--seed', 'a', '--scenarios', '30', '--max-ops', '60', '--findings', findings, '--accept', ledger, '--no-minimize', ...MUTANT]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^accepted events\/set\/\S+ at scenario \d+ \(ledger entry smep\)$/m);
    expect(r.out).toContain('divergences: none');
    expect(r.out).toMatch(/accepted: {4}\d+ scenarios? by 1 ledger entry/);
    expect(r.out).toContain('stale:       unused');
    expect(r.out).toContain(`--accept ${ledger}`);
  });

  it('a bad ledger is exit 2 naming file, JSON path and expectation; nothing runs', async () => {
    const bad = ledgerFile('bad.json', { format: 'mmufuzz-accept/1', entries: [{ id: 'x', why: 'y', match: { tdp: 'vmx' } }] });
    const findings = join(dir, 'bad-ledger');
    const r = await run(['fuzz', '--scenarios', '5', '--findings', findings, '--accept', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`mmufuzz: ${bad}: at /entries/0/match/tdp: expected one of ept, npt, none, got "vmx"\n`);
    expect(existsSync(findings)).toBe(false);
    const syntax = await run(['fuzz', '--scenarios', '5', '--findings', findings, '--accept', ledgerFile('syntax.json', '{"format": ')]);
    expect(syntax.code).toBe(2);
    expect(syntax.err).toMatch(/syntax\.json: at line 1, column \d+: expected/);
    const missing = await run(['fuzz', '--scenarios', '5', '--findings', findings, '--accept', join(dir, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such file or directory');
  });
});

describe('mmufuzz fuzz --host', () => {
  it('stores the host of generated scenarios in the plan (--tdp is the old name; mixed is the default)', async () => {
    const plan = async (args: string[], name: string) => {
      const findings = join(dir, name);
      const r = await run(['fuzz', '--seed', 'h', '--scenarios', '0', '--findings', findings, ...args]);
      expect(r.code).toBe(0);
      return (JSON.parse(readFileSync(join(findings, 'campaign.json'), 'utf8')) as { plan: { generator: Record<string, unknown> } }).plan.generator;
    };
    expect(await plan(['--host', 'none'], 'host-none')).toMatchObject({ tdp: 'none' });
    expect(await plan(['--tdp', 'npt'], 'host-npt')).toMatchObject({ tdp: 'npt' });
    expect((await plan(['--host', 'mixed'], 'host-mixed')).tdp).toBeUndefined();
    expect((await plan([], 'host-default')).tdp).toBeUndefined();
    expect(fuzzOptionsFromArgs({ backends: 'legacy', findings: 'f', host: 'none', tdp: 'none' })).toMatchObject({ host: 'none' });
  });
});

describe('mmufuzz fuzz usage errors', () => {
  it('exit 2 for a bad shard, worker count, engine, tdp, timeouts or resume directory', async () => {
    const f = join(dir, 'usage');
    const cases: [string[], RegExp][] = [
      [['--shard', '2/2'], /--shard: expected 0 <= i < N, got 2\/2/],
      [['--shard', 'two'], /--shard: expected i\/N/],
      [['--workers', '0'], /--workers: expected a positive integer/],
      [['--engine', 'afl'], /--engine: unknown engine "afl"/],
      [['--tdp', 'vmx'], /--host: expected ept, npt, none \(shadow paging\) or mixed, got "vmx"/],
      [['--host', 'shadow'], /--host: expected ept, npt, none/],
      [['--scenario-timeout', '0'], /--scenario-timeout: expected a positive number/],
      [['--minimize-time', '-1'], /--minimize-time: expected a positive number/],
      [['--resume', join(dir, 'nowhere')], /campaign\.json written by "mmufuzz fuzz"/],
      [['--replay-path', '1:0'], /--replay-path replays a property-engine run/],
    ];
    for (const [extra, message] of cases) {
      const r = await run(['fuzz', '--scenarios', '1', '--findings', f, ...(extra[0] === '--replay-path' ? ['--engine', 'random'] : []), ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('fuzzOptionsFromArgs', () => {
  it('keeps absent options absent and maps the campaign options', () => {
    const opts = fuzzOptionsFromArgs({
      backends: 'legacy',
      findings: 'f',
      workers: 3,
      shard: '1/4',
      'minimize-time': 2,
      minimizeTime: 2,
      'scenario-timeout': 5,
      scenarioTimeout: 5,
      minimize: false,
      'replay-path': '-5:1:2',
      json: true,
    });
    expect(opts).toEqual({ backends: 'legacy', findings: 'f', workers: 3, shard: '1/4', minimizeTime: 2, scenarioTimeout: 5, minimize: false, replayPath: '-5:1:2', json: true });
  });
});
