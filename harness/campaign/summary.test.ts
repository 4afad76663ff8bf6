// The campaign's text renderings: the status line and the summary.
import { describe, expect, it } from 'vitest';
import { OutcomeMix } from '../oracle/stats.js';
import type { CampaignFile, SignatureRecord } from './campaign-file.js';
import type { RuntimeProgress } from './campaign-state.js';
import { WHOLE } from './plan.js';
import { renderProgress, renderSummary } from './summary.js';
import { TEST_VERSIONS } from './test-support.js';

const base: CampaignFile = {
  format: 'mmufuzz-campaign/1',
  kind: 'campaign',
  id: 'random:42:0/1',
  status: 'finished',
  plan: {
    engine: 'random',
    seed: '42',
    budget: { seconds: 4 },
    backends: ['legacy', 'refactored'],
    generator: { minOps: 20, maxOps: 120 },
    workers: 2,
    shard: WHOLE,
    scenarioTimeoutMs: 10_000,
    minimize: { enabled: true, timeMs: 10_000 },
  },
  versions: TEST_VERSIONS,
  launcher: 'threads',
  elapsedMs: 4000,
  stats: { scenarios: 10, operations: 2000, divergent: 0, accepted: 0, mix: new OutcomeMix().toJSON() },
  workers: [],
  signatures: [],
  accepted: [],
  stale: [],
  events: [],
};

function sig(signature: string, hits: number, index: number, over: Partial<SignatureRecord> = {}): SignatureRecord {
  return {
    signature,
    class: signature.split('/')[0]!,
    hits,
    dir: `findings/${index}`,
    isNew: true,
    firstSeenMs: index * 10,
    provenance: { engine: 'random', seed: '42', index },
    ops: 100,
    minimized: null,
    minimizeNote: null,
    ...over,
  };
}

describe('renderSummary', () => {
  it('shows counts, speed and "none" for a clean campaign', () => {
    const text = renderSummary(base);
    expect(text).toContain('seed 42 (engine random, 2 workers)');
    expect(text).toContain('scenarios:   10');
    expect(text).toContain('2000 in 4.0s (500 ops/s)');
    expect(text).toContain('divergences: none');
    expect(text).not.toContain('accepted');
  });

  it('lists signatures by hits with their directories and minimized sizes', () => {
    const minimized = { beforeOps: 100, afterOps: 4, oracleCalls: 90, oneMinimal: true, complete: true, elapsedMs: 30, by: 'mmufuzz' as const };
    const text = renderSummary({
      ...base,
      stats: { ...base.stats, divergent: 13 },
      signatures: [
        sig('ad/access/set_ad[*].value/pae/legacy~reference', 3, 5, { minimized }),
        sig('outcome/set/outcome/off/legacy~refactored', 10, 2, { isNew: false, minimizeNote: 'not minimized (--no-minimize)' }),
      ],
    });
    const lines = text.split('\n');
    const first = lines.findIndex((l) => l.includes('outcome/set/outcome/off'));
    const second = lines.findIndex((l) => l.includes('ad/access'));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(lines[first]).toMatch(/^\s+10 × outcome\/set\/outcome\/off\/legacy~refactored  first at scenario 2$/);
    expect(lines[first + 1]).toContain('findings/2 (already in the store)  not minimized (--no-minimize)');
    expect(lines[second + 1]).toContain('findings/5  minimized 100 -> 4 ops');
    expect(text).toContain('divergences: 13 scenarios, 2 signatures (1 new)');
  });

  it('lists at most 30 signatures and counts the rest', () => {
    const signatures = Array.from({ length: 35 }, (_, i) => sig(`outcome/access/outcome/m${i}`, 1, i));
    const text = renderSummary({ ...base, stats: { ...base.stats, divergent: 35 }, signatures });
    expect(text).toContain('findings/29 ');
    expect(text).not.toContain('findings/30 ');
    expect(text).toContain('... and 5 more signatures');
  });

  it('reports accepted divergences, stale ledger entries and worker trouble apart', () => {
    const text = renderSummary({
      ...base,
      stats: { ...base.stats, accepted: 4 },
      accepted: [
        { id: 'mbec', why: 'MBEC is refactored-only', hits: 4, signatures: { 'outcome/access/outcome/4-level/legacy~refactored': 4 }, first: null },
        { id: 'old', why: 'gone', hits: 0, signatures: {}, first: null },
      ],
      stale: ['old'],
      events: [
        { type: 'hang', worker: 0, elapsedMs: 5, detail: 'x' },
        { type: 'restarted', worker: 0, elapsedMs: 5, detail: 'y' },
      ],
    });
    expect(text).toContain('accepted:    4 scenarios by 1 ledger entry (intended differences, not findings)');
    expect(text).toContain('4 × mbec: MBEC is refactored-only');
    expect(text).toContain('stale:       old (matched nothing in this campaign)');
    expect(text).toContain('workers:     1 hang, 0 died, 1 restarted, 0 abandoned');
  });
});

describe('renderProgress', () => {
  const p: RuntimeProgress = {
    elapsedMs: 12_000,
    budget: { seconds: 60 },
    scenarios: 5,
    operations: 1200,
    divergent: 1,
    accepted: 0,
    signatures: 2,
    newSignatures: 1,
    lastNewMs: 9000,
    workers: 2,
    restarts: 0,
  };

  it('answers "is it still finding things?": findings, new ones, time since the last new one', () => {
    expect(renderProgress(p)).toBe('[12.0s/60s] 5 scenarios, 100 ops/s, 2 findings (1 new, last new 3.0s ago), 2 workers');
    expect(renderProgress({ ...p, signatures: 0, newSignatures: 0, lastNewMs: null })).toContain('0 findings (none new yet)');
  });

  it('shows corpus and coverage when the engine has them, and the scenario budget', () => {
    const text = renderProgress({ ...p, corpus: 17, coverage: 345, accepted: 3, restarts: 1, budget: { scenarios: 50 } });
    expect(text).toMatch(/^\[5\/50 12\.0s\] /);
    expect(text).toContain('corpus 17, cov 345, 3 accepted, 1 restart, 2 workers');
  });

  it("shows the coverage engine's fuzzer executions and their rate", () => {
    expect(renderProgress({ ...p, executions: 24_000, corpus: 17, coverage: 345 })).toContain('24000 execs (2000/s), corpus 17, cov 345');
  });
});
