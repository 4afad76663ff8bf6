// `mmufuzz minimize` in-process: a scenario file, a finding directory, --json, and the refusals.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBackend } from '../../../mmus/registry.js';
import { AGREEING, DIRTY_ON_NONLEAF } from '../../minimize/test-scenarios.js';
import { runOracle } from '../../oracle/oracle.js';
import { scenarioToJson } from '../../scenario/encode.js';
import { ScenarioError } from '../../scenario/errors.js';
import { loadScenarioFile } from '../../scenario/parse.js';
import type { Scenario } from '../../scenario/scenario.js';
import { memoryIo } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { defaultOutPath, minimizeCommand } from './minimize.js';
import type { CliEnv, ParsedArgs } from './command.js';

const SIGNATURE = 'ad/access/events[*].gpa/4-level/legacy~refactored';
const MUTANT_BACKENDS = ['legacy', 'refactored', 'reference'].map((n) => getBackend(n, 'dirty-on-nonleaf'));
const ENV: CliEnv = { fuzzEnv: () => ({ clock: () => 0, now: () => 0 }) };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmufuzz-minimize-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeScenario(path: string, s: Scenario): string {
  writeFileSync(path, JSON.stringify(scenarioToJson(s), null, 2));
  return path;
}

/** A finding directory as the findings store writes it. */
function writeFinding(meta: Record<string, unknown>): string {
  const f = join(dir, 'finding');
  mkdirSync(f);
  writeScenario(join(f, 'scenario.json'), DIRTY_ON_NONLEAF);
  writeFileSync(join(f, 'meta.json'), JSON.stringify(meta, null, 2));
  return f;
}

async function run(args: ParsedArgs) {
  const io = memoryIo();
  const code = await minimizeCommand.run({ backends: 'legacy,refactored,reference', json: false, ...args }, io, ENV);
  return { code, out: io.out, err: io.err };
}

describe('mmufuzz minimize', () => {
  it('minimizes a scenario file into <name>.min.json beside it and prints the sizes', async () => {
    const file = writeScenario(join(dir, 'bug.json'), DIRTY_ON_NONLEAF);
    const { code, out, err } = await run({ target: file, mutant: 'dirty-on-nonleaf' });
    expect(err).toBe('');
    expect(code).toBe(0);
    const outFile = join(dir, 'bug.min.json');
    expect(out).toMatch(new RegExp(`^minimized ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 19 -> 7 ops\n`));
    expect(out).toMatch(/ {2}oracle calls \d+ \(\d+ more answered from the memo\), \d+\.\d\d s\n/);
    expect(out).toContain('  1-minimal (removing any single op loses the signature)\n');
    expect(out).toContain(`  signature ${SIGNATURE}\n`);
    expect(out).toContain(`  wrote ${outFile}\n`);
    expect(out).toContain('ops: 7\n');
    expect(out).toContain('  6  access write gva=0x0 cpl=0');
    const minimized = loadScenarioFile(outFile);
    expect(minimized.ops.length).toBe(7);
    expect(minimized.description).toBe(`${SIGNATURE}: minimized by mmufuzz from 19 to 7 ops.`);
    expect(runOracle(minimized, MUTANT_BACKENDS).divergence?.signature).toBe(SIGNATURE);
  });

  it('writes --out and prints one JSON object with --json', async () => {
    const file = writeScenario(join(dir, 'bug.json'), DIRTY_ON_NONLEAF);
    const outFile = join(dir, 'sub', 'small.json');
    const { code, out } = await run({ target: file, mutant: 'dirty-on-nonleaf', out: outFile, json: true });
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.length).toBe(1);
    const summary = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(summary).toMatchObject({ target: file, out: outFile, signature: SIGNATURE, beforeOps: 19, afterOps: 7, oneMinimal: true, complete: true });
    expect(typeof summary.oracleCalls).toBe('number');
    expect((summary.scenario as { ops: unknown[] }).ops.length).toBe(7);
    expect(existsSync(outFile)).toBe(true);
  });

  it('minimizes a finding directory with its own backends, mutant and signature', async () => {
    const f = writeFinding({ signature: SIGNATURE, class: 'ad', backends: ['legacy', 'refactored', 'reference'], mutant: 'dirty-on-nonleaf', hits: 4, minimized: null });
    const { code, out } = await run({ target: f });
    expect(code).toBe(0);
    expect(out).toContain(`wrote ${join(f, 'minimized.json')}`);
    expect(loadScenarioFile(join(f, 'minimized.json')).ops.length).toBe(7);
    const meta = JSON.parse(readFileSync(join(f, 'meta.json'), 'utf8')) as Record<string, unknown>;
    expect(meta.hits).toBe(4);
    expect(meta.class).toBe('ad');
    expect(meta.minimized).toMatchObject({ beforeOps: 19, afterOps: 7, oneMinimal: true });
    expect(typeof (meta.minimized as { oracleCalls: unknown }).oracleCalls).toBe('number');
  });

  it('exits 2 with a clear message when the scenario does not diverge', async () => {
    const file = writeScenario(join(dir, 'fine.json'), AGREEING);
    const { code, out, err } = await run({ target: file, mutant: 'dirty-on-nonleaf' });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `mmufuzz: ${file}: the scenario does not diverge on legacy, refactored, reference: there is nothing to minimize ` +
        '(backends legacy, refactored, reference (refactored = mutant dirty-on-nonleaf))\n',
    );
    expect(existsSync(defaultOutPath(file))).toBe(false);
  });

  it('exits 2 when a finding no longer shows its signature (without the mutant)', async () => {
    const f = writeFinding({ signature: SIGNATURE, backends: ['legacy', 'refactored'], mutant: null });
    const { code, err } = await run({ target: f });
    expect(code).toBe(2);
    expect(err).toContain('does not diverge on legacy, refactored');
  });

  it('refuses bad input as user errors (exit 2 in runCli)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "mmufuzz.scenario/1", "config": {}');
    await expect(run({ target: bad })).rejects.toThrow(ScenarioError);
    await expect(run({ target: join(dir, 'missing.json') })).rejects.toThrow(ScenarioError);
    mkdirSync(join(dir, 'empty'));
    await expect(run({ target: join(dir, 'empty') })).rejects.toThrow(/a finding directory holding scenario.json and meta.json/);
    const f = writeFinding({ backends: ['legacy'] });
    await expect(run({ target: f })).rejects.toThrow(/at \/signature: expected a signature string/);
    const file = writeScenario(join(dir, 'bug.json'), DIRTY_ON_NONLEAF);
    await expect(run({ target: file, time: 0 })).rejects.toThrow(UsageError);
    await expect(run({ target: file, mutant: 'no-such-mutant' })).rejects.toThrow(UsageError);
  });

  it('names the output <name>.min.json', () => {
    expect(defaultOutPath(join('a', 'b.json'))).toBe(join('a', 'b.min.json'));
    expect(defaultOutPath('scenario')).toBe('scenario.min.json');
  });
});
