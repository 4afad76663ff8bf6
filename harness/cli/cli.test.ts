// runCli in-process: exit codes, output shapes and messages of every command.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMutants } from '../../mmus/registry.js';
import { u64 } from '../../mmus/x86/u64.js';
import { scenarioToJson } from '../scenario/encode.js';
import { renderScenario } from '../scenario/print.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { smallScenario } from '../campaign/test-support.js';
import type { CliEnv } from './commands/command.js';
import { memoryIo, runCli } from './cli.js';

let dir: string;
let good: string;
let zapLast: string;
let malformed: string;

/** Paging off: map the last page of a 16-page slot, then delete the slot (zaps it). */
const ZAP_LAST: Scenario = {
  format: SCENARIO_FORMAT,
  name: 'zap-last-gfn',
  config: { ...smallScenario().config, memslots: [{ slot: 0, gpa: 0, size: 0x1_0000, flags: [] }] },
  ops: [
    { op: 'access', gva: u64(0xf000), kind: 'read', cpl: 0, implicit: false },
    { op: 'memslot', action: 'delete', slot: 0, gpa: 0, size: 0, flags: [] },
  ],
};

function writeJson(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc, null, 2));
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmufuzz-cli-'));
  good = writeJson('good.json', scenarioToJson(smallScenario('good')));
  zapLast = writeJson('zap-last.json', scenarioToJson(ZAP_LAST));
  const bad = scenarioToJson(smallScenario('bad')) as { ops: Record<string, unknown>[] };
  bad.ops[2].gva = 'zzz';
  malformed = writeJson('malformed.json', bad);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], env?: CliEnv, isTTY = false) {
  const io = memoryIo(isTTY);
  const code = await runCli(argv, io, env);
  return { code, out: io.out, err: io.err };
}

/** A fuzz environment whose clock moves `step` ms per read and whose wall clock is fixed. */
function fakeEnv(step: number, now = 1234): CliEnv {
  let t = 0;
  return { fuzzEnv: () => ({ clock: () => (t += step), now: () => now }) };
}

const NO_STACK = /\n\s+at /;

describe('mmufuzz replay', () => {
  it('exit 0 and "all agree" when the backends agree, each op with every backend', async () => {
    const r = await run(['replay', good]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(good);
    expect(r.out).toMatch(/^#2\s+access read gva=0x1000/m);
    for (const name of ['legacy', 'refactored', 'reference']) expect(r.out).toMatch(new RegExp(`^\\s+${name}:\\s+ok`, 'm'));
    expect(r.out).toContain('all agree (3 ops)');
  });

  it('--json prints one line per scenario with file, backends and divergence', async () => {
    const r = await run(['replay', '--json', good, good]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(1); // the same file twice is replayed once
    const doc = JSON.parse(lines[0]);
    expect(Object.keys(doc)).toEqual(['file', 'backends', 'divergence']);
    expect(doc.file).toBe(good);
    expect(Object.keys(doc.backends)).toEqual(['legacy', 'refactored', 'reference']);
    expect(doc.backends.legacy).toHaveLength(3);
    expect(doc.backends.legacy[1]).toMatchObject({ i: 1, outcome: 'ok', value: '0x2003' });
    expect(doc.divergence).toBeNull();
  });

  it('a directory replays every scenario under it', async () => {
    const sub = mkdtempSync(join(dir, 'corpus-'));
    writeFileSync(join(sub, 'a.json'), readFileSync(good));
    writeFileSync(join(sub, 'b.json'), readFileSync(good));
    const r = await run(['replay', '--json', sub]);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n').map((l) => JSON.parse(l).file)).toEqual([join(sub, 'a.json'), join(sub, 'b.json')]);
  });

  it('exit 1 with the divergence report when a mutant diverges', async () => {
    expect((await run(['replay', zapLast])).code).toBe(0);
    const r = await run(['replay', zapLast, '--mutant', 'memslot-zap-misses-last-gfn']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('divergence at op 1');
    expect(r.out).toContain('signature:');
    const j = await run(['replay', '--json', zapLast, '--mutant', 'memslot-zap-misses-last-gfn']);
    expect(j.code).toBe(1);
    const d = JSON.parse(j.out).divergence;
    expect(d).toMatchObject({ index: 1, class: 'events' });
    expect(typeof d.signature).toBe('string');
  });

  it('exit 2 naming file, JSON path and expectation for a malformed scenario', async () => {
    const r = await run(['replay', good, malformed]);
    expect(r.code).toBe(2);
    expect(r.out).toBe(''); // nothing runs when any input is bad
    expect(r.err).toContain(`${malformed}: at /ops/2/gva: expected`);
    expect(r.err).not.toMatch(NO_STACK);
  });

  it('exit 2 for a missing file', async () => {
    const missing = join(dir, 'nope.json');
    const r = await run(['replay', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(missing);
    expect(r.err).toContain('no such file');
    expect(r.err).not.toMatch(NO_STACK);
  });

  it('exit 2 for an unknown backend or mutant', async () => {
    const b = await run(['replay', good, '--backends', 'legacy,bogus']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('unknown backend "bogus"');
    const m = await run(['replay', good, '--mutant', 'no-such-mutant']);
    expect(m.code).toBe(2);
    expect(m.err).toContain('unknown mutant "no-such-mutant"');
    const n = await run(['replay', good, '--backends', 'legacy,reference', '--mutant', 'smep-enable-no-flush']);
    expect(n.code).toBe(2);
    expect(n.err).toContain('not in --backends');
  });
});

describe('command-line usage', () => {
  it('exit 2 for no command, an unknown command, an unknown option or a missing argument', async () => {
    for (const argv of [[], ['frobnicate'], ['replay', good, '--nope'], ['replay'], ['show']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^mmufuzz: /);
      expect(r.err).not.toMatch(NO_STACK);
    }
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['replay', 'fuzz', 'show', 'mutants']) expect(r.out).toContain(`mmufuzz ${c}`);
    const sub = await run(['fuzz', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.out).toContain('--min-ops');
  });
});

describe('mmufuzz mutants and show', () => {
  it('mutants prints one line per mutant: name, then description', async () => {
    const r = await run(['mutants']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const mutants = listMutants();
    expect(lines).toHaveLength(mutants.length);
    lines.forEach((line, k) => {
      expect(line.startsWith(mutants[k].name + ' ')).toBe(true);
      expect(line.endsWith(mutants[k].description)).toBe(true);
    });
  });

  it('show prints the readable scenario', async () => {
    const r = await run(['show', good]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(renderScenario(smallScenario('good')) + '\n');
    const bad = await run(['show', malformed]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('/ops/2/gva');
  });
});

describe('mmufuzz fuzz', () => {
  it('prints the seed first, runs the scenario budget and summarizes', async () => {
    const findings = join(dir, 'findings-clean');
    const r = await run(['fuzz', '--seed', 'cli-test', '--scenarios', '0', '--findings', findings], fakeEnv(1));
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('seed: cli-test');
    expect(r.out).toContain('scenarios:   0');
    expect(r.out).toContain('divergences: none');
  });

  it('derives the default seed from the wall clock and prints it', async () => {
    const r = await run(['fuzz', '--scenarios', '0', '--findings', join(dir, 'f0')], fakeEnv(1, 987654321));
    expect(r.out.split('\n')[0]).toBe('seed: 987654321');
  });

  it('a time budget follows the injected clock; plain progress lines every 5 s', async () => {
    const findings = join(dir, 'findings-time');
    const r = await run(['fuzz', '--seed', 't', '--time', '12', '--backends', 'legacy', '--findings', findings, '--max-ops', '5'], fakeEnv(1000));
    expect([0, 1]).toContain(r.code);
    expect(r.out).toContain('scenarios:   12');
    expect(r.out.match(/^\[\d+\.\ds\/12s\] /gm)).toHaveLength(2);
    expect(r.out).not.toContain('\r');
  });

  it('on a TTY the progress line is rewritten in place', async () => {
    const r = await run(['fuzz', '--seed', 't', '--scenarios', '3', '--backends', 'legacy', '--findings', join(dir, 'f-tty'), '--max-ops', '5'], fakeEnv(1000), true);
    expect(r.out).toContain('\r\x1b[K[');
  });

  it('exit 1 and a finding directory when a mutant diverges', async () => {
    const findings = join(dir, 'findings-mutant');
    const r = await run(
      ['fuzz', '--seed', 'cli-mutant', '--scenarios', '200', '--backends', 'legacy,refactored', '--mutant', 'smep-enable-no-flush', '--findings', findings],
      fakeEnv(1),
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^divergence .* at scenario \d+ -> /m);
    const dirs = readdirSync(findings);
    expect(dirs.length).toBeGreaterThan(0);
    const meta = JSON.parse(readFileSync(join(findings, dirs[0], 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ seed: 'cli-mutant', mutant: 'smep-enable-no-flush', backends: ['legacy', 'refactored'] });
    // The stored scenario replays to the same divergence.
    const replayed = await run(['replay', join(findings, dirs[0], 'scenario.json'), '--backends', 'legacy,refactored', '--mutant', 'smep-enable-no-flush', '--json']);
    expect(replayed.code).toBe(1);
    expect(JSON.parse(replayed.out).divergence.signature).toBe(meta.signature);
  });

  it('exit 2 for contradictory or nonsense budgets', async () => {
    const f = join(dir, 'f-usage');
    expect((await run(['fuzz', '--time', '1', '--scenarios', '2', '--findings', f], fakeEnv(1))).code).toBe(2);
    expect((await run(['fuzz', '--scenarios', '-1', '--findings', f], fakeEnv(1))).code).toBe(2);
    const mm = await run(['fuzz', '--scenarios', '1', '--min-ops', '10', '--max-ops', '5', '--findings', f], fakeEnv(1));
    expect(mm.code).toBe(2);
    expect(mm.err).toContain('--min-ops/--max-ops');
  });

  it('exit 3 with message and stack for a harness bug', async () => {
    const broken: CliEnv = {
      fuzzEnv: () => {
        throw new Error('clock exploded');
      },
    };
    const r = await run(['fuzz', '--scenarios', '1'], broken);
    expect(r.code).toBe(3);
    expect(r.err).toContain('clock exploded');
    expect(r.err).toMatch(NO_STACK);
  });
});
