// The detection benchmark's arithmetic and table (its timings are measured only when it runs).
import { describe, expect, it } from 'vitest';
import { median, overallMedians, renderTable, summarizeMutant, targetLines, toJson, type DetectRun } from './bench-detect-stats.js';

const hit = (seed: string, seconds: number, ops: number): DetectRun => ({ seed, detected: true, seconds, minimizedOps: ops, originalOps: ops * 10, signature: 's' });
const miss = (seed: string): DetectRun => ({ seed, detected: false, seconds: null, minimizedOps: null, originalOps: null, signature: null });

describe('median', () => {
  it('odd, even, empty, unsorted, infinite', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(median([1, Infinity, Infinity])).toBe(Infinity);
  });
});

describe('summarizeMutant', () => {
  it('medians over seeds; detected only when every seed detected it', () => {
    expect(summarizeMutant('m', [hit('a', 0.5, 4), hit('b', 2, 6), hit('c', 1, 3)])).toMatchObject({ detected: true, seconds: 1, minimizedOps: 4 });
    const one = summarizeMutant('m', [hit('a', 0.5, 4), miss('b'), hit('c', 3, 8)]);
    expect(one).toMatchObject({ detected: false, seconds: 3, minimizedOps: 6 });
    // Two of three seeds missed: the median time is "not detected".
    expect(summarizeMutant('m', [hit('a', 0.5, 4), miss('b'), miss('c')])).toMatchObject({ detected: false, seconds: null, minimizedOps: 4 });
  });
});

describe('overall', () => {
  const mutants = [
    summarizeMutant('fast', [hit('a', 0.1, 2), hit('b', 0.2, 3), hit('c', 0.3, 2)]),
    summarizeMutant('slow', [hit('a', 9, 9), hit('b', 8, 7), hit('c', 7, 8)]),
    summarizeMutant('never', [miss('a'), miss('b'), miss('c')]),
  ];

  it('medians across mutants count an undetected mutant as slowest', () => {
    expect(overallMedians(mutants)).toEqual({ seconds: 8, minimizedOps: 5 });
  });

  it('the JSON object has exactly the tracked keys', () => {
    const json = toJson(mutants, { '1': 1000, '2': 1900 });
    expect(Object.keys(json)).toEqual(['mutants', 'median_seconds', 'median_minimized_ops', 'ops_per_second']);
    expect(json.mutants[0]).toEqual({ name: 'fast', detected: true, seconds: 0.2, minimized_ops: 2 });
    expect(json.mutants[2]).toEqual({ name: 'never', detected: false, seconds: null, minimized_ops: null });
    expect(json).toMatchObject({ median_seconds: 8, median_minimized_ops: 5, ops_per_second: { '1': 1000, '2': 1900 } });
  });

  it('the table has a row per mutant and a MEDIAN row; targets say met or missed', () => {
    const table = renderTable(mutants).trimEnd().split('\n');
    expect(table[0]).toMatch(/^mutant\s+t\(a\)\s+t\(b\)\s+t\(c\)\s+median t\s+ops \(min\/orig\)\s+median ops$/);
    expect(table).toHaveLength(2 + 3 + 1);
    expect(table[2]).toMatch(/^fast\s+0\.10s\s+0\.20s\s+0\.30s\s+0\.20s\s+2\/20\s+2$/);
    expect(renderTable([summarizeMutant('quick', [hit('a', 0.0042, 1)])])).toMatch(/^quick\s+0\.004s/m);
    expect(table[4]).toMatch(/^never\s+—\s+—\s+—\s+—\s+—\s+—$/);
    expect(table[5]).toMatch(/^MEDIAN\s+8\.00s\s+5$/);
    const targets = targetLines(mutants);
    expect(targets[0]).toMatch(/^MISSED every mutant detected within 60 s .*\(not: never\)$/);
    expect(targets[1]).toMatch(/^MISSED median time to detect under 5 s \(8\.00s\)$/);
    expect(targets[2]).toMatch(/^met +median minimized size at most 6 ops \(5\)$/);
  });

  it('an extra engine column shows its median time per mutant', () => {
    const extra = new Map([['property', [summarizeMutant('fast', [hit('a', 1.5, 2)])]]]);
    const table = renderTable(mutants.slice(0, 1), extra).split('\n');
    expect(table[0]).toMatch(/property t$/);
    expect(table[2]).toMatch(/1\.50s$/);
  });
});
