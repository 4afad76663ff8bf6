// Regression files: the description's mutant check and the one-op-per-line file layout.
import { describe, expect, it } from 'vitest';
import { parseMutantExpectation, regressionDescription } from './regression-file.js';
import { scenarioFileText } from './scenario-file-text.js';
import { scenarioToJson } from '../scenario/encode.js';
import { parseScenario, parseScenarioText } from '../scenario/parse.js';

const SCENARIO = parseScenario(
  {
    format: 'mmufuzz.scenario/1',
    name: 'layout',
    description: 'a "quoted" description',
    config: {
      cpu: { maxphyaddr: 46, features: ['nx', 'smep'] },
      host: { tdp: 'ept', ept_ad: true },
      memslots: [{ slot: 0, gpa: '0x0', size: '0x10000', flags: ['dirty_log'] }, { slot: 1, gpa: '0x100000', size: '0x1000' }],
    },
    ops: [
      { op: 'write', gpa: '0x1000', value: '0x8000000000002003', size: 8 },
      { op: 'set', reg: 'cr0', value: '0x80000011' },
      { op: 'access', gva: '0x1000', kind: 'read', cpl: 3, implicit: true },
      { op: 'memslot', action: 'add', slot: 2, gpa: '0x200000', size: '0x1000', flags: ['readonly'] },
    ],
  },
  'layout.json',
);

describe('regression descriptions', () => {
  it('carry a mutant check that parses back', () => {
    const expect_ = { mutant: 'dirty-on-nonleaf', backends: ['legacy', 'refactored', 'reference'], signature: 'ad/access/events[*].gpa/pae/legacy~refactored' };
    const text = regressionDescription({ signature: expect_.signature, foundBy: 'Found by hand.', expect: expect_ });
    expect(text).toBe(
      'Regression for ad/access/events[*].gpa/pae/legacy~refactored. Found by hand. Expected: legacy, refactored, reference agree on every op. ' +
        'Mutant check: mutant=dirty-on-nonleaf backends=legacy,refactored,reference signature=ad/access/events[*].gpa/pae/legacy~refactored (the planted bug is still caught).',
    );
    expect(parseMutantExpectation(text)).toEqual(expect_);
  });

  it('without a mutant have no check', () => {
    const text = regressionDescription({ signature: 'ad/access/events.length/4-level/legacy~refactored', foundBy: 'A real bug.' });
    expect(parseMutantExpectation(text)).toBeUndefined();
    expect(parseMutantExpectation(undefined)).toBeUndefined();
  });
});

describe('scenarioFileText', () => {
  it('lays a scenario out one op per line and parses back to the same scenario', () => {
    const s = SCENARIO;
    const text = scenarioFileText(scenarioToJson(s));
    expect(text.split('\n').filter((l) => l.includes('"op":')).length).toBe(s.ops.length);
    expect(parseScenarioText(text, 'layout.json')).toEqual(s);
  });
});
