// Builds the Report from loaded campaigns and a baseline: findings merged by signature over the
// inputs, split into new / known / accepted, each repro replayed; statistics summed over the
// campaign records (one per campaign id, so an input given twice, or a merged directory with one
// of its inputs, counts once).
import { OutcomeMix } from '../oracle/stats.js';
import { renderScenario } from '../scenario/print.js';
import type { LoadedCampaign, LoadedFinding, LoadedRun } from './load.js';
import {
  REPORT_FORMAT,
  type AcceptedEntry,
  type EngineStats,
  type FindingStatus,
  type Report,
  type ReportFinding,
  type ReportStatistics,
} from './model.js';
import { replayCommandFor, replayForReport } from './replay.js';

export interface BuildOptions {
  /** The baseline directory and the signatures it knows; null: no baseline, everything is new. */
  readonly baseline: { readonly dir: string; readonly signatures: ReadonlySet<string> } | null;
  /** mmufuzz version writing the report. */
  readonly version: string;
}

const STATUS_ORDER: Record<FindingStatus, number> = { new: 0, known: 1, accepted: 2 };
const ENGINE_ORDER = ['random', 'property', 'coverage'];

export function buildReport(campaigns: readonly LoadedCampaign[], opts: BuildOptions): Report {
  const bySignature = new Map<string, LoadedFinding[]>();
  for (const c of campaigns) {
    for (const f of c.findings) {
      const list = bySignature.get(f.signature);
      if (list === undefined) bySignature.set(f.signature, [f]);
      else list.push(f);
    }
  }
  const runs = uniqueRuns(campaigns);
  const engineOf = new Map(runs.map((r) => [r.id, r.engine]));
  const findings = [...bySignature.values()].map((list) => mergeFinding(list, opts, engineOf));
  findings.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.hits - a.hits || compare(a.signature, b.signature));
  const { accepted, stale } = ledger(runs);
  const acceptedSignatures = new Set([...accepted.flatMap((e) => Object.keys(e.signatures)), ...findings.filter((f) => f.status === 'accepted').map((f) => f.signature)]);
  const count = (s: FindingStatus): number => findings.filter((f) => f.status === s).length;
  return {
    format: REPORT_FORMAT,
    mmufuzz: opts.version,
    campaigns: campaigns.map((c) => ({
      dir: c.dir,
      kind: c.kind,
      seeds: [...new Set(c.runs.map((r) => r.seed))],
      engines: [...new Set(c.runs.length > 0 ? c.runs.map((r) => r.engine) : c.findings.map((f) => f.engine))].sort(),
      findings: c.findings.length,
    })),
    baseline: opts.baseline === null ? null : { dir: opts.baseline.dir, signatures: opts.baseline.signatures.size },
    headline: { total: findings.length, new: count('new'), known: count('known'), accepted: acceptedSignatures.size },
    findings,
    statistics: statistics(runs),
    accepted,
    stale,
  };
}

/**
 * One signature over the inputs that hold it: hits merged, the smallest repro shown. Engines:
 * each stored finding's own, and those of the campaigns its hits came from (a merged store keeps
 * one finding per signature but counts the hits of every campaign that saw it).
 */
function mergeFinding(list: readonly LoadedFinding[], opts: BuildOptions, engineOf: ReadonlyMap<string, string>): ReportFinding {
  const earliest = [...list].sort((a, b) => (a.firstSeenMs ?? Infinity) - (b.firstSeenMs ?? Infinity))[0];
  const reproOf = (f: LoadedFinding) => f.minimizedScenario ?? f.scenario;
  const smallest = [...list].sort((a, b) => reproOf(a).ops.length - reproOf(b).ops.length)[0];
  const repro = reproOf(smallest);
  const reproFile = smallest.minimizedFile ?? smallest.scenarioFile;
  const acceptedBy = list.find((f) => f.acceptedBy !== null)?.acceptedBy ?? null;
  const status: FindingStatus = acceptedBy !== null ? 'accepted' : opts.baseline?.signatures.has(earliest.signature) ? 'known' : 'new';
  const firstSeen = list.map((f) => f.firstSeenMs).filter((x): x is number => x !== null);
  const replay = replayForReport(repro, { signature: earliest.signature, class: earliest.class, backends: smallest.backends, mutant: smallest.mutant });
  const cut = replay.reproduces && replay.index !== null && replay.index >= 0 && replay.index + 1 < repro.ops.length;
  const shown = cut ? { ...repro, ops: repro.ops.slice(0, replay.index! + 1) } : repro;
  return {
    signature: earliest.signature,
    class: earliest.class,
    status,
    hits: mergedHits(list),
    engines: [
      ...new Set([
        earliest.engine,
        ...[...list.map((f) => f.engine), ...list.flatMap((f) => Object.keys(f.hitsBy ?? {}).map((id) => engineOf.get(id)).filter((e): e is string => e !== undefined))].sort(
          (a, b) => rank(ENGINE_ORDER, a) - rank(ENGINE_ORDER, b) || compare(a, b),
        ),
      ]),
    ],
    firstSeenMs: firstSeen.length === 0 ? null : Math.min(...firstSeen),
    dirs: list.map((f) => f.dir),
    backends: smallest.backends,
    mutant: smallest.mutant,
    acceptedBy,
    provenance: earliest.provenance,
    versions: earliest.versions,
    minimized: smallest.minimized,
    repro: {
      file: reproFile,
      ops: repro.ops.length,
      text: renderScenario(shown),
      shownOps: shown.ops.length,
      replayCommand: replayCommandFor(reproFile, smallest.backends, smallest.mutant),
    },
    replay,
  };
}

/** Hits per campaign id merged by maximum (as `mmufuzz merge` does); plain sums when not recorded. */
function mergedHits(list: readonly LoadedFinding[]): number {
  if (list.some((f) => f.hitsBy === null)) return list.reduce((n, f) => n + f.hits, 0);
  const byId = new Map<string, number>();
  for (const f of list) for (const [id, n] of Object.entries(f.hitsBy!)) byId.set(id, Math.max(byId.get(id) ?? 0, n));
  let total = 0;
  for (const n of byId.values()) total += n;
  return total;
}

/** Campaign records by id over all inputs; the same campaign twice keeps the one that got further. */
function uniqueRuns(campaigns: readonly LoadedCampaign[]): LoadedRun[] {
  const byId = new Map<string, LoadedRun>();
  for (const c of campaigns) {
    for (const r of c.runs) {
      const had = byId.get(r.id);
      if (had === undefined || r.scenarios > had.scenarios || (r.scenarios === had.scenarios && r.elapsedMs > had.elapsedMs)) byId.set(r.id, r);
    }
  }
  return [...byId.values()];
}

function statistics(runs: readonly LoadedRun[]): ReportStatistics {
  const mix = new OutcomeMix();
  let scenarios = 0;
  let operations = 0;
  let elapsedMs = 0;
  const engines = new Map<string, LoadedRun[]>();
  for (const r of runs) {
    mix.merge(r.mix);
    scenarios += r.scenarios;
    operations += r.operations;
    elapsedMs += r.elapsedMs;
    const list = engines.get(r.engine);
    if (list === undefined) engines.set(r.engine, [r]);
    else list.push(r);
  }
  const engineStats: EngineStats[] = [...engines.entries()].map(([name, list]) => {
    const ops = list.reduce((n, r) => n + r.operations, 0);
    const ms = list.reduce((n, r) => n + r.elapsedMs, 0);
    const events: Record<string, number> = {};
    for (const r of list) for (const [type, n] of Object.entries(r.events)) events[type] = (events[type] ?? 0) + n;
    const status = list.some((r) => r.status === 'running') ? 'incomplete' : list.some((r) => r.status === 'interrupted') ? 'interrupted' : 'ok';
    return { name, status, campaigns: list.length, scenarios: list.reduce((n, r) => n + r.scenarios, 0), operations: ops, elapsedMs: ms, opsPerSecond: rate(ops, ms), events };
  });
  engineStats.sort((a, b) => rank(ENGINE_ORDER, a.name) - rank(ENGINE_ORDER, b.name) || compare(a.name, b.name));
  return {
    scenarios,
    operations,
    elapsedMs,
    opsPerSecond: rate(operations, elapsedMs),
    engines: engineStats,
    outcomes: mix.toJson(),
    translations: mix.translationCount,
    sets: mix.setCount,
    byMode: mix.byMode(),
    coverageMatrix: mix.coverageMatrix(),
  };
}

/** Each entry's hits and signatures summed over the campaigns; an entry listed but never matched is stale. */
function ledger(runs: readonly LoadedRun[]): { accepted: AcceptedEntry[]; stale: string[] } {
  const entries = new Map<string, { why: string; count: number; signatures: Map<string, number> }>();
  for (const r of runs) {
    for (const e of r.ledger) {
      const acc = entries.get(e.id) ?? { why: e.why, count: 0, signatures: new Map<string, number>() };
      if (acc.why === '') acc.why = e.why;
      acc.count += e.hits;
      for (const [sig, n] of Object.entries(e.signatures)) acc.signatures.set(sig, (acc.signatures.get(sig) ?? 0) + n);
      entries.set(e.id, acc);
    }
  }
  const accepted = [...entries.entries()]
    .filter(([, e]) => e.count > 0)
    .map(([id, e]) => ({ id, why: e.why, count: e.count, signatures: Object.fromEntries([...e.signatures].sort(([a], [b]) => compare(a, b))) }))
    .sort((a, b) => b.count - a.count || compare(a.id, b.id));
  const stale = [...entries.entries()].filter(([, e]) => e.count === 0).map(([id]) => id).sort();
  return { accepted, stale };
}

function rate(operations: number, ms: number): number {
  return ms > 0 ? Math.round((operations * 1000) / ms) : 0;
}

function rank(order: readonly string[], x: string): number {
  const i = order.indexOf(x);
  return i < 0 ? order.length : i;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
