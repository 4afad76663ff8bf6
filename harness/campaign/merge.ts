// `mmufuzz merge`: findings and statistics of several campaign directories (shards, nights) in
// one. Idempotent: hits are kept per campaign id and merged by maximum, campaigns by id, so
// merging the same inputs again, or merging a merged directory with one of its inputs, changes
// nothing. Per signature the finding with the smallest minimized scenario (then the earliest)
// is kept whole.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AcceptedTally, type AcceptedEntryJson } from '../accept/tally.js';
import { TEMP_PREFIX } from './atomic-write.js';
import { CAMPAIGN_FORMAT, readCampaignJson, writeCampaignFile, type CampaignFile } from './campaign-file.js';
import { sumHits, type FindingMeta } from './finding-meta.js';
import { jsonText, readMeta } from './findings.js';
import { CampaignStats, type StatsJson } from './stats.js';

/** What merge keeps of each campaign (one record per campaign id). */
export interface CampaignRecord {
  readonly id: string;
  readonly status: string;
  readonly plan: CampaignFile['plan'];
  readonly elapsedMs: number;
  readonly stats: StatsJson;
  readonly accepted: readonly AcceptedEntryJson[];
  readonly events: CampaignFile['events'];
}

export interface MergedFile {
  readonly format: typeof CAMPAIGN_FORMAT;
  readonly kind: 'merged';
  readonly campaigns: Readonly<Record<string, CampaignRecord>>;
  /** Sums over the campaigns; elapsedMs is campaign time summed (machine-time), not wall time. */
  readonly totals: StatsJson & { readonly elapsedMs: number };
  readonly signatures: readonly { signature: string; class: string; hits: number; dir: string; minimizedOps: number | null }[];
  readonly accepted: readonly AcceptedEntryJson[];
  readonly stale: readonly string[];
}

export interface MergeReport {
  readonly out: string;
  readonly campaigns: number;
  readonly signatures: number;
  readonly totals: MergedFile['totals'];
  readonly stale: readonly string[];
}

interface Candidate {
  readonly dir: string;
  readonly meta: FindingMeta;
  readonly order: number;
}

export function mergeCampaignDirs(inputs: readonly string[], out: string): MergeReport {
  const campaigns = new Map<string, CampaignRecord>();
  const bySignature = new Map<string, Candidate[]>();
  let order = 0;
  for (const input of inputs) {
    if (!existsSync(input) || !statSync(input).isDirectory()) throw new Error(`merge: ${input} is not a directory`);
    const json = readCampaignJson(input);
    for (const record of campaignRecords(json)) keepLarger(campaigns, record);
    const fallbackId = typeof json?.id === 'string' ? json.id : `dir:${basename(resolve(input))}`;
    for (const name of readdirSync(input).sort()) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      const dir = join(input, name);
      if (!statSync(dir).isDirectory()) continue;
      const meta = readMeta(dir, fallbackId);
      if (meta === undefined) continue;
      const list = bySignature.get(meta.signature) ?? [];
      list.push({ dir, meta, order: order++ });
      bySignature.set(meta.signature, list);
    }
  }
  mkdirSync(out, { recursive: true });
  const signatures: MergedFile['signatures'][number][] = [];
  // Read everything before writing anything: `out` may be one of the inputs.
  const plans = [...bySignature.values()].map((list) => planOne(list));
  for (const p of plans) {
    const dir = writeFinding(out, p);
    signatures.push({ signature: p.meta.signature, class: p.meta.class, hits: p.meta.hits, dir, minimizedOps: p.meta.minimized?.afterOps ?? null });
  }
  signatures.sort((a, b) => (a.signature < b.signature ? -1 : 1));
  const file = mergedFile(campaigns, signatures);
  writeCampaignFile(out, file);
  return { out, campaigns: campaigns.size, signatures: signatures.length, totals: file.totals, stale: file.stale };
}

/** The campaigns a campaign.json describes: itself, or a merged file's list. */
function campaignRecords(json: Record<string, unknown> | undefined): CampaignRecord[] {
  if (json === undefined) return [];
  if (json.kind === 'merged') return Object.values(json.campaigns as Record<string, CampaignRecord>);
  const f = json as unknown as CampaignFile;
  return [{ id: f.id, status: f.status, plan: f.plan, elapsedMs: f.elapsedMs, stats: f.stats, accepted: f.accepted, events: f.events }];
}

/** The same campaign seen twice (a copy, a later checkpoint): keep the record that got further. */
function keepLarger(map: Map<string, CampaignRecord>, r: CampaignRecord): void {
  const had = map.get(r.id);
  if (had === undefined || r.stats.scenarios > had.stats.scenarios || (r.stats.scenarios === had.stats.scenarios && r.elapsedMs > had.elapsedMs)) {
    map.set(r.id, r);
  }
}

/** The finding to keep (smallest minimized, then earliest, then input order) with hits merged. */
function planOne(list: readonly Candidate[]): { source: string; meta: FindingMeta; files: Map<string, Buffer> } {
  const rank = (c: Candidate): [number, number, number, number] => [
    c.meta.minimized === null ? 1 : 0,
    c.meta.minimized?.afterOps ?? Number.MAX_SAFE_INTEGER,
    c.meta.firstSeen,
    c.order,
  ];
  const best = [...list].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
    return 0;
  })[0]!;
  const hitsBy: Record<string, number> = {};
  for (const c of list) for (const [id, n] of Object.entries(c.meta.hitsBy)) hitsBy[id] = Math.max(hitsBy[id] ?? 0, n);
  const accepted = list.map((c) => c.meta.accepted).find((a) => a !== undefined);
  const sortedHits = Object.fromEntries(Object.entries(hitsBy).sort(([a], [b]) => (a < b ? -1 : 1)));
  const meta: FindingMeta = { ...best.meta, hitsBy: sortedHits, hits: sumHits(sortedHits), ...(accepted !== undefined ? { accepted } : {}) };
  // The bytes are read now, before anything is written: `out` may be one of the inputs.
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(best.dir).sort()) {
    if (name === 'meta.json' || name.startsWith(TEMP_PREFIX)) continue;
    const path = join(best.dir, name);
    if (statSync(path).isFile()) files.set(name, readFileSync(path));
  }
  return { source: best.dir, meta, files };
}

let counter = 0;

/** Writes one finding directory under out: built aside, then swapped into place. */
function writeFinding(out: string, p: { source: string; meta: FindingMeta; files: Map<string, Buffer> }): string {
  const name = basename(p.source);
  const final = join(out, name);
  const tmp = join(out, `${TEMP_PREFIX}merge-${process.pid}-${counter++}`);
  mkdirSync(tmp);
  try {
    for (const [file, bytes] of p.files) writeFileSync(join(tmp, file), bytes);
    writeFileSync(join(tmp, 'meta.json'), jsonText(p.meta));
    if (existsSync(final)) {
      const old = join(out, `${TEMP_PREFIX}old-${process.pid}-${counter++}`);
      renameSync(final, old);
      renameSync(tmp, final);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, final);
    }
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
  return final;
}

function mergedFile(campaigns: Map<string, CampaignRecord>, signatures: MergedFile['signatures']): MergedFile {
  const totals = new CampaignStats();
  let elapsedMs = 0;
  const tally = new AcceptedTally();
  const ids = [...campaigns.keys()].sort();
  for (const id of ids) {
    const c = campaigns.get(id)!;
    totals.add(c.stats);
    elapsedMs += c.elapsedMs;
    tally.add(c.accepted);
  }
  return {
    format: CAMPAIGN_FORMAT,
    kind: 'merged',
    campaigns: Object.fromEntries(ids.map((id) => [id, campaigns.get(id)!])),
    totals: { ...totals.toJSON(), elapsedMs },
    signatures,
    accepted: tally.toJSON(),
    stale: tally.stale(),
  };
}
