// The findings store on a temporary directory: layout, hit counts, resume, atomic writes.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/parse.js';
import { writeFileAtomic, TEMP_PREFIX } from './atomic-write.js';
import { findingDirName, FindingsStore, type FindingInput, type FindingMeta } from './findings.js';
import { fakeResult, smallScenario, TEST_VERSIONS } from './test-support.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-findings-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every path under dir, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

const context = {
  backends: ['legacy', 'refactored'],
  mutant: 'smep-enable-no-flush',
  versions: TEST_VERSIONS,
  generator: { minOps: 20, maxOps: 120 },
  campaignId: 'random:s:0/1',
};
const SIG = 'events/set/events[*].scope/4-level/legacy~refactored';

function finding(name: string, signature = SIG): FindingInput {
  const scenario = smallScenario(name);
  return {
    signature,
    class: 'outcome',
    scenario,
    result: fakeResult(scenario, { at: 1, signature }),
    provenance: { engine: 'random', seed: 's', index: 4, mutators: ['flip-pte-bit'], mode: 'pae' },
    firstSeenMs: 1234.4,
  };
}

describe('findingDirName', () => {
  it('is a short hash plus a slug, stable and distinct per signature', () => {
    const a = findingDirName(SIG);
    expect(a).toMatch(/^[0-9a-f]{10}-events-set-events-scope-4-level-legacy-refactore$/);
    expect(findingDirName(SIG)).toBe(a);
    expect(findingDirName(SIG + 'x')).not.toBe(a);
  });
});

describe('FindingsStore', () => {
  it('writes scenario, observations, report and meta for a new signature', () => {
    const store = new FindingsStore(join(root, 'f'), context);
    const ref = store.add(finding('first'));
    expect(ref.isNew).toBe(true);
    expect(ref.dir).toBe(join(root, 'f', findingDirName(SIG)));
    expect(tree(ref.dir)).toEqual(['meta.json', 'observations.json', 'report.txt', 'scenario.json']);

    const scenario = parseScenario(JSON.parse(readFileSync(join(ref.dir, 'scenario.json'), 'utf8')), 'scenario.json');
    expect(scenario).toEqual(smallScenario('first'));

    const observations = JSON.parse(readFileSync(join(ref.dir, 'observations.json'), 'utf8'));
    expect(Object.keys(observations)).toEqual(['a', 'b']);
    expect(observations.b[1].outcome).toBe('gp');

    const report = readFileSync(join(ref.dir, 'report.txt'), 'utf8');
    expect(report).toContain(SIG);
    expect(report).toContain(`mmufuzz replay ${join(ref.dir, 'scenario.json')} --backends legacy,refactored --mutant smep-enable-no-flush`);

    const meta = JSON.parse(readFileSync(join(ref.dir, 'meta.json'), 'utf8')) as FindingMeta;
    expect(meta).toMatchObject({
      signature: SIG,
      class: 'outcome',
      engine: 'random',
      seed: 's',
      index: 4,
      backends: ['legacy', 'refactored'],
      mutant: 'smep-enable-no-flush',
      version: '9.9.9',
      versions: TEST_VERSIONS,
      generator: { minOps: 20, maxOps: 120 },
      mutators: ['flip-pte-bit'],
      targetMode: 'pae',
      provenance: { engine: 'random', seed: 's', index: 4 },
      hits: 1,
      hitsBy: { 'random:s:0/1': 1 },
      firstSeen: 1234,
      minimized: null,
    });
    expect(report).toContain('Found by the seeded random generator: seed "s", scenario 4');
  });

  it('counts repeats into meta.json at flush and keeps the first scenario', () => {
    const store = new FindingsStore(root, context);
    const ref = store.add(finding('first'));
    store.hit(SIG);
    store.hit(SIG);
    const metaPath = join(ref.dir, 'meta.json');
    expect(JSON.parse(readFileSync(metaPath, 'utf8')).hits).toBe(1);
    store.flush();
    expect(JSON.parse(readFileSync(metaPath, 'utf8')).hits).toBe(3);
    expect(JSON.parse(readFileSync(join(ref.dir, 'scenario.json'), 'utf8')).name).toBe('first');
  });

  it('resumes over an earlier campaign: the stored scenario stays, hits go on per campaign', () => {
    new FindingsStore(root, context).add(finding('first'));
    const again = new FindingsStore(root, context).add(finding('second'));
    expect(again.isNew).toBe(false);
    expect(again.hits).toBe(2);
    expect(JSON.parse(readFileSync(join(again.dir, 'scenario.json'), 'utf8')).name).toBe('first');
    const other = new FindingsStore(root, { ...context, campaignId: 'random:t:0/1' }).add(finding('third'));
    expect(other.hits).toBe(3);
    const meta = JSON.parse(readFileSync(join(again.dir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ hits: 3, hitsBy: { 'random:s:0/1': 2, 'random:t:0/1': 1 } });
  });

  it('keeps the smaller minimized scenario and adds its section to the report', () => {
    const store = new FindingsStore(root, context);
    const ref = store.add(finding('first'));
    const info = (afterOps: number) => ({ beforeOps: 3, afterOps, oracleCalls: 5, oneMinimal: true, complete: true, elapsedMs: 2, by: 'mmufuzz' as const });
    expect(store.setMinimized(SIG, { ...smallScenario('min2'), ops: smallScenario().ops.slice(0, 2) }, info(2), 'report two\n')).toBe(true);
    expect(store.setMinimized(SIG, smallScenario('min3'), info(3), 'report three\n')).toBe(false);
    expect(store.setMinimized(SIG, { ...smallScenario('min1'), ops: smallScenario().ops.slice(0, 1) }, info(1), 'report one\n')).toBe(true);
    expect(parseScenario(JSON.parse(readFileSync(join(ref.dir, 'minimized.json'), 'utf8')), 'm').name).toBe('min1');
    const report = readFileSync(join(ref.dir, 'report.txt'), 'utf8');
    expect(report).toContain('== Minimized: 3 -> 1 ops');
    expect(report).toContain('report one');
    expect(report).not.toContain('report two');
    expect(report).toContain(`mmufuzz replay ${join(ref.dir, 'minimized.json')}`);
    expect(JSON.parse(readFileSync(join(ref.dir, 'meta.json'), 'utf8')).minimized).toMatchObject({ afterOps: 1, oracleCalls: 5 });
  });

  it('stores a hang with its report and empty observations', () => {
    const store = new FindingsStore(root, context);
    const f = finding('hung', 'hang/invpcid/timeout/random/refactored');
    const ref = store.add({ ...f, class: 'hang', result: null, hang: { backend: 'refactored', opIndex: 2, timeoutMs: 300 } });
    expect(JSON.parse(readFileSync(join(ref.dir, 'observations.json'), 'utf8'))).toEqual({});
    expect(readFileSync(join(ref.dir, 'report.txt'), 'utf8')).toContain('hang: backend refactored did not return from op 2: access read');
  });

  it('reads an older meta.json without hitsBy or versions', () => {
    const dir = join(root, findingDirName(SIG));
    new FindingsStore(root, context).add(finding('first'));
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    delete meta.hitsBy;
    delete meta.versions;
    meta.hits = 5;
    writeFileAtomic(join(dir, 'meta.json'), JSON.stringify(meta));
    const again = new FindingsStore(root, context).add(finding('second'));
    expect(again.hits).toBe(6);
  });

  it('keeps one directory per signature and leaves no temporary files', () => {
    const store = new FindingsStore(root, context);
    store.add(finding('one', 'A/x'));
    store.add(finding('two', 'B/y'));
    store.hit('A/x');
    store.flush();
    const entries = readdirSync(root).sort();
    expect(entries).toEqual([findingDirName('A/x'), findingDirName('B/y')].sort());
    expect(tree(root).filter((p) => p.includes(TEMP_PREFIX))).toEqual([]);
  });

  it('refuses hit() for a signature it never stored', () => {
    expect(() => new FindingsStore(root, context).hit('nope')).toThrow(/unrecorded/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file', () => {
    const p = join(root, 'x.json');
    writeFileAtomic(p, 'one');
    writeFileAtomic(p, 'two');
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(readdirSync(root)).toEqual(['x.json']);
  });

  it('throws and leaves nothing behind when the directory is missing', () => {
    expect(() => writeFileAtomic(join(root, 'missing', 'x.json'), 'one')).toThrow();
    expect(readdirSync(root)).toEqual([]);
  });
});
