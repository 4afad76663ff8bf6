// `mmufuzz report`: exit 1 on a new finding, 0 when everything is known, 2 on bad input; the
// four files land in --out. Runs the command module directly (cli.ts wiring is the lead's).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureCampaignJson, writeFixtureFinding, zapSignature } from '../../report/test-support.js';
import { memoryIo } from '../io.js';
import type { CliEnv, ParsedArgs } from './command.js';
import { reportCommand } from './report.js';

let root: string;
let campaign: string;
let baseline: string;

const NO_ENV: CliEnv = {
  fuzzEnv: () => {
    throw new Error('report does not fuzz');
  },
};

async function run(args: ParsedArgs) {
  const io = memoryIo();
  const code = await reportCommand.run(args, io, NO_ENV);
  return { code, out: io.out, err: io.err };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-report-cmd-'));
  campaign = join(root, 'campaign');
  writeFixtureCampaignJson(campaign);
  writeFixtureFinding(campaign, 'zap', { signature: zapSignature(), hits: 3 });
  baseline = join(root, 'baseline');
  writeFixtureFinding(baseline, 'zap', { signature: zapSignature() });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('mmufuzz report', () => {
  it('exit 1 and the new signature when a finding is not in the baseline', async () => {
    const out = join(root, 'out-new');
    const r = await run({ dirs: [campaign], out });
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^1 NEW finding: 1 signature \(1 new, 0 known, 0 accepted\)/);
    expect(r.out).toContain(`new: ${zapSignature()}`);
    for (const f of ['report.md', 'report.json', 'junit.xml', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
  });

  it('exit 0 when every finding is known', async () => {
    const r = await run({ dirs: [campaign], baseline, out: join(root, 'out-known') });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^no new findings: 1 signature \(0 new, 1 known/);
  });

  it('an empty --baseline means no baseline (NIGHTLY_BASELINE unset)', async () => {
    expect((await run({ dirs: [campaign], baseline: '', out: join(root, 'out-empty') })).code).toBe(1);
  });

  it('exit 2 with the file and what was expected for bad input, nothing written', async () => {
    const out = join(root, 'out-bad');
    const r = await run({ dirs: [join(root, 'missing')], out });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mmufuzz: .*missing: at \(root\): expected a campaign findings directory/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect((await run({ dirs: [campaign], baseline: join(root, 'nope'), out })).code).toBe(2);
  });
});
