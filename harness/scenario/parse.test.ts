import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { u64 } from '../../mmus/x86/u64.js';
import { ScenarioError } from './errors.js';
import { listScenarioFiles, loadScenarioFile, parseScenario, parseScenarioText } from './parse.js';

type Doc = Record<string, any>;

function base(): Doc {
  return {
    format: 'mmufuzz.scenario/1',
    config: {
      cpu: { maxphyaddr: 46, features: ['nx'] },
      host: { tdp: 'ept' },
      memslots: [{ slot: 0, gpa: '0x0', size: '0x100000' }],
    },
    ops: [{ op: 'invlpg', gva: '0x0' }],
  };
}

/** The base document with one more op, at /ops/1. */
function withOp(op: unknown): Doc {
  const d = base();
  d.ops.push(op);
  return d;
}

function withConfig(edit: (c: Doc) => void): Doc {
  const d = base();
  edit(d.config);
  return d;
}

function errorOf(json: unknown): ScenarioError {
  try {
    parseScenario(json, 'corpus/x.json');
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

const HEX = 'a hex string "0x" followed by 1 to 16 hex digits';
const OPS = '"write", "read", "access", "gva_to_gpa", "set", "invlpg", "invpcid", "memslot", "check"';

// [what, document, path, expected]
const BAD: [string, unknown, string, string][] = [
  ['enum in an op', withOp({ op: 'access', gva: '0x1', kind: 'exec', cpl: 0 }), '/ops/1/kind', 'one of "read", "write", "fetch", got "exec"'],
  ['unknown op', withOp({ op: 'acces', gva: '0x1' }), '/ops/1/op', `one of ${OPS}, got "acces"`],
  ['missing op', withOp({ gva: '0x1' }), '/ops/1/op', `one of ${OPS}, got nothing (a required property is missing)`],
  ['op not a string', withOp({ op: 7 }), '/ops/1/op', `one of ${OPS}, got 7`],
  ['op not an object', withOp('x'), '/ops/1', 'an object, got "x"'],
  ['missing field', withOp({ op: 'access', kind: 'read', cpl: 0 }), '/ops/1/gva', `${HEX}, got nothing (a required property for op "access" is missing)`],
  ['extra field', withOp({ op: 'invlpg', gva: '0x0', cpl: 0 }), '/ops/1/cpl', 'one of the properties "op", "gva" for op "invlpg", got "cpl"'],
  ['field of another memslot action', withOp({ op: 'memslot', action: 'delete', slot: 1, gpa: '0x0' }), '/ops/1/gpa', 'one of the properties "op", "action", "slot" for op "memslot" action "delete", got "gpa"'],
  ['missing memslot action', withOp({ op: 'memslot', slot: 1 }), '/ops/1/action', 'one of "add", "delete", "move", "flags", got nothing (a required property for op "memslot" is missing)'],
  ['unknown memslot action', withOp({ op: 'memslot', action: 'zap', slot: 1 }), '/ops/1/action', 'one of "add", "delete", "move", "flags", got "zap"'],
  ['memslot add without gpa', withOp({ op: 'memslot', action: 'add', slot: 1, size: '0x1000' }), '/ops/1/gpa', `${HEX}, got nothing (a required property for op "memslot" action "add" is missing)`],
  ['slot id too large', withOp({ op: 'memslot', action: 'delete', slot: 32768 }), '/ops/1/slot', 'an integer from 0 to 32767, got 32768'],
  ['access size', withOp({ op: 'write', gpa: '0x0', value: '0x1', size: 3 }), '/ops/1/size', 'one of 1, 2, 4, 8, got 3'],
  ['cpl out of range', withOp({ op: 'access', gva: '0x0', kind: 'read', cpl: 4 }), '/ops/1/cpl', 'an integer from 0 to 3, got 4'],
  ['cpl not an integer', withOp({ op: 'gva_to_gpa', gva: '0x0', kind: 'read', cpl: 1.5 }), '/ops/1/cpl', 'an integer from 0 to 3, got 1.5'],
  ['implicit not a boolean', withOp({ op: 'access', gva: '0x0', kind: 'read', cpl: 3, implicit: 1 }), '/ops/1/implicit', 'true or false, got 1'],
  ['number for a hex field', withOp({ op: 'invlpg', gva: 4096 }), '/ops/1/gva', `${HEX}, got 4096 (write it as "0x1000")`],
  ['hex too wide', withOp({ op: 'invlpg', gva: '0x11111111111111111' }), '/ops/1/gva', `${HEX}, got "0x11111111111111111"`],
  ['hex without 0x', withOp({ op: 'set', reg: 'cr0', value: '80000011' }), '/ops/1/value', `${HEX}, got "80000011"`],
  ['unknown register', withOp({ op: 'set', reg: 'cr2', value: '0x0' }), '/ops/1/reg', 'one of "cr0", "cr3", "cr4", "efer", "pkru", "rflags", got "cr2"'],
  ['invpcid type', withOp({ op: 'invpcid', type: 256, pcid: 0, gva: '0x0' }), '/ops/1/type', 'an integer from 0 to 255, got 256'],
  ['misaligned write', withOp({ op: 'write', gpa: '0x1', value: '0x1', size: 2 }), '/ops/1/gpa', 'an address aligned to the access size 2, got 0x1'],
  ['misaligned read', withOp({ op: 'read', gpa: '0x1004', size: 8 }), '/ops/1/gpa', 'an address aligned to the access size 8, got 0x1004'],
  ['value too wide', withOp({ op: 'write', gpa: '0x2', value: '0x10000', size: 2 }), '/ops/1/value', 'a value that fits in 2 bytes (at most 0xffff), got 0x10000'],
  ['value too wide for 1 byte', withOp({ op: 'write', gpa: '0x2', value: '0x100', size: 1 }), '/ops/1/value', 'a value that fits in 1 byte (at most 0xff), got 0x100'],
  ['gpa above maxphyaddr', withOp({ op: 'write', gpa: '0x400000000000', value: '0x1', size: 1 }), '/ops/1/gpa', 'a guest-physical address below 2^46 = 0x400000000000 (cpu.maxphyaddr), got 0x400000000000'],
  ['gpa above 2^52', withOp({ op: 'read', gpa: '0x10000000000000', size: 1 }), '/ops/1/gpa', 'a guest-physical address below 2^52 = 0x10000000000000, got 0x10000000000000'],
  ['memslot op past maxphyaddr', withOp({ op: 'memslot', action: 'add', slot: 1, gpa: '0x3ffffffff000', size: '0x2000' }), '/ops/1/size', 'a size that ends the slot at or below 2^46 = 0x400000000000 (cpu.maxphyaddr), got 0x2000 (ends at 0x400000001000)'],
  ['memslot move above maxphyaddr', withOp({ op: 'memslot', action: 'move', slot: 0, gpa: '0x800000000000' }), '/ops/1/gpa', 'a guest-physical address below 2^46 = 0x400000000000 (cpu.maxphyaddr), got 0x800000000000'],
  ['extra top-level property', { ...base(), extra: 1 }, '/extra', 'one of the properties "format", "name", "description", "config", "ops", got "extra"'],
  ['newer format', { ...base(), format: 'mmufuzz.scenario/2' }, '/format', '"mmufuzz.scenario/1" (this mmufuzz reads format 1 only), got "mmufuzz.scenario/2"'],
  ['other format', { ...base(), format: 'other' }, '/format', '"mmufuzz.scenario/1", got "other"'],
  ['missing format', (() => { const d = base(); delete d.format; return d; })(), '/format', '"mmufuzz.scenario/1", got nothing (a required property is missing)'],
  ['not an object', [], '', 'an object, got an array'],
  ['ops not an array', { ...base(), ops: {} }, '/ops', 'an array of operations, got an object'],
  ['name not a string', { ...base(), name: 5 }, '/name', 'a string, got 5'],
  ['missing config', (() => { const d = base(); delete d.config; return d; })(), '/config', 'an object, got nothing (a required property is missing)'],
  ['duplicate feature', withConfig((c) => { c.cpu.features = ['nx', 'pcid', 'nx']; }), '/config/cpu/features/2', 'each value at most once, got "nx" again (also at /config/cpu/features/0)'],
  ['unknown feature', withConfig((c) => { c.cpu.features = ['sse']; }), '/config/cpu/features/0', 'one of "nx", "pse36", "gbpages", "smep", "smap", "pku", "pcid", "la57", got "sse"'],
  ['maxphyaddr too small', withConfig((c) => { c.cpu.maxphyaddr = 35; }), '/config/cpu/maxphyaddr', 'an integer from 36 to 52, got 35'],
  ['maxphyaddr too large', withConfig((c) => { c.cpu.maxphyaddr = 53; }), '/config/cpu/maxphyaddr', 'an integer from 36 to 52, got 53'],
  ['ept_ad with shadow paging', withConfig((c) => { c.host.tdp = 'none'; c.host.ept_ad = true; }), '/config/host/ept_ad', 'false or absent with tdp "none" (shadow paging has no EPT), got true'],
  ['unknown tdp', withConfig((c) => { c.host.tdp = 'svm'; }), '/config/host/tdp', 'one of "ept", "npt", "none", got "svm"'],
  ['mbec', withConfig((c) => { c.host.mbec = true; }), '/config/host/mbec', 'false (EPT mode-based execute control, mbec, is not supported yet), got true'],
  ['unknown host field', withConfig((c) => { c.host.ad = true; }), '/config/host/ad', 'one of the properties "tdp", "ept_ad", "mbec", got "ad"'],
  ['duplicate slot id', withConfig((c) => { c.memslots = [{ slot: 0, gpa: '0x0', size: '0x1000' }, { slot: 0, gpa: '0x2000', size: '0x1000' }]; }), '/config/memslots/1/slot', 'a slot id used by no other memslot, got 0 (also at /config/memslots/0/slot)'],
  ['overlapping slots', withConfig((c) => { c.memslots = [{ slot: 0, gpa: '0x0', size: '0x2000' }, { slot: 1, gpa: '0x1000', size: '0x1000' }]; }), '/config/memslots/1/gpa', 'a range that overlaps no other memslot, got [0x1000, 0x2000) which overlaps /config/memslots/0 [0x0, 0x2000)'],
  ['misaligned slot', withConfig((c) => { c.memslots = [{ slot: 0, gpa: '0x10', size: '0x2000' }]; }), '/config/memslots/0/gpa', 'a multiple of 0x1000 (4 KiB pages), got 0x10'],
  ['empty slot', withConfig((c) => { c.memslots = [{ slot: 0, gpa: '0x0', size: '0x0' }]; }), '/config/memslots/0/size', 'a non-zero multiple of 0x1000 (4 KiB pages), got 0x0'],
  ['slot past maxphyaddr', withConfig((c) => { c.memslots = [{ slot: 0, gpa: '0x3ffffffff000', size: '0x2000' }]; }), '/config/memslots/0/size', 'a size that ends the slot at or below 2^46 = 0x400000000000 (cpu.maxphyaddr), got 0x2000 (ends at 0x400000001000)'],
  ['unknown slot flag', withConfig((c) => { c.memslots[0].flags = ['ro']; }), '/config/memslots/0/flags/0', 'one of "readonly", "dirty_log", got "ro"'],
  ['slot flags not an array', withConfig((c) => { c.memslots[0].flags = 'readonly'; }), '/config/memslots/0/flags', 'an array of distinct values from "readonly", "dirty_log", got "readonly"'],
];

describe('parseScenario rejects bad documents with one precise error', () => {
  it.each(BAD)('%s', (_what, doc, path, expected) => {
    const e = errorOf(doc);
    expect({ path: e.path, expected: e.expected }).toStrictEqual({ path, expected });
    expect(e.file).toBe('corpus/x.json');
    expect(e.message).toBe(`corpus/x.json: at ${path === '' ? '(root)' : path}: expected ${expected}`);
  });
});

describe('parseScenario', () => {
  it('converts hex to U64 and numbers, applies defaults', () => {
    const s = parseScenario(
      withOp({ op: 'access', gva: '0xFFFF800000001000', kind: 'write', cpl: 3 }),
      'x.json',
    );
    expect(s.config.host).toStrictEqual({ tdp: 'ept', eptAd: true, mbec: false });
    expect(s.config.cpu.features).toStrictEqual(new Set(['nx']));
    expect(s.config.memslots).toStrictEqual([{ slot: 0, gpa: 0, size: 0x100000, flags: [] }]);
    expect(s.ops[1]).toStrictEqual({ op: 'access', gva: u64(0x1000, 0xffff8000), kind: 'write', cpl: 3, implicit: false });
  });

  it('reads the check op (no fields) and refuses a field on it', () => {
    expect(parseScenario(withOp({ op: 'check' }), 'x.json').ops[1]).toStrictEqual({ op: 'check' });
    const e = errorOf(withOp({ op: 'check', gva: '0x1000' }));
    expect(e.path).toBe('/ops/1/gva');
    expect(e.expected).toBe('one of the properties "op" for op "check", got "gva"');
  });

  it('reads shadow paging (tdp none) with ept_ad absent or false', () => {
    const none = parseScenario(withConfig((c) => { c.host.tdp = 'none'; }), 'x.json');
    expect(none.config.host).toStrictEqual({ tdp: 'none', eptAd: false, mbec: false });
    const off = parseScenario(withConfig((c) => { c.host.tdp = 'none'; c.host.ept_ad = false; }), 'x.json');
    expect(off.config.host).toStrictEqual({ tdp: 'none', eptAd: false, mbec: false });
  });

  it('leaves KVM-refused memslot ops expressible (misaligned, empty)', () => {
    const s = parseScenario(withOp({ op: 'memslot', action: 'add', slot: 1, gpa: '0x123', size: '0x0' }), 'x.json');
    expect(s.ops[1]).toStrictEqual({ op: 'memslot', action: 'add', slot: 1, gpa: 0x123, size: 0, flags: [] });
  });
});

describe('parseScenarioText', () => {
  const cases: [string, string, string][] = [
    ['', 'line 1, column 1', 'a JSON value, got the end of the text (JSON syntax error)'],
    ['{"a": }', 'line 1, column 7', 'a JSON value, got "}" (JSON syntax error)'],
    ['{\n  "format": "x",\n  oops\n}', 'line 3, column 3', 'a double-quoted property name, got "o" (JSON syntax error)'],
    ['[1 2]', 'line 1, column 4', '"," or "]", got "2" (JSON syntax error)'],
    ['{"a": 1,}', 'line 1, column 9', 'a double-quoted property name, got "}" (JSON syntax error)'],
  ];
  it.each(cases)('locates the syntax error in %j', (text, where, expected) => {
    expect(() => parseScenarioText(text, 'y.json')).toThrow(new ScenarioError('y.json', '', expected, where));
    expect(() => parseScenarioText(text, 'y.json')).toThrow(`y.json: at ${where}: expected ${expected}`);
  });

  it('parses valid text', () => {
    expect(parseScenarioText(JSON.stringify(base()), 'y.json').ops).toHaveLength(1);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmufuzz-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'b', 'deep'), { recursive: true });
  mkdirSync(join(dir, 'a'));
  for (const f of ['b/deep/z.json', 'b/y.json', 'a/x.json', 'a/notes.txt']) writeFileSync(join(dir, f), JSON.stringify(base()));
  writeFileSync(join(dir, 'bad.json'), '{"format": ');

  it('expands directories recursively to sorted *.json files, keeps files as given', () => {
    const single = join(dir, 'a', 'notes.txt');
    expect(listScenarioFiles([single, dir])).toStrictEqual([
      single,
      join(dir, 'a', 'x.json'),
      join(dir, 'b', 'deep', 'z.json'),
      join(dir, 'b', 'y.json'),
      join(dir, 'bad.json'),
    ]);
  });

  it('takes a findings store as its findings: minimized scenario, else the original; no campaign.json', () => {
    const store = mkdtempSync(join(tmpdir(), 'mmufuzz-store-'));
    try {
      for (const [name, files] of [
        ['f1', ['meta.json', 'scenario.json', 'minimized.json', 'observations.json']],
        ['f2', ['meta.json', 'scenario.json', 'observations.json']],
      ] as const) {
        mkdirSync(join(store, name));
        for (const f of files) writeFileSync(join(store, name, f), '{}');
      }
      writeFileSync(join(store, 'campaign.json'), '{}');
      expect(listScenarioFiles([store])).toStrictEqual([join(store, 'f1', 'minimized.json'), join(store, 'f2', 'scenario.json')]);
      expect(listScenarioFiles([join(store, 'f2')])).toStrictEqual([join(store, 'f2', 'scenario.json')]);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('rejects a missing path with a ScenarioError', () => {
    const missing = join(dir, 'nope');
    expect(() => listScenarioFiles([missing])).toThrow(
      new ScenarioError(missing, '', 'an existing scenario file or directory, got no such file or directory', ''),
    );
    expect(() => listScenarioFiles([missing])).toThrow(`${missing}: expected an existing scenario file`);
  });

  it('loads a file, and names the file in errors', () => {
    expect(loadScenarioFile(join(dir, 'a', 'x.json')).config.cpu.maxphyaddr).toBe(46);
    const bad = join(dir, 'bad.json');
    expect(() => loadScenarioFile(bad)).toThrow(`${bad}: at line 1, column 12: expected a JSON value, got the end of the text`);
    const missing = join(dir, 'missing.json');
    expect(() => loadScenarioFile(missing)).toThrow(`${missing}: expected a readable scenario file, got no such file or directory`);
  });
});
