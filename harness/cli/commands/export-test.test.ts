// `mmufuzz export-test` in-process: a minimized finding becomes a regression that passes on the
// fixed models and whose mutant check fails on the planted bug.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBackend } from '../../../mmus/registry.js';
import { minimizeScenario } from '../../minimize/minimize.js';
import { DIRTY_ON_NONLEAF } from '../../minimize/test-scenarios.js';
import { runOracle } from '../../oracle/oracle.js';
import { parseMutantExpectation } from '../../regressions/regression-file.js';
import { scenarioToJson } from '../../scenario/encode.js';
import { loadScenarioFile } from '../../scenario/parse.js';
import { memoryIo } from '../io.js';
import { UsageError } from '../exit-codes.js';
import type { CliEnv, ParsedArgs } from './command.js';
import { exportTestCommand } from './export-test.js';

const SIGNATURE = 'ad/access/events[*].gpa/4-level/legacy~refactored';
const NAMES = ['legacy', 'refactored', 'reference'];
const ENV: CliEnv = { fuzzEnv: () => ({ clock: () => 0, now: () => 0 }) };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmufuzz-export-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function finding(opts: { minimized: boolean; mutant?: string | null }): string {
  const f = join(dir, 'finding');
  mkdirSync(f);
  writeFileSync(join(f, 'scenario.json'), JSON.stringify(scenarioToJson(DIRTY_ON_NONLEAF)));
  if (opts.minimized) {
    const r = minimizeScenario(DIRTY_ON_NONLEAF, { backends: NAMES.map((n) => getBackend(n, 'dirty-on-nonleaf')) });
    writeFileSync(join(f, 'minimized.json'), JSON.stringify(scenarioToJson(r.scenario)));
  }
  const meta = { signature: SIGNATURE, engine: 'random', provenance: { engine: 'random', seed: 's1', index: 7 }, backends: NAMES, mutant: opts.mutant === undefined ? 'dirty-on-nonleaf' : opts.mutant, hits: 2 };
  writeFileSync(join(f, 'meta.json'), JSON.stringify(meta));
  return f;
}

async function run(args: ParsedArgs) {
  const io = memoryIo();
  const code = await exportTestCommand.run({ dir: join(dir, 'regressions'), ...args }, io, ENV);
  return { code, out: io.out, err: io.err };
}

describe('mmufuzz export-test', () => {
  it('writes the minimized scenario as a regression that passes on the models and fails on the mutant', async () => {
    const { code, out } = await run({ finding: finding({ minimized: true }) });
    expect(code).toBe(0);
    const file = join(dir, 'regressions', 'dirty-on-nonleaf.json');
    expect(out).toContain(`wrote ${file} (7 ops, from `);
    expect(out).toContain('npx vitest run harness/regressions/regressions.test.ts -t "dirty-on-nonleaf"');
    // Written outside the checkout's corpus/regressions/: the test would not see it.
    expect(out).toContain('(that test replays corpus/regressions/ of the checkout: move ');
    const s = loadScenarioFile(file);
    expect(s.name).toBe('dirty-on-nonleaf');
    expect(s.description).toBe(
      `Regression for ${SIGNATURE}. Found by the random engine against mutant dirty-on-nonleaf (seed "s1", scenario 7) on legacy, refactored, reference. ` +
        'Exported from its minimized scenario. Expected: legacy, refactored, reference agree on every op. ' +
        `Mutant check: mutant=dirty-on-nonleaf backends=legacy,refactored,reference signature=${SIGNATURE} (the planted bug is still caught).`,
    );
    // One op per line in the file.
    expect(readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"op":')).length).toBe(7);
    // What regressions.test.ts checks: agreement on the fixed models ...
    expect(runOracle(s, NAMES.map((n) => getBackend(n))).divergence).toBeNull();
    // ... and the recorded divergence on the mutant (the test would fail if the bug came back).
    const check = parseMutantExpectation(s.description)!;
    expect(check).toEqual({ mutant: 'dirty-on-nonleaf', backends: NAMES, signature: SIGNATURE });
    expect(runOracle(s, check.backends.map((n) => getBackend(n, check.mutant))).divergence?.signature).toBe(SIGNATURE);
  });

  it('falls back to the original scenario and takes --name', async () => {
    const { code, out } = await run({ finding: finding({ minimized: false }), name: 'dirty-bit-everywhere' });
    expect(code).toBe(0);
    const s = loadScenarioFile(join(dir, 'regressions', 'dirty-bit-everywhere.json'));
    expect(s.ops.length).toBe(DIRTY_ON_NONLEAF.ops.length);
    expect(s.description).toContain('Exported from its scenario (not minimized).');
    expect(out).toContain('-t "dirty-bit-everywhere"');
  });

  it('a finding without a mutant gets no mutant check', async () => {
    const f = finding({ minimized: true, mutant: null });
    const { code, out } = await run({ finding: f, name: 'real-bug' });
    expect(code).toBe(0);
    const s = loadScenarioFile(join(dir, 'regressions', 'real-bug.json'));
    expect(parseMutantExpectation(s.description)).toBeUndefined();
    expect(out).toContain('checks: legacy, refactored, reference agree\n');
    expect(out).not.toContain('note:');
  });

  it('refuses to overwrite, bad names, and findings that lost their signature', async () => {
    const f = finding({ minimized: true });
    expect((await run({ finding: f })).code).toBe(0);
    await expect(run({ finding: f })).rejects.toThrow(/already exists: pick another --name/);
    await expect(run({ finding: f, name: 'Bad Name' })).rejects.toThrow(UsageError);
    writeFileSync(join(f, 'minimized.json'), JSON.stringify(scenarioToJson({ ...DIRTY_ON_NONLEAF, ops: DIRTY_ON_NONLEAF.ops.slice(0, 3) })));
    await expect(run({ finding: f, name: 'lost' })).rejects.toThrow(/no longer diverges with/);
  });
});
