// The campaign's text renderings.
import { describe, expect, it } from 'vitest';
import { OutcomeMix } from '../oracle/stats.js';
import type { CampaignSummary } from './campaign.js';
import { renderProgress, renderSummary } from './summary.js';

const base: CampaignSummary = {
  seed: '42',
  scenarios: 10,
  operations: 2000,
  elapsedMs: 4000,
  mix: new OutcomeMix(),
  divergent: 0,
  signatures: [],
  interrupted: false,
};

describe('renderSummary', () => {
  it('shows counts, speed and "none" for a clean campaign', () => {
    const text = renderSummary(base);
    expect(text).toContain('seed 42');
    expect(text).toContain('scenarios:   10');
    expect(text).toContain('2000 in 4.0s (500 ops/s)');
    expect(text).toContain('divergences: none');
  });

  it('lists signatures by hits with their finding directories', () => {
    const text = renderSummary({
      ...base,
      divergent: 13,
      signatures: [
        { signature: 'ad/access/set_ad[*].value/pae/legacy~reference', class: 'ad', hits: 3, firstIndex: 5, dir: 'findings/aa-ad', isNew: true },
        { signature: 'outcome/set/outcome/off[]', class: 'outcome', hits: 10, firstIndex: 2, dir: 'findings/bb-outcome', isNew: false },
      ],
    });
    const lines = text.split('\n');
    const first = lines.findIndex((l) => l.includes('outcome/set/outcome/off[]'));
    const second = lines.findIndex((l) => l.includes('ad/access'));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(lines[first]).toMatch(/^\s+10 × outcome\/set\/outcome\/off\[\]  first at scenario 2$/);
    expect(lines[first + 1]).toContain('findings/bb-outcome (already in the store)');
    expect(text).toContain('divergences: 13 scenarios, 2 signatures');
  });
  it('lists at most 30 signatures and counts the rest', () => {
    const signatures = Array.from({ length: 35 }, (_, i) => ({
      signature: `outcome/access/outcome/m${i}`,
      class: 'outcome',
      hits: 1,
      firstIndex: i,
      dir: `findings/d${i}`,
      isNew: true,
    }));
    const text = renderSummary({ ...base, divergent: 35, signatures });
    expect(text).toContain('findings/d29');
    expect(text).not.toContain('findings/d30');
    expect(text).toContain('... and 5 more signatures');
  });
});

describe('renderProgress', () => {
  it('shows the budget used so far', () => {
    const p = { scenarios: 5, operations: 100, elapsedMs: 2000, divergent: 1, signatures: 1 };
    expect(renderProgress({ ...p, budget: { seconds: 60 } })).toBe('[2.0s/60s] 5 scenarios, 100 ops (50 ops/s), 1 divergent, 1 signature');
    expect(renderProgress({ ...p, budget: { scenarios: 50 } })).toMatch(/^\[5\/50\] /);
  });
});
