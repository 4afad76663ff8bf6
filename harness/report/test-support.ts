// Test fixtures for the report: campaign directories written by the campaign's own code
// (CampaignState, FindingsStore), and finding directories written file by file (to break them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES, getBackend } from '../../mmus/registry.js';
import { u64 } from '../../mmus/x86/u64.js';
import { smallScenario } from '../campaign/test-support.js';
import { runOracle } from '../oracle/oracle.js';
import { scenarioToJson } from '../scenario/encode.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import type { Ledger } from '../accept/ledger.js';
import { writeCampaignFile, type CampaignFile, type WorkerEventRecord } from '../campaign/campaign-file.js';
import { CampaignState } from '../campaign/campaign-state.js';
import { toolVersions } from '../campaign/finding-meta.js';
import { FindingsStore } from '../campaign/findings.js';
import type { CampaignPlan } from '../campaign/plan.js';
import type { EngineName } from '../engines/engine.js';

export const ZAP_MUTANT = 'memslot-zap-misses-last-gfn';

/** Paging off: touch the last page of a 16-page slot, then delete the slot (the mutant keeps its mapping). */
export const ZAP_LAST: Scenario = {
  format: SCENARIO_FORMAT,
  name: 'zap-last-gfn',
  config: { ...smallScenario().config, memslots: [{ slot: 0, gpa: 0, size: 0x1_0000, flags: [] }] },
  ops: [
    { op: 'access', gva: u64(0xf000), kind: 'read', cpl: 0, implicit: false },
    { op: 'memslot', action: 'delete', slot: 0, gpa: 0, size: 0, flags: [] },
  ],
};

/** The signature ZAP_LAST shows on the three backends with the zap mutant. */
export function zapSignature(): string {
  const d = runOracle(ZAP_LAST, BACKEND_NAMES.map((n) => getBackend(n, ZAP_MUTANT))).divergence;
  if (d === null) throw new Error('test-support: ZAP_LAST no longer diverges with the zap mutant');
  return d.signature;
}

export interface FixtureFinding {
  readonly signature: string;
  readonly class?: string;
  readonly engine?: string;
  readonly hits?: number;
  readonly firstSeen?: number;
  readonly mutant?: string | null;
  readonly accepted?: string;
  readonly scenario?: Scenario;
  /** Also write minimized.json (and the meta.minimized record). */
  readonly minimized?: Scenario;
  /** Extra or replacement meta.json members (to break it on purpose). */
  readonly metaPatch?: Record<string, unknown>;
}

/** Writes one finding directory under root; returns its path. */
export function writeFixtureFinding(root: string, name: string, f: FixtureFinding): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const scenario = f.scenario ?? ZAP_LAST;
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenarioToJson(scenario), null, 2));
  if (f.minimized !== undefined) writeFileSync(join(dir, 'minimized.json'), JSON.stringify(scenarioToJson(f.minimized), null, 2));
  writeFileSync(join(dir, 'observations.json'), '{}\n');
  writeFileSync(join(dir, 'report.txt'), 'fixture\n');
  const meta = {
    signature: f.signature,
    class: f.class ?? 'events',
    engine: f.engine ?? 'random',
    provenance: { engine: f.engine ?? 'random', seed: 'fixture-seed', index: 7 },
    backends: [...BACKEND_NAMES],
    mutant: f.mutant === undefined ? ZAP_MUTANT : f.mutant,
    versions: { mmufuzz: '0.1.0', node: 'v20.0.0', 'fast-check': '4.3.0' },
    hits: f.hits ?? 1,
    firstSeen: f.firstSeen ?? 1500,
    minimized: f.minimized === undefined ? null : { beforeOps: scenario.ops.length, afterOps: f.minimized.ops.length, oracleCalls: 42, oneMinimal: true },
    ...(f.accepted !== undefined ? { accepted: f.accepted } : {}),
    ...f.metaPatch,
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  return dir;
}

export interface FixtureCampaign {
  readonly engine?: EngineName;
  readonly seed?: string;
  readonly shard?: { index: number; count: number };
  /** Ledger entry ids the campaign ran with, and what each accepted (signature -> scenarios). */
  readonly ledger?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly status?: CampaignFile['status'];
  /** Scenarios counted in the statistics (each ZAP_LAST on the clean backends). */
  readonly scenarios?: number;
  readonly elapsedMs?: number;
  readonly events?: readonly WorkerEventRecord[];
}

/**
 * campaign.json as the campaign runtime writes it (CampaignState.toFile), statistics from
 * ZAP_LAST run on the clean backends `scenarios` times. Returns the campaign id.
 */
export function writeFixtureCampaignJson(root: string, opts: FixtureCampaign = {}): string {
  const plan: CampaignPlan = {
    engine: opts.engine ?? 'random',
    seed: opts.seed ?? 'fixture-seed',
    budget: { seconds: 2 },
    backends: [...BACKEND_NAMES],
    generator: { minOps: 20, maxOps: 120 },
    workers: 1,
    shard: opts.shard ?? { index: 0, count: 1 },
    scenarioTimeoutMs: 10_000,
    minimize: { enabled: true, timeMs: 1000 },
  };
  const ids = Object.keys(opts.ledger ?? {});
  const ledger: Ledger | undefined = ids.length === 0 ? undefined : { file: 'ledger.json', entries: ids.map((id) => ({ id, why: `why ${id}`, match: { class: ['events'] } })) };
  const state = new CampaignState(plan, ledger);
  const result = runOracle(ZAP_LAST, BACKEND_NAMES.map((n) => getBackend(n)));
  for (let i = 0; i < (opts.scenarios ?? 100); i++) state.stats.addScenario(ZAP_LAST, result);
  for (const [id, sigs] of Object.entries(opts.ledger ?? {})) for (const [sig, n] of Object.entries(sigs)) state.accepted.record(id, sig, n);
  state.events.push(...(opts.events ?? []));
  state.elapsedMs = opts.elapsedMs ?? 2000;
  writeCampaignFile(root, state.toFile(opts.status ?? 'finished', toolVersions('0.1.0'), 'in-process'));
  return state.id;
}

/** A finding stored by the real findings store (ZAP_LAST with the zap mutant), minimized to itself. */
export function storeZapFinding(root: string, campaignId: string, opts: { hits?: number; firstSeenMs?: number; engine?: EngineName } = {}): string {
  const store = new FindingsStore(root, { backends: [...BACKEND_NAMES], mutant: ZAP_MUTANT, versions: toolVersions('0.1.0'), campaignId });
  const result = runOracle(ZAP_LAST, BACKEND_NAMES.map((n) => getBackend(n, ZAP_MUTANT)));
  const d = result.divergence!;
  const ref = store.add({
    signature: d.signature,
    class: d.class,
    scenario: ZAP_LAST,
    result,
    provenance: { engine: opts.engine ?? 'random', seed: 'fixture-seed', index: 7 },
    firstSeenMs: opts.firstSeenMs ?? 1234,
  });
  if ((opts.hits ?? 1) > 1) store.hit(d.signature, (opts.hits ?? 1) - 1);
  store.flush();
  store.setMinimized(d.signature, ZAP_LAST, { beforeOps: 2, afterOps: 2, oracleCalls: 5, oneMinimal: true, complete: true, elapsedMs: 3, by: 'mmufuzz' }, 'report');
  return ref.dir;
}
