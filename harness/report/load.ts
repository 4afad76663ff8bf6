// The one place that knows the on-disk formats the report reads: a campaign's findings directory
// (campaign.json and one directory per signature with meta.json, scenario.json, minimized.json)
// and a baseline. Everything is validated here; a format change touches only this file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OutcomeMix } from '../oracle/stats.js';
import { ScenarioError } from '../scenario/errors.js';
import { loadScenarioFile } from '../scenario/parse.js';
import type { Scenario } from '../scenario/scenario.js';
import { JsonNode, ReportInputError, readJsonFile } from './json-node.js';
import type { MinimizedInfo } from './model.js';

/** One signature's finding directory. */
export interface LoadedFinding {
  readonly dir: string;
  readonly signature: string;
  readonly class: string;
  readonly engine: string;
  readonly hits: number;
  /** Hits per campaign id, when recorded: the same campaign seen through two inputs counts once. */
  readonly hitsBy: Readonly<Record<string, number>> | null;
  readonly firstSeenMs: number | null;
  readonly backends: readonly string[];
  readonly mutant: string | null;
  readonly acceptedBy: string | null;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly versions: Readonly<Record<string, string>>;
  readonly minimized: MinimizedInfo | null;
  /** scenario.json (the original). */
  readonly scenarioFile: string;
  readonly scenario: Scenario;
  /** minimized.json, when the finding was minimized. */
  readonly minimizedFile: string | null;
  readonly minimizedScenario: Scenario | null;
}

/**
 * One campaign's record in campaign.json: a campaign directory holds one, a merged directory one
 * per campaign it merged (shards, engines, nights), keyed by the campaign id.
 */
export interface LoadedRun {
  /** engine:seed:shard — the same id in two report inputs is the same campaign. */
  readonly id: string;
  readonly engine: string;
  readonly seed: string;
  /** finished, interrupted (SIGINT/SIGTERM), or running (still running, or killed). */
  readonly status: string;
  readonly workers: number | null;
  readonly elapsedMs: number;
  readonly scenarios: number;
  readonly operations: number;
  readonly mix: OutcomeMix;
  /** Ledger entries with what each accepted (every entry listed, matched or not). */
  readonly ledger: readonly LoadedLedgerEntry[];
  /** Worker event counts by type (hang, died, restarted, abandoned). */
  readonly events: Readonly<Record<string, number>>;
}

export interface LoadedLedgerEntry {
  readonly id: string;
  readonly why: string;
  readonly hits: number;
  readonly signatures: Readonly<Record<string, number>>;
}

export interface LoadedCampaign {
  readonly dir: string;
  /** campaign: one campaign's --findings directory; merged: `mmufuzz merge` output; none: no campaign.json. */
  readonly kind: 'campaign' | 'merged' | 'none';
  readonly runs: readonly LoadedRun[];
  readonly findings: readonly LoadedFinding[];
}

/** Names the findings store uses for files that are not finding directories. */
const CAMPAIGN_FILE = 'campaign.json';
const CAMPAIGN_FORMAT = 'mmufuzz-campaign/1';
const META_FILE = 'meta.json';
const TEMP_PREFIX = '.tmp-';

/**
 * Loads a campaign findings directory. Throws ReportInputError for a missing directory, one
 * that holds neither campaign.json nor a finding, and any malformed file.
 */
export function loadCampaignDir(dir: string): LoadedCampaign {
  requireDirectory(dir, 'a campaign findings directory (the --findings DIR of "mmufuzz fuzz" or the output of "mmufuzz merge")');
  const campaignFile = join(dir, CAMPAIGN_FILE);
  const campaign = existsSync(campaignFile) ? readCampaignJson(readJsonFile(campaignFile)) : null;
  const findings: LoadedFinding[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(TEMP_PREFIX)) continue; // a write in progress or abandoned by a killed campaign
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory() || !existsSync(join(sub, META_FILE))) continue;
    findings.push(loadFinding(sub));
  }
  if (campaign === null && findings.length === 0) {
    throw new ReportInputError(dir, '', `a campaign findings directory holding ${CAMPAIGN_FILE} or finding directories (<hash>-<slug>/meta.json), got neither`);
  }
  return { dir, kind: campaign?.kind ?? 'none', runs: campaign?.runs ?? [], findings };
}

/** One finding directory: meta.json validated, scenario.json and minimized.json parsed. */
export function loadFinding(dir: string): LoadedFinding {
  const metaFile = join(dir, META_FILE);
  const meta = readJsonFile(metaFile);
  meta.object();
  const signature = meta.get('signature').string();
  const scenarioFile = join(dir, 'scenario.json');
  const minimizedPath = join(dir, 'minimized.json');
  const minimizedFile = existsSync(minimizedPath) ? minimizedPath : null;
  return {
    dir,
    signature,
    class: meta.get('class').string(),
    engine: meta.get('engine').optional((n) => n.string()) ?? meta.get('provenance').optional((p) => p.get('engine').string()) ?? 'random',
    hits: meta.get('hits').count(),
    hitsBy: meta.get('hitsBy').optional(hitsBy) ?? null,
    firstSeenMs: meta.get('firstSeen').optional((n) => n.number()) ?? null,
    backends: meta.get('backends').array().map((n) => n.string()),
    mutant: meta.get('mutant').optional((n) => n.string()) ?? null,
    acceptedBy: meta.get('accepted').optional((n) => n.string()) ?? null,
    provenance: provenanceOf(meta),
    versions: versionsOf(meta),
    minimized: meta.get('minimized').optional(minimizedInfo) ?? null,
    scenarioFile,
    scenario: scenarioAt(scenarioFile),
    minimizedFile,
    minimizedScenario: minimizedFile === null ? null : scenarioAt(minimizedFile),
  };
}

function minimizedInfo(n: JsonNode): MinimizedInfo {
  const complete = n.get('complete').optional((c) => c.boolean());
  const by = n.get('by').optional((b) => b.string());
  return {
    beforeOps: n.get('beforeOps').count(),
    afterOps: n.get('afterOps').count(),
    oracleCalls: n.get('oracleCalls').count(),
    oneMinimal: n.get('oneMinimal').boolean(),
    ...(complete !== undefined ? { complete } : {}),
    ...(by !== undefined ? { by } : {}),
  };
}

function hitsBy(n: JsonNode): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, v] of n.entries()) out[id] = v.count();
  return out;
}

/** meta.provenance; findings written before provenance existed kept seed/index/mutators at the top. */
function provenanceOf(meta: JsonNode): Record<string, unknown> {
  if (meta.has('provenance')) return { ...meta.get('provenance').object() };
  const out: Record<string, unknown> = {};
  for (const key of ['engine', 'seed', 'index', 'mutators', 'targetMode']) if (meta.has(key)) out[key] = meta.get(key).value;
  return out;
}

/** meta.versions ({mmufuzz, node, fast-check}); older findings had only `version` (mmufuzz). */
function versionsOf(meta: JsonNode): Record<string, string> {
  if (meta.has('versions')) {
    const out: Record<string, string> = {};
    // A null version is a tool the campaign ran without (fast-check is a development dependency).
    for (const [k, n] of meta.get('versions').entries()) if (!n.isMissing) out[k] = n.string();
    return out;
  }
  const v = meta.get('version').optional((n) => n.string());
  return v === undefined ? {} : { mmufuzz: v };
}

function scenarioAt(file: string): Scenario {
  try {
    return loadScenarioFile(file);
  } catch (e) {
    if (e instanceof ScenarioError) throw new ReportInputError(e.file, e.path, e.expected);
    throw e;
  }
}

/**
 * campaign.json (format mmufuzz-campaign/1): kind "campaign" is one campaign (plan, stats,
 * accepted, events at the top); kind "merged" lists its campaigns under `campaigns`.
 */
function readCampaignJson(doc: JsonNode): { kind: 'campaign' | 'merged'; runs: LoadedRun[] } {
  const format = doc.get('format');
  if (format.value !== CAMPAIGN_FORMAT) format.fail(`"${CAMPAIGN_FORMAT}"`);
  const kind = doc.get('kind');
  if (kind.value === 'campaign') return { kind: 'campaign', runs: [campaignRun(doc)] };
  if (kind.value === 'merged') return { kind: 'merged', runs: doc.get('campaigns').entries().map(([, n]) => campaignRun(n)) };
  return kind.fail('"campaign" or "merged"');
}

/** One campaign record: {id, status, plan, elapsedMs, stats, accepted, events}. */
function campaignRun(n: JsonNode): LoadedRun {
  const plan = n.get('plan');
  const stats = n.get('stats');
  const events: Record<string, number> = {};
  for (const e of n.get('events').optional((x) => x.array()) ?? []) {
    const type = e.get('type').string();
    events[type] = (events[type] ?? 0) + 1;
  }
  return {
    id: n.get('id').string(),
    engine: plan.get('engine').string(),
    seed: plan.get('seed').string(),
    status: n.get('status').string(),
    workers: plan.get('workers').optional((w) => w.count()) ?? null,
    elapsedMs: n.get('elapsedMs').number(),
    scenarios: stats.get('scenarios').count(),
    operations: stats.get('operations').count(),
    mix: outcomeMix(stats.get('mix')),
    ledger: (n.get('accepted').optional((a) => a.array()) ?? []).map(ledgerEntry),
    events,
  };
}

function ledgerEntry(n: JsonNode): LoadedLedgerEntry {
  const signatures: Record<string, number> = {};
  for (const [sig, v] of n.get('signatures').optional((x) => x.entries()) ?? []) signatures[sig] = v.count();
  return {
    id: n.get('id').string(),
    why: n.get('why').optional((w) => w.string()) ?? '',
    hits: n.get('hits').count(),
    signatures,
  };
}

/** OutcomeMix.toJSON(): {translations, sets, counts, matrix}. */
function outcomeMix(n: JsonNode): OutcomeMix {
  const counts: Record<string, number> = {};
  for (const [k, v] of n.get('counts').entries()) counts[k] = v.count();
  const matrix: Record<string, number> = {};
  for (const [k, v] of n.get('matrix').optional((m) => m.entries()) ?? []) {
    if (k.split('|').length !== 3) v.fail('a "mode|feature|outcome" key');
    matrix[k] = v.count();
  }
  return OutcomeMix.fromJSON({ translations: n.get('translations').count(), sets: n.get('sets').count(), counts, matrix });
}

/**
 * The signatures a baseline knows. A baseline is a directory holding, anywhere below it (a few
 * levels deep): finding directories (meta.json with a signature), earlier report.json files, or
 * regression scenarios whose JSON carries a `signature`. An empty directory knows nothing.
 */
export function loadBaselineSignatures(dir: string): Set<string> {
  requireDirectory(dir, 'a baseline directory (an earlier findings directory, nightly output or corpus/regressions)');
  const known = new Set<string>();
  walkJson(dir, 5, (file) => {
    const name = basename(file);
    if (name === META_FILE) {
      known.add(readJsonFile(file).get('signature').string());
    } else if (name === 'report.json') {
      const doc = readJsonFile(file);
      if (doc.get('format').optional((n) => n.value) !== 'mmufuzz-report/1') return;
      for (const f of doc.get('findings').array()) known.add(f.get('signature').string());
    } else if (!NOT_SIGNATURE_FILES.has(name)) {
      // A regression scenario (or its sidecar) records the signature it reproduces; other JSON
      // (a corpus, a scenario without one) is not ours to judge, so it is skipped, not an error.
      let doc: JsonNode;
      try {
        doc = readJsonFile(file);
      } catch {
        return;
      }
      const sig = typeof doc.value === 'object' && doc.value !== null && !Array.isArray(doc.value) ? doc.get('signature').value : undefined;
      if (typeof sig === 'string') known.add(sig);
    }
  });
  return known;
}

/** Files of a findings directory that never carry a signature of their own (skipped unread). */
const NOT_SIGNATURE_FILES = new Set([CAMPAIGN_FILE, 'observations.json', 'scenario.json', 'minimized.json']);

function walkJson(dir: string, depth: number, visit: (file: string) => void): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      if (depth > 0) walkJson(path, depth - 1, visit);
    } else if (name.endsWith('.json')) {
      visit(path);
    }
  }
}

function requireDirectory(dir: string, what: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw new ReportInputError(dir, '', `${what}, got ${(e as NodeJS.ErrnoException).code ?? 'an unreadable path'}`);
  }
  if (!isDir) throw new ReportInputError(dir, '', `${what}, got a file`);
}
