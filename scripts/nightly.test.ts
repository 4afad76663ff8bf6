// scripts/nightly.sh: valid bash, and bad settings stop it with exit 2 before it builds or runs
// anything (the campaign itself is exercised by running the script, not by the tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'nightly.sh');
const scratch = mkdtempSync(join(tmpdir(), 'mmufuzz-nightly-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  const out = join(scratch, 'out');
  const r = spawnSync('bash', [SCRIPT], { env: { ...process.env, NIGHTLY_OUT: out, NIGHTLY_BUILD: '0', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, err: r.stderr, created: existsSync(out) };
}

describe('scripts/nightly.sh', () => {
  it('parses (bash -n)', () => {
    expect(spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' }).status).toBe(0);
  });

  it.each([
    [{ NIGHTLY_TIME: 'soon' }, /NIGHTLY_TIME: expected a positive number of seconds, got 'soon'/],
    [{ NIGHTLY_WORKERS: '0' }, /NIGHTLY_WORKERS: expected a positive integer/],
    [{ NIGHTLY_SHARD: '3' }, /NIGHTLY_SHARD: expected i\/N/],
    [{ NIGHTLY_BASELINE: '/nonexistent/baseline' }, /NIGHTLY_BASELINE: '\/nonexistent\/baseline' is not a directory/],
    [{ NIGHTLY_ACCEPT: '/nonexistent/ledger.json' }, /NIGHTLY_ACCEPT: .* is not a file/],
  ])('%o: exit 2 with a message, nothing created', (env, message) => {
    const r = run(env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.created).toBe(false);
  });
});
