// What a campaign accepted through the ledger: per entry, the scenarios it matched, by signature,
// and where the first one came from. Never dropped: the summary and campaign.json show it all,
// and an entry that matched nothing over a whole campaign is reported as stale.
import type { Ledger } from './ledger.js';

export interface AcceptedFirst {
  readonly signature: string;
  /** How to rebuild the scenario (engine provenance, JSON). */
  readonly provenance: unknown;
  /** Campaign-relative milliseconds. */
  readonly elapsedMs: number;
}

export interface AcceptedEntryJson {
  readonly id: string;
  readonly why: string;
  /** Scenarios whose first divergence this entry accepted. */
  readonly hits: number;
  /** Hits by divergence signature. */
  readonly signatures: Readonly<Record<string, number>>;
  readonly first: AcceptedFirst | null;
}

export class AcceptedTally {
  private readonly entries = new Map<string, { why: string; hits: number; signatures: Map<string, number>; first: AcceptedFirst | null }>();

  /** Every ledger entry starts at zero, so one that never matches is still listed (stale). */
  constructor(ledger?: Ledger) {
    for (const e of ledger?.entries ?? []) this.entries.set(e.id, { why: e.why, hits: 0, signatures: new Map(), first: null });
  }

  record(id: string, signature: string, count = 1, first?: AcceptedFirst): void {
    let e = this.entries.get(id);
    if (e === undefined) {
      e = { why: '', hits: 0, signatures: new Map(), first: null };
      this.entries.set(id, e);
    }
    e.hits += count;
    e.signatures.set(signature, (e.signatures.get(signature) ?? 0) + count);
    if (e.first === null && first !== undefined) e.first = first;
  }

  /** Scenarios accepted, all entries together. */
  get total(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.hits;
    return n;
  }

  /** Ids of the entries that matched nothing. */
  stale(): string[] {
    return [...this.entries].filter(([, e]) => e.hits === 0).map(([id]) => id);
  }

  toJSON(): AcceptedEntryJson[] {
    return [...this.entries].map(([id, e]) => ({
      id,
      why: e.why,
      hits: e.hits,
      signatures: Object.fromEntries([...e.signatures].sort(([a], [b]) => (a < b ? -1 : 1))),
      first: e.first,
    }));
  }

  /** Adds a stored tally (a resumed campaign's, or another shard's when merging). */
  add(json: readonly AcceptedEntryJson[]): void {
    for (const j of json) {
      if (!this.entries.has(j.id)) this.entries.set(j.id, { why: j.why, hits: 0, signatures: new Map(), first: null });
      const e = this.entries.get(j.id)!;
      if (e.why === '') e.why = j.why;
      for (const [sig, n] of Object.entries(j.signatures)) this.record(j.id, sig, n);
      if (e.first === null && j.first !== null) e.first = j.first;
    }
  }

  static fromJSON(json: readonly AcceptedEntryJson[]): AcceptedTally {
    const t = new AcceptedTally();
    t.add(json);
    return t;
  }
}
