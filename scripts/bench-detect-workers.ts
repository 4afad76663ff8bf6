// Throughput of the clean 3-way campaign with N workers, for the detection benchmark: runs the
// built CLI (`mmufuzz fuzz --workers N --time S`) into a scratch findings directory and reads the
// operations and elapsed time back from its campaign.json through the report's loader.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCampaignDir } from '../harness/report/load.js';

/** dist/scripts/ -> dist/harness/cli/main.js */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'harness', 'cli', 'main.js');

/** Ops per second of a `seconds`-long clean campaign with `workers` workers; null if it failed. */
export function measureWorkers(workers: number, seconds: number, log: (s: string) => void): number | null {
  const dir = mkdtempSync(join(tmpdir(), `bench-detect-w${workers}-`));
  try {
    const args = [CLI, 'fuzz', '--engine', 'random', '--workers', String(workers), '--time', String(seconds), '--seed', 'bench-detect-throughput', '--findings', dir];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
    // 0: clean, 1: the clean models disagreed somewhere (a finding, still a valid measurement).
    if (r.status !== 0 && r.status !== 1) {
      log(`throughput with ${workers} worker(s): mmufuzz fuzz exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ')}\n`);
      return null;
    }
    const runs = loadCampaignDir(dir).runs;
    const stats = { operations: runs.reduce((n, r) => n + r.operations, 0), elapsedMs: runs.reduce((n, r) => n + r.elapsedMs, 0) };
    if (runs.length === 0 || stats.elapsedMs <= 0) {
      log(`throughput with ${workers} worker(s): no statistics in ${dir}/campaign.json\n`);
      return null;
    }
    const opsPerSecond = Math.round((stats.operations * 1000) / stats.elapsedMs);
    log(`throughput with ${workers} worker(s): ${stats.operations} ops in ${(stats.elapsedMs / 1000).toFixed(1)}s = ${opsPerSecond} ops/s\n`);
    return opsPerSecond;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
