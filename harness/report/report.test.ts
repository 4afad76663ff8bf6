// The report pipeline on synthetic findings directories: new vs known, the four renderings,
// merging campaigns, the accept ledger, and clear errors for bad input.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeCampaignDirs } from '../campaign/merge.js';
import { ReportInputError } from './json-node.js';
import { makeReport, renderReport, writeReport } from './report.js';
import { escapeXml } from './xml.js';
import { findAll, parseXml } from './test-xml.js';
import { storeZapFinding, writeFixtureCampaignJson, writeFixtureFinding, ZAP_LAST, zapSignature } from './test-support.js';

let root: string;
let campaign: string;
let baseline: string;
let zapSig: string;
const KNOWN_SIG = 'outcome/access/outcome/4-level/legacy~refactored';

const ACCEPTED_SIG = 'events/access/events.length/4-level/legacy~refactored';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mmufuzz-report-'));
  zapSig = zapSignature();
  campaign = join(root, 'campaign');
  const id = writeFixtureCampaignJson(campaign, { ledger: { 'mbec-only': { [ACCEPTED_SIG]: 3 }, 'unused-entry': {} } });
  storeZapFinding(campaign, id, { hits: 5, firstSeenMs: 1234 });
  writeFixtureFinding(campaign, 'b-known', { signature: KNOWN_SIG, class: 'outcome', hits: 2, engine: 'property' });
  writeFixtureFinding(campaign, 'c-accepted', { signature: ACCEPTED_SIG, accepted: 'mbec-only', mutant: null });
  // Never read as a finding: a write in progress of a killed campaign.
  mkdirSync(join(campaign, '.tmp-123-0'));
  baseline = join(root, 'baseline');
  writeFixtureFinding(baseline, 'old', { signature: KNOWN_SIG, class: 'outcome' });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('makeReport', () => {
  it('splits new, known and accepted findings against the baseline', () => {
    const r = makeReport({ dirs: [campaign], baseline, version: 'test' });
    expect(r.headline).toEqual({ total: 3, new: 1, known: 1, accepted: 1 });
    expect(r.findings.map((f) => [f.signature, f.status])).toEqual([
      [zapSig, 'new'],
      [KNOWN_SIG, 'known'],
      [ACCEPTED_SIG, 'accepted'],
    ]);
    const zap = r.findings[0];
    expect(zap).toMatchObject({ hits: 5, engines: ['random'], firstSeenMs: 1234, mutant: 'memslot-zap-misses-last-gfn', acceptedBy: null });
    expect(zap.minimized).toMatchObject({ beforeOps: 2, afterOps: 2, oracleCalls: 5, oneMinimal: true, complete: true, by: 'mmufuzz' });
    expect(zap.repro.file).toMatch(/minimized\.json$/);
    expect(zap.repro.replayCommand).toContain('--mutant memslot-zap-misses-last-gfn');
    expect(zap.replay.reproduces).toBe(true);
    expect(zap.replay.text).toContain('signature:');
    expect(zap.replay.text).toContain(zapSig);
    expect(zap.versions.mmufuzz).toBe('0.1.0');
    // The known fixture's scenario does not show its (made-up) signature: the report says so.
    expect(r.findings[1].replay.reproduces).toBe(false);
  });

  it('without a baseline every finding that is not accepted is new', () => {
    const r = makeReport({ dirs: [campaign], version: 'test' });
    expect(r.headline).toEqual({ total: 3, new: 2, known: 0, accepted: 1 });
    expect(r.baseline).toBeNull();
  });

  it('merges inputs by signature: hits per campaign, engines joined, earliest first sighting', () => {
    const second = join(root, 'second');
    const id = writeFixtureCampaignJson(second, { engine: 'coverage' });
    storeZapFinding(second, id, { hits: 4, firstSeenMs: 99, engine: 'coverage' });
    const r = makeReport({ dirs: [campaign, second], baseline, version: 'test' });
    const zap = r.findings.find((f) => f.signature === zapSig)!;
    expect(zap.hits).toBe(9);
    expect([...zap.engines].sort()).toEqual(['coverage', 'random']);
    expect(zap.firstSeenMs).toBe(99);
    expect(zap.dirs).toHaveLength(2);
    expect(r.statistics.scenarios).toBe(200);
    expect(r.statistics.engines.map((e) => [e.name, e.status, e.campaigns])).toEqual([
      ['random', 'ok', 1],
      ['coverage', 'ok', 1],
    ]);
    expect(r.campaigns.map((c) => [c.kind, c.engines])).toEqual([
      ['campaign', ['random']],
      ['campaign', ['coverage']],
    ]);
  });

  it('a repro that was not minimized is shown up to its diverging op', () => {
    const dir = join(root, 'unminimized');
    const longer = { ...ZAP_LAST, ops: [...ZAP_LAST.ops, { op: 'read' as const, gpa: 0x1000, size: 8 as const }] };
    writeFixtureFinding(dir, 'zap', { signature: zapSig, scenario: longer });
    const f = makeReport({ dirs: [dir], version: 'test' }).findings[0];
    expect(f.replay).toMatchObject({ reproduces: true, index: 1 });
    expect(f.repro).toMatchObject({ ops: 3, shownOps: 2 });
    expect(f.repro.text).toContain('ops: 2');
    expect(renderReport(makeReport({ dirs: [dir], version: 'test' }))['report.md']).toContain('Repro (the first 2 of 3 ops: the rest never ran');
  });

  it('reads a merged directory (mmufuzz merge): campaigns, engines and hits kept, counted once with an input', () => {
    const second = join(root, 'second-for-merge');
    const id = writeFixtureCampaignJson(second, { engine: 'property', seed: 'p' });
    storeZapFinding(second, id, { hits: 4, engine: 'property' });
    const merged = join(root, 'merged');
    mergeCampaignDirs([campaign, second], merged);
    const r = makeReport({ dirs: [merged], baseline, version: 'test' });
    expect(r.campaigns[0]).toMatchObject({ kind: 'merged', engines: ['property', 'random'] });
    const zap = r.findings.find((f) => f.signature === zapSig)!;
    expect(zap).toMatchObject({ hits: 9, engines: ['random', 'property'] });
    expect(r.statistics.engines.map((e) => e.name)).toEqual(['random', 'property']);
    expect(r.statistics.scenarios).toBe(200);
    expect(r.stale).toEqual(['unused-entry']);
    const again = makeReport({ dirs: [merged, campaign], baseline, version: 'test' });
    expect(again.findings.find((f) => f.signature === zapSig)!.hits).toBe(9);
    expect(again.statistics.scenarios).toBe(200);
  });

  it('the same campaign given twice counts once', () => {
    const r = makeReport({ dirs: [campaign, campaign], version: 'test' });
    expect(r.findings.find((f) => f.signature === zapSig)!.hits).toBe(5);
    expect(r.statistics.scenarios).toBe(100);
  });

  it('reports ledger counts with their signatures and stale entries (an entry matched elsewhere is not stale)', () => {
    const r = makeReport({ dirs: [campaign], version: 'test' });
    expect(r.accepted).toEqual([{ id: 'mbec-only', why: 'why mbec-only', count: 3, signatures: { [ACCEPTED_SIG]: 3 } }]);
    expect(r.stale).toEqual(['unused-entry']);
    const other = join(root, 'ledger-other');
    writeFixtureCampaignJson(other, { seed: 'other', ledger: { 'unused-entry': { [KNOWN_SIG]: 2 } } });
    const both = makeReport({ dirs: [campaign, other], version: 'test' });
    expect(both.stale).toEqual([]);
    expect(both.accepted.map((a) => [a.id, a.count])).toEqual([
      ['mbec-only', 3],
      ['unused-entry', 2],
    ]);
    expect(both.headline.accepted).toBe(2);
  });

  it('engine status: interrupted, and incomplete when campaign.json still says running; worker events counted', () => {
    const a = join(root, 'interrupted');
    writeFixtureCampaignJson(a, { status: 'interrupted', events: [{ type: 'hang', worker: 0, elapsedMs: 5, detail: 'x' }, { type: 'restarted', worker: 0, elapsedMs: 6, detail: 'y' }] });
    expect(makeReport({ dirs: [a], version: 'test' }).statistics.engines[0]).toMatchObject({ status: 'interrupted', events: { hang: 1, restarted: 1 } });
    const b = join(root, 'running');
    writeFixtureCampaignJson(b, { status: 'running', seed: 'b' });
    expect(makeReport({ dirs: [a, b], version: 'test' }).statistics.engines[0].status).toBe('incomplete');
  });

  it('statistics carry the outcome mix per paging mode and the coverage matrix', () => {
    const r = makeReport({ dirs: [campaign], version: 'test' });
    expect(r.statistics).toMatchObject({ scenarios: 100, operations: 200, elapsedMs: 2000, opsPerSecond: 100 });
    expect(r.statistics.byMode.off).toBeDefined();
    expect(r.statistics.coverageMatrix.some((c) => c.mode === 'off' && c.feature === 'any')).toBe(true);
  });

  it('a baseline can be an earlier report.json', () => {
    const night1 = join(root, 'night1');
    writeReport(makeReport({ dirs: [campaign], version: 'test' }), night1);
    const r = makeReport({ dirs: [campaign], baseline: night1, version: 'test' });
    expect(r.headline.new).toBe(0);
    expect(r.headline.known).toBe(2);
  });
});

describe('renderings', () => {
  it('report.md: headline, each new finding with repro, divergence and replay command, statistics', () => {
    const md = renderReport(makeReport({ dirs: [campaign], baseline, version: 'test' }))['report.md'];
    expect(md).toMatch(/^# mmufuzz report\n\n\*\*1 new finding\.\*\* 3 signatures in all: 1 new, 1 known, 1 accepted/);
    expect(md).toContain(`## New findings (1)\n\n### \`${zapSig}\``);
    expect(md).toContain('## Known findings (1)');
    expect(md).toContain(KNOWN_SIG);
    expect(md).toContain('memslot 0 delete'.split(' ')[0]); // the repro rendered by renderScenario
    expect(md).toMatch(/Replay: `mmufuzz replay \S+minimized\.json --backends legacy,refactored,reference --mutant memslot-zap-misses-last-gfn`/);
    expect(md).toContain(`| \`mbec-only\` | 3 | \`${ACCEPTED_SIG}\` ×3 | why mbec-only |`);
    expect(md).toContain('Stale ledger entries (matched nothing in any campaign): `unused-entry`');
    expect(md).toContain('### Outcome mix per paging mode');
    expect(md).toMatch(/\| off \| \d+ \|/);
  });

  it('report.json is the Report: format, headline, findings, statistics', () => {
    const json = JSON.parse(renderReport(makeReport({ dirs: [campaign], baseline, version: 'test' }))['report.json']);
    expect(json.format).toBe('mmufuzz-report/1');
    expect(Object.keys(json)).toEqual(['format', 'mmufuzz', 'campaigns', 'baseline', 'headline', 'findings', 'statistics', 'accepted', 'stale']);
    expect(Object.keys(json.findings[0]).sort()).toEqual(
      ['acceptedBy', 'backends', 'class', 'dirs', 'engines', 'firstSeenMs', 'hits', 'minimized', 'mutant', 'provenance', 'replay', 'repro', 'signature', 'status', 'versions'].sort(),
    );
    expect(Object.keys(json.findings[0].repro)).toEqual(['file', 'ops', 'text', 'shownOps', 'replayCommand']);
    expect(Object.keys(json.findings[0].replay)).toEqual(['reproduces', 'signatureNow', 'index', 'text']);
    expect(json.findings[0].minimized).toEqual({ beforeOps: 2, afterOps: 2, oracleCalls: 5, oneMinimal: true, complete: true, by: 'mmufuzz' });
    expect(Object.keys(json.statistics).sort()).toEqual(['byMode', 'coverageMatrix', 'elapsedMs', 'engines', 'operations', 'opsPerSecond', 'outcomes', 'scenarios', 'sets', 'translations'].sort());
  });

  it('junit.xml is well-formed: one suite per engine, a failure per new finding, skipped for accepted', () => {
    const xml = renderReport(makeReport({ dirs: [campaign], baseline, version: 'test' }))['junit.xml'];
    const doc = parseXml(xml);
    expect(doc.name).toBe('testsuites');
    const suites = findAll(doc, 'testsuite');
    expect(suites.map((s) => s.attrs.name).sort()).toEqual(['mmufuzz.accepted', 'mmufuzz.property', 'mmufuzz.random']);
    const cases = findAll(doc, 'testcase');
    expect(doc.attrs.tests).toBe(String(cases.length));
    const failures = findAll(doc, 'failure');
    expect(failures).toHaveLength(1);
    expect(doc.attrs.failures).toBe('1');
    expect(failures[0].attrs.message).toContain(zapSig);
    expect(failures[0].text).toContain('replay: mmufuzz replay');
    // The stored finding a ledger entry accepts, and the ledger's own count of that signature.
    expect(findAll(doc, 'skipped').map((x) => x.attrs.message)).toEqual(['accepted by ledger entry mbec-only', 'accepted by ledger entry mbec-only (3 scenarios)']);
    const known = cases.find((c) => c.attrs.name === KNOWN_SIG)!;
    expect(known.children.map((c) => c.name)).toEqual(['system-out']);
    for (const s of suites) expect(Number(s.attrs.tests)).toBe(s.children.filter((c) => c.name === 'testcase').length);
  });

  it('junit.xml escapes markup and drops characters XML cannot hold', () => {
    const nasty = join(root, 'nasty');
    writeFixtureCampaignJson(nasty);
    writeFixtureFinding(nasty, 'x', { signature: 'crash/access/exception/off/a<b>&"c\'\u0001', class: 'crash' });
    const xml = renderReport(makeReport({ dirs: [nasty], version: 'test' }))['junit.xml'];
    const doc = parseXml(xml);
    expect(findAll(doc, 'testcase').some((c) => c.attrs.name === 'crash/access/exception/off/a<b>&"c\'\ufffd')).toBe(true);
    expect(escapeXml('<&>"\'')).toBe('&lt;&amp;&gt;&quot;&apos;');
  });

  it('report.html is self-contained: inline style, no scripts or external references, a heatmap', () => {
    const html = renderReport(makeReport({ dirs: [campaign], baseline, version: 'test' }))['report.html'];
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    expect(html).toContain('class="heat"');
    expect(html).toContain('<h3>off</h3>');
  });

  it('writeReport writes the four files', () => {
    const out = join(root, 'out');
    const files = writeReport(makeReport({ dirs: [campaign], version: 'test' }), out);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['report.md', 'report.json', 'junit.xml', 'report.html']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('# mmufuzz report');
  });
});

describe('bad input', () => {
  const error = (f: () => unknown): ReportInputError => {
    try {
      f();
    } catch (e) {
      if (e instanceof ReportInputError) return e;
      throw e;
    }
    throw new Error('expected a ReportInputError');
  };

  it('a missing directory names it', () => {
    const e = error(() => makeReport({ dirs: [join(root, 'nope')], version: 'test' }));
    expect(e.message).toMatch(/nope: at \(root\): expected a campaign findings directory .*ENOENT/);
  });

  it('a directory with neither campaign.json nor findings', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(error(() => makeReport({ dirs: [empty], version: 'test' })).message).toContain('got neither');
  });

  it('a malformed meta.json names the file, the pointer and what was expected', () => {
    const bad = join(root, 'bad-meta');
    writeFixtureFinding(bad, 'x', { signature: 's', metaPatch: { hits: -1 } });
    const e = error(() => makeReport({ dirs: [bad], version: 'test' }));
    expect(e.file).toMatch(/x[/\\]meta\.json$/);
    expect(e.path).toBe('/hits');
    expect(e.message).toMatch(/meta\.json: at \/hits: expected a non-negative integer, got -1$/);
    writeFixtureFinding(bad, 'x', { signature: 's', metaPatch: { minimized: { beforeOps: 3 } } });
    expect(error(() => makeReport({ dirs: [bad], version: 'test' })).path).toBe('/minimized/afterOps');
  });

  it('invalid JSON and a bad scenario.json are input errors too', () => {
    const bad = join(root, 'bad-json');
    const dir = writeFixtureFinding(bad, 'x', { signature: 's' });
    writeFileSync(join(dir, 'meta.json'), '{ nope');
    expect(error(() => makeReport({ dirs: [bad], version: 'test' })).message).toMatch(/meta\.json: at \(root\): expected valid JSON/);
    writeFixtureFinding(bad, 'x', { signature: 's' });
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ format: 1, config: {}, ops: 'x' }));
    expect(error(() => makeReport({ dirs: [bad], version: 'test' })).file).toMatch(/scenario\.json$/);
  });

  it('a malformed campaign.json names the member', () => {
    const bad = join(root, 'bad-campaign');
    writeFixtureCampaignJson(bad);
    const file = join(bad, 'campaign.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.stats.scenarios = 'many';
    writeFileSync(file, JSON.stringify(doc));
    expect(error(() => makeReport({ dirs: [bad], version: 'test' })).message).toMatch(/campaign\.json: at \/stats\/scenarios: expected a non-negative integer, got "many"$/);
    doc.format = 'something-else/9';
    writeFileSync(file, JSON.stringify(doc));
    expect(error(() => makeReport({ dirs: [bad], version: 'test' })).message).toMatch(/at \/format: expected "mmufuzz-campaign\/1", got "something-else\/9"$/);
  });

  it('a missing baseline is an error; an empty one knows nothing', () => {
    expect(error(() => makeReport({ dirs: [campaign], baseline: join(root, 'no-baseline'), version: 'test' })).message).toContain('baseline');
    const empty = join(root, 'empty-baseline');
    mkdirSync(empty, { recursive: true });
    expect(makeReport({ dirs: [campaign], baseline: empty, version: 'test' }).headline.new).toBe(2);
  });
});
