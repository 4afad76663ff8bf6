// Canonical page numbering and walk collapsing, text in and text out.
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { parseScenario } from '../scenario/parse.js';
import { renderScenario } from '../scenario/print.js';
import type { Scenario } from '../scenario/scenario.js';
import { alignPaeRoot, renumberTables } from './canonicalize.js';
import { walkCollapses } from './collapse-walk.js';

function scenario(ops: object[]): Scenario {
  return parseScenario(
    {
      format: 'mmufuzz.scenario/1',
      config: { cpu: { maxphyaddr: 46, features: [] }, host: { tdp: 'ept', ept_ad: true }, memslots: [{ slot: 0, gpa: '0x0', size: '0x400000' }] },
      ops,
    },
    'canonical.json',
  );
}

const opLines = (s: Scenario) => renderScenario(s).split('\n').filter((l) => /^\s+\d+ {2}/.test(l)).map((l) => l.trim());

const LONG_MODE = [
  { op: 'set', reg: 'cr4', value: '0x20' },
  { op: 'set', reg: 'efer', value: '0x100' },
  { op: 'set', reg: 'cr0', value: '0x80000011' },
];

describe('renumberTables', () => {
  it('moves tables to pages 0, 1, ... by first use, with frames, roots and reads', () => {
    const s = scenario([
      { op: 'write', gpa: '0x105008', value: '0x8000000000103007', size: 8 },
      { op: 'write', gpa: '0x103ff8', value: '0x2a4005', size: 8 },
      { op: 'set', reg: 'cr3', value: '0x105000' },
      { op: 'read', gpa: '0x103ff8', size: 8 },
    ]);
    expect(opLines(renumberTables(s))).toEqual([
      '0  write 0x8 <- 0x8000000000001007 (8)  ; P RW US frame=0x1000 NX',
      '1  write 0x1ff8 <- 0x2a4005 (8)  ; P US frame=0x2a4000',
      '2  set cr3 = 0x0',
      '3  read 0x1ff8 (8)',
    ]);
  });

  it('leaves canonical numbering alone', () => {
    const s = scenario([{ op: 'write', gpa: '0x8', value: '0x1007', size: 8 }, { op: 'write', gpa: '0x1000', value: '0x7', size: 8 }]);
    expect(renumberTables(s)).toBe(s);
  });

  it('keeps reserved bits above MAXPHYADDR when it rewrites a frame', () => {
    const s = scenario([{ op: 'write', gpa: '0x5000', value: '0x8000000006001', size: 8 }, { op: 'write', gpa: '0x6000', value: '0x1', size: 8 }]);
    expect(opLines(renumberTables(s))[0]).toBe('0  write 0x0 <- 0x8000000001001 (8)  ; P frame=0x1000 rsvd?[51]');
  });
});

describe('alignPaeRoot', () => {
  it('moves a PAE root to the start of its page with its PDPTEs', () => {
    const s = scenario([
      { op: 'write', gpa: '0x17c8', value: '0x2001', size: 8 },
      { op: 'set', reg: 'cr3', value: '0x17c0' },
    ]);
    expect(opLines(alignPaeRoot(s))).toEqual(['0  write 0x1008 <- 0x2001 (8)  ; P frame=0x2000', '1  set cr3 = 0x1000']);
  });
});

describe('walkCollapses', () => {
  it('turns a 4-level walk into one entry that maps itself, from the top level first', () => {
    const s = scenario([
      { op: 'write', gpa: '0x1008', value: '0x2007', size: 8 },
      { op: 'write', gpa: '0x2010', value: '0x3007', size: 8 },
      { op: 'write', gpa: '0x3018', value: '0x4007', size: 8 },
      { op: 'write', gpa: '0x4020', value: '0x9005', size: 8 },
      { op: 'set', reg: 'cr3', value: '0x1000' },
      ...LONG_MODE,
      { op: 'access', gva: '0x8080604123', kind: 'write', cpl: 3 },
    ]);
    const [top, ...rest] = walkCollapses(s, getBackend('legacy'));
    expect(rest.length).toBe(3);
    expect(opLines(top)).toEqual([
      '0  write 0x1000 <- 0x1007 (8)  ; P RW US frame=0x1000',
      '1  write 0x1000 <- 0x1007 (8)  ; P RW US frame=0x1000',
      '2  write 0x1000 <- 0x1007 (8)  ; P RW US frame=0x1000',
      '3  write 0x1000 <- 0x1005 (8)  ; P US frame=0x1000',
      '4  set cr3 = 0x1000',
      '5  set cr4 = 0x20 (PAE)',
      '6  set efer = 0x100 (LME)',
      '7  set cr0 = 0x80000011 (PE ET PG)',
      '8  access write gva=0x123 cpl=3',
    ]);
  });
});
