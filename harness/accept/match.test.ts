// Ledger predicates over divergences: signature globs, divergence fields, configuration.
import { describe, expect, it } from 'vitest';
import { smallScenario, SMALL_CONFIG } from '../campaign/test-support.js';
import { parseLedger } from './ledger.js';
import { divergenceFacts, findAccepting, globMatch, matches, type DivergenceFacts } from './match.js';
import { fakeResult } from '../campaign/test-support.js';

const facts: DivergenceFacts = {
  signature: 'error_code/access/error_code/4-level/legacy~reference',
  class: 'error_code',
  op: 'access',
  access: 'fetch',
  field: 'error_code',
  backends: ['legacy', 'reference'],
  mode: '4-level',
  config: SMALL_CONFIG,
  nested: false,
};

describe('globMatch', () => {
  it('* spans any run (slashes too), ? one character, the rest is literal', () => {
    expect(globMatch('error_code/*', facts.signature)).toBe(true);
    expect(globMatch('*/4-level/*', facts.signature)).toBe(true);
    expect(globMatch(facts.signature, facts.signature)).toBe(true);
    expect(globMatch('error_code/access', facts.signature)).toBe(false);
    expect(globMatch('events[?].value', 'events[3].value')).toBe(true);
    expect(globMatch('events[*].value', 'events.value')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
  });
});

describe('matches', () => {
  it('every given key must hold', () => {
    expect(matches({ class: ['error_code'], op: ['access'], mode: ['4-level'] }, facts)).toBe(true);
    expect(matches({ class: ['error_code'], op: ['set'] }, facts)).toBe(false);
    expect(matches({ access: ['fetch'] }, facts)).toBe(true);
    expect(matches({ access: ['write'] }, facts)).toBe(false);
    expect(matches({ field: 'error_*' }, facts)).toBe(true);
  });

  it('the backend pair matches in either order, each side a glob', () => {
    expect(matches({ backends: ['reference', 'legacy'] }, facts)).toBe(true);
    expect(matches({ backends: ['*', 'reference'] }, facts)).toBe(true);
    expect(matches({ backends: ['legacy', 'refactored'] }, facts)).toBe(false);
  });

  it('looks at the configuration: tdp, features present and absent, mbec, eptAd, nested', () => {
    expect(matches({ tdp: ['ept'] }, facts)).toBe(true);
    expect(matches({ tdp: ['npt'] }, facts)).toBe(false);
    expect(matches({ features: ['nx'] }, facts)).toBe(true);
    expect(matches({ features: ['nx', 'smep'] }, facts)).toBe(false);
    expect(matches({ withoutFeatures: ['smep'] }, facts)).toBe(true);
    expect(matches({ withoutFeatures: ['nx'] }, facts)).toBe(false);
    expect(matches({ mbec: false, eptAd: true }, facts)).toBe(true);
    expect(matches({ mbec: true }, facts)).toBe(false);
    expect(matches({ nested: true }, facts)).toBe(false);
  });

  it('a mode predicate never matches a hang (its mode is unknown)', () => {
    const { mode: _mode, ...hang } = facts;
    expect(matches({ mode: ['4-level'] }, { ...hang, class: 'hang' })).toBe(false);
    expect(matches({ class: ['hang'] }, { ...hang, class: 'hang' })).toBe(true);
  });
});

describe('findAccepting', () => {
  it('takes the first matching entry in file order', () => {
    const ledger = parseLedger(
      {
        format: 'mmufuzz-accept/1',
        entries: [
          { id: 'a', why: 'w', match: { op: 'set' } },
          { id: 'b', why: 'w', match: { signature: 'outcome/*' } },
          { id: 'c', why: 'w', match: { class: 'outcome' } },
        ],
      },
      'l.json',
    );
    const s = smallScenario();
    const d = fakeResult(s, { at: 2, signature: 'outcome/access/outcome/off/a~b' }).divergence!;
    const f = divergenceFacts(d, s.config);
    expect(f).toMatchObject({ op: 'access', access: 'read', class: 'outcome', mode: 'off', nested: false });
    expect(findAccepting(ledger, f)?.id).toBe('b');
    expect(findAccepting(undefined, f)).toBeUndefined();
  });
});
