// Ledger files: the shipped example parses; a bad file names the file, the JSON path and what
// was expected.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../scenario/errors.js';
import { LedgerError, loadLedger, parseLedger, parseLedgerText } from './ledger.js';

const EXAMPLE = fileURLToPath(new URL('../../accept/example.json', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmufuzz-ledger-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const entry = (match: unknown, id = 'e1') => ({ id, why: 'because', match });
const doc = (...entries: unknown[]) => ({ format: 'mmufuzz-accept/1', entries });

/** The error parseLedger throws for `json`. */
function errorOf(json: unknown): LedgerError {
  try {
    parseLedger(json, 'l.json');
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerError);
    return e as LedgerError;
  }
  throw new Error('expected a LedgerError');
}

describe('parseLedger', () => {
  it('reads the shipped example: one entry per section 3.4 delta', () => {
    const ledger = loadLedger(EXAMPLE);
    expect(ledger.entries.map((e) => e.id)).toHaveLength(5);
    expect(ledger.entries.every((e) => e.why.length > 20 && e.source?.startsWith('kvm-mmu-model.md 3.4'))).toBe(true);
  });

  it('normalizes single values to lists and "a~b" to a pair', () => {
    const l = parseLedger(doc(entry({ class: 'ad', mode: ['pae', '4-level'], backends: 'legacy~reference', tdp: 'npt', features: ['smap'], eptAd: false })), 'l.json');
    expect(l.entries[0]!.match).toEqual({ class: ['ad'], mode: ['pae', '4-level'], backends: ['legacy', 'reference'], tdp: ['npt'], features: ['smap'], eptAd: false });
    // Shadow paging: its modes, the digest class and host none.
    const shadow = parseLedger(doc(entry({ class: 'digest', mode: 'shadow-pae', tdp: 'none' })), 'l.json');
    expect(shadow.entries[0]!.match).toEqual({ class: ['digest'], mode: ['shadow-pae'], tdp: ['none'] });
  });

  it('names the file, the JSON pointer and what was expected', () => {
    const cases: [unknown, string, RegExp][] = [
      [[], '(root)', /an object/],
      [{ format: 'x', entries: [] }, '/format', /"mmufuzz-accept\/1"/],
      [{ format: 'mmufuzz-accept/1' }, '/entries', /an array of entries, got nothing/],
      [doc(entry({ tdp: 'vmx' })), '/entries/0/match/tdp', /one of ept, npt, none, got "vmx"/],
      [doc(entry({ mode: ['pae', 'long'] })), '/entries/0/match/mode/1', /one of off, 32-bit/],
      [doc(entry({})), '/entries/0/match', /at least one of/],
      [doc(entry({ colour: 'red' })), '/entries/0/match/colour', /no key "colour"/],
      [doc(entry({ backends: 'legacy' })), '/entries/0/match/backends', /a backend pair/],
      [doc(entry({ features: ['smep', 'avx'] })), '/entries/0/match/features/1', /one of nx, pse36/],
      [doc(entry({ mbec: 'yes' })), '/entries/0/match/mbec', /true or false/],
      [doc({ id: 'x', match: { op: 'set' } }), '/entries/0/why', /non-empty string/],
      [doc({ id: 'bad id', why: 'w', match: { op: 'set' } }), '/entries/0/id', /letters, digits/],
      [doc(entry({ op: 'set' }), entry({ op: 'read' })), '/entries/1/id', /not used by an earlier entry, got "e1"/],
    ];
    for (const [json, path, expected] of cases) {
      const e = errorOf(json);
      expect(e.path === '' ? '(root)' : e.path, JSON.stringify(json)).toBe(path);
      expect(e.message).toMatch(/^l\.json: at /);
      expect(e.message).toMatch(expected);
      // A ScenarioError subclass: the CLI exits 2 with the message, no stack.
      expect(e).toBeInstanceOf(ScenarioError);
    }
  });

  it('reports a JSON syntax error with line and column, and a missing file', () => {
    expect(() => parseLedgerText('{\n  "format": "mmufuzz-accept/1",\n  "entries": [,]\n}', 'l.json')).toThrow(/^l\.json: at line 3, column \d+: expected/);
    const missing = join(dir, 'nope.json');
    expect(() => loadLedger(missing)).toThrow(`${missing}: expected a readable ledger file, got no such file or directory`);
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify(doc(entry({ op: 'set' }))));
    expect(loadLedger(file).file).toBe(file);
  });
});
