// `mmufuzz merge` as a command (the merging itself is tested in harness/campaign/merge.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../io.js';
import { UsageError } from '../exit-codes.js';
import { fuzz } from '../fuzz.js';
import { mergeCommand } from './merge.js';
import type { CliEnv } from './command.js';

let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-merge-cmd-'));
  for (const i of [0, 1]) {
    let t = 0;
    const env = { clock: () => (t += 1), now: () => 0 };
    const opts = { seed: 'mc', scenarios: 30, shard: `${i}/2`, maxOps: 60, backends: 'legacy,refactored', mutant: 'smep-enable-no-flush', findings: join(root, `s${i}`), minimize: false };
    await fuzz(opts, memoryIo(), env);
  }
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const NO_ENV = {} as CliEnv;

describe('mmufuzz merge', () => {
  it('merges, prints what it merged, and exits 1 when the merged store holds findings', async () => {
    const io = memoryIo();
    const out = join(root, 'out');
    const code = await mergeCommand.run({ dirs: [join(root, 's0'), join(root, 's1')], out }, io, NO_ENV);
    expect(code).toBe(1);
    expect(io.out).toMatch(new RegExp(`^merged 2 directories \\(2 campaigns\\) into ${out}/\\n  scenarios:   60 `));
    const json = memoryIo();
    await mergeCommand.run({ dirs: [join(root, 's0'), join(root, 's1')], out, json: true }, json, NO_ENV);
    expect(JSON.parse(json.out)).toMatchObject({ type: 'merge', out, campaigns: 2, totals: { scenarios: 60 } });
  });

  it('exit 2 (a usage error) without --out or with a missing directory', async () => {
    await expect(async () => mergeCommand.run({ dirs: [root] }, memoryIo(), NO_ENV)).rejects.toThrow(UsageError);
    await expect(async () => mergeCommand.run({ dirs: [join(root, 'nope')], out: join(root, 'o2') }, memoryIo(), NO_ENV)).rejects.toThrow(/is not a directory/);
  });
});
