// Merging shard directories: findings by signature with hits summed, the smallest minimized kept,
// statistics summed per campaign, stale ledger entries, and idempotence.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLedger } from '../accept/ledger.js';
import type { CampaignFile } from './campaign-file.js';
import { runCampaign } from './campaign.js';
import { inProcessLauncher } from './launcher.js';
import { mergeCampaignDirs, type MergedFile } from './merge.js';
import type { MinimizeJob, MinimizeOutcome } from './minimize-job.js';
import type { CampaignPlan } from './plan.js';
import { CampaignStats } from './stats.js';
import { fakeClock, TEST_VERSIONS } from './test-support.js';

let root: string;
const shards: string[] = [];
const files: CampaignFile[] = [];

const ledger = parseLedger(
  {
    format: 'mmufuzz-accept/1',
    entries: [
      { id: 'set-in-off', why: 'test: accept the set divergences in paging-off mode', match: { signature: 'events/set/*/off/*' } },
      { id: 'never', why: 'matches nothing', match: { op: 'memslot', class: 'hang' } },
    ],
  },
  'ledger.json',
);

/** Shard i of 2; its minimizer keeps 3 - i ops, so shard 1's minimized scenarios are smaller. */
async function shard(i: number): Promise<void> {
  const dir = join(root, `shard-${i}`);
  const plan: CampaignPlan = {
    engine: 'random',
    seed: 'night',
    budget: { scenarios: 100 },
    backends: ['legacy', 'refactored'],
    mutant: 'smep-enable-no-flush',
    generator: { minOps: 20, maxOps: 60 },
    workers: 2,
    shard: { index: i, count: 2 },
    scenarioTimeoutMs: 10_000,
    minimize: { enabled: true, timeMs: 1000 },
    ledger: { file: 'ledger.json', entries: ledger.entries },
  };
  const minimize = async (job: MinimizeJob): Promise<MinimizeOutcome> => {
    const keep = 3 - i;
    const info = { beforeOps: job.scenario.ops.length, afterOps: keep, oracleCalls: 1, oneMinimal: false, complete: true, elapsedMs: 0, by: 'mmufuzz' as const };
    return { ok: true, scenario: { ...job.scenario, ops: job.scenario.ops.slice(0, keep) }, info, report: `shard ${i}\n` };
  };
  const clock = fakeClock(1);
  const r = await runCampaign({ plan, dir, ledger, versions: TEST_VERSIONS, clock, launcher: inProcessLauncher({ clock, minimize }) });
  shards.push(dir);
  files.push(r.file);
}

/** Every file under dir with its bytes, for comparing whole trees. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-merge-'));
  await shard(0);
  await shard(1);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('mergeCampaignDirs', () => {
  it('merges findings by signature: hits summed, the smallest minimized kept whole', () => {
    const out = join(root, 'out');
    const report = mergeCampaignDirs(shards, out);
    const bySig = new Map<string, number>();
    for (const f of files) for (const s of f.signatures) bySig.set(s.signature, (bySig.get(s.signature) ?? 0) + s.hits);
    expect(report.signatures).toBe(bySig.size);
    const merged = JSON.parse(readFileSync(join(out, 'campaign.json'), 'utf8')) as MergedFile;
    expect(Object.fromEntries(merged.signatures.map((s) => [s.signature, s.hits]))).toEqual(Object.fromEntries(bySig));
    const inBoth = files[0]!.signatures.map((s) => s.signature).filter((sig) => files[1]!.signatures.some((s) => s.signature === sig));
    expect(inBoth.length).toBeGreaterThan(0);
    for (const sig of inBoth) {
      const entry = merged.signatures.find((s) => s.signature === sig)!;
      expect(entry.minimizedOps).toBe(2);
      const meta = JSON.parse(readFileSync(join(entry.dir, 'meta.json'), 'utf8'));
      expect(meta.provenance.index % 2).toBe(1); // shard 1's finding, with its own scenario
      expect(Object.keys(meta.hitsBy).sort()).toEqual(['random:night:0/2', 'random:night:1/2']);
      expect(readFileSync(join(entry.dir, 'report.txt'), 'utf8')).toContain('shard 1');
    }
  });

  it('sums statistics per campaign and reports the ledger entries no shard matched as stale', () => {
    const out = join(root, 'stats');
    const report = mergeCampaignDirs(shards, out);
    const expected = new CampaignStats();
    for (const f of files) expected.add(f.stats);
    const merged = JSON.parse(readFileSync(join(out, 'campaign.json'), 'utf8')) as MergedFile;
    expect(Object.keys(merged.campaigns)).toEqual(['random:night:0/2', 'random:night:1/2']);
    expect(merged.totals).toMatchObject({ ...expected.toJSON(), elapsedMs: files[0]!.elapsedMs + files[1]!.elapsedMs });
    expect(report.totals.scenarios).toBe(200);
    const accepted = merged.accepted.find((a) => a.id === 'set-in-off')!;
    expect(accepted.hits).toBe(files.reduce((n, f) => n + f.stats.accepted, 0));
    expect(accepted.hits).toBeGreaterThan(0);
    expect(merged.stale).toEqual(['never']);
  });

  it('is idempotent: merging again, or merging the result with an input, changes nothing', () => {
    const out = join(root, 'idem');
    mergeCampaignDirs(shards, out);
    const once = snapshot(out);
    mergeCampaignDirs(shards, out);
    expect(snapshot(out)).toEqual(once);
    mergeCampaignDirs([out, shards[1]!], out);
    expect(snapshot(out)).toEqual(once);
    mergeCampaignDirs([shards[1]!, out, shards[0]!], out);
    expect(snapshot(out)).toEqual(once);
    expect(readdirSync(out).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});
