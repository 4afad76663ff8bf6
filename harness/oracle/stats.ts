// The outcome mix of a campaign: how often translations succeed, exit to MMIO, #GP or #PF (by
// error-code class), and how often register writes are refused — a check that generated
// scenarios exercise the MMU rather than fault on everything.
import { ZAP_REASONS, type MmuEvent, type Observation, type Op, type TdpKind, type ZapReason } from '../../mmus/backend.js';
import { PFERR_FETCH, PFERR_PK, PFERR_PRESENT, PFERR_RSVD, PFERR_USER, PFERR_WRITE } from '../../mmus/x86/bits.js';
import { ModeTracker } from './mode-tracker.js';
import { hostPagingMode } from './mode.js';

/** `pf:<class>[|W][|U][|F]`: class = rsvd, pk, prot (P=1) or np (P=0). */
export function pageFaultKey(errorCode: number): string {
  const cls =
    (errorCode & PFERR_RSVD) !== 0 ? 'rsvd' : (errorCode & PFERR_PK) !== 0 ? 'pk' : (errorCode & PFERR_PRESENT) !== 0 ? 'prot' : 'np';
  let key = `pf:${cls}`;
  if ((errorCode & PFERR_WRITE) !== 0) key += '|W';
  if ((errorCode & PFERR_USER) !== 0) key += '|U';
  if ((errorCode & PFERR_FETCH) !== 0) key += '|F';
  return key;
}

// The key depends only on the low 6 bits; build each key string once.
const PF_KEYS: readonly string[] = Array.from({ length: 64 }, (_, ec) => pageFaultKey(ec));
/** The coarse class alone (`pf:np`, `pf:prot`, `pf:rsvd`, `pf:pk`), for the coverage matrix. */
const PF_CLASS: readonly string[] = PF_KEYS.map((k) => k.split('|')[0]);

/** Prefix of the shadow-paging event counts (`ev:sp`, `ev:zap_sp:flood`, ...). */
export const EVENT_KEY_PREFIX = 'ev:';
const ZAP_KEYS = Object.fromEntries(ZAP_REASONS.map((r) => [r, `ev:zap:${r}`])) as Record<ZapReason, string>;
const ZAP_SP_KEYS = Object.fromEntries(ZAP_REASONS.map((r) => [r, `ev:zap_sp:${r}`])) as Record<ZapReason, string>;

/** The count key of a shadow-paging event (and of zaps, by reason), or undefined for the others. */
export function eventKey(e: MmuEvent): string | undefined {
  switch (e.type) {
    case 'sp':
      return 'ev:sp';
    case 'unsync':
      return 'ev:unsync';
    case 'sync':
      return 'ev:sync';
    case 'mmio_spte':
      return 'ev:mmio_spte';
    case 'zap':
      return ZAP_KEYS[e.reason];
    case 'zap_sp':
      return ZAP_SP_KEYS[e.reason];
    default:
      return undefined;
  }
}

/**
 * Counts, over the first backend's observations: translations (access, gva_to_gpa) by outcome
 * (`ok`, `mmio`, `gp`, `pf:...`, other outcomes by name), `set` ops as `set:ok` / `set:gp`, and
 * the shadow MMU's events (`ev:sp`, `ev:unsync`, `ev:sync`, `ev:mmio_spte`, `ev:zap:<reason>`,
 * `ev:zap_sp:<reason>`), which show whether shadow scenarios reach KVM's interesting paths.
 */
export class OutcomeMix {
  private readonly counts = new Map<string, number>();
  /** Coverage matrix: `mode|feature|outcome class` → translations; feature 'any' counts each translation once. */
  private readonly matrix = new Map<string, number>();
  private translations = 0;
  private sets = 0;

  /**
   * Counts one op; `mode` is the tracker positioned before this op, when the caller has one, and
   * `tdp` the scenario's host (`none` files the translation under a `shadow-` mode).
   */
  add(op: Op, o: Observation, mode?: ModeTracker, tdp?: TdpKind): void {
    for (const e of o.events) {
      const key = eventKey(e);
      if (key !== undefined) this.bump(key);
    }
    if (op.op === 'access' || op.op === 'gva_to_gpa') {
      this.translations++;
      const key = o.outcome === 'page_fault' ? PF_KEYS[(o.errorCode ?? 0) & 63] : o.outcome;
      this.bump(key);
      if (mode !== undefined) {
        const cls = o.outcome === 'page_fault' ? PF_CLASS[(o.errorCode ?? 0) & 63] : o.outcome;
        const m = hostPagingMode(mode.mode(), tdp);
        const features = mode.features();
        this.bumpMatrix(`${m}|any|${cls}`);
        for (const f of features) this.bumpMatrix(`${m}|${f}|${cls}`);
      }
    } else if (op.op === 'set') {
      this.sets++;
      this.bump(o.outcome === 'ok' ? 'set:ok' : o.outcome === 'gp' ? 'set:gp' : `set:${o.outcome}`);
    }
  }

  /**
   * Adds ops[i] with observations[i] for every observed op (the list may stop early at a
   * divergence), following the paging mode through the successful register writes so the
   * coverage matrix knows the mode of each translation. `tdp` is the scenario's host
   * (config.host.tdp); without it translations count under the TDP modes.
   */
  addScenario(ops: readonly Op[], observations: readonly Observation[], tdp?: TdpKind): void {
    const mode = new ModeTracker();
    for (let i = 0; i < observations.length && i < ops.length; i++) {
      this.add(ops[i], observations[i], mode, tdp);
      mode.apply(ops[i], observations[i]);
    }
  }

  merge(other: OutcomeMix): void {
    for (const [k, v] of other.counts) this.bump(k, v);
    for (const [k, v] of other.matrix) this.bumpMatrix(k, v);
    this.translations += other.translations;
    this.sets += other.sets;
  }

  /** Everything, for sending between workers or storing (fromJSON rebuilds it). */
  toJSON(): OutcomeMixJson {
    return {
      translations: this.translations,
      sets: this.sets,
      counts: this.toJson(),
      matrix: Object.fromEntries([...this.matrix.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
  }

  static fromJSON(json: OutcomeMixJson): OutcomeMix {
    const mix = new OutcomeMix();
    mix.translations = json.translations;
    mix.sets = json.sets;
    for (const [k, v] of Object.entries(json.counts)) mix.bump(k, v);
    for (const [k, v] of Object.entries(json.matrix ?? {})) mix.bumpMatrix(k, v);
    return mix;
  }

  /** Translations by (paging mode, active feature, outcome class): the nightly heatmap's cells. */
  coverageMatrix(): { mode: string; feature: string; outcome: string; count: number }[] {
    return [...this.matrix.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, count]) => {
        const [mode, feature, outcome] = key.split('|');
        return { mode, feature, outcome, count };
      });
  }

  /** Translations by paging mode and outcome class, e.g. {'4-level': {ok: 10, 'pf:np': 3}}. */
  byMode(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const { mode, feature, outcome, count } of this.coverageMatrix()) {
      // Each translation is counted once per active feature; 'any' holds the per-translation count.
      if (feature !== 'any') continue;
      (out[mode] ??= {})[outcome] = count;
    }
    return out;
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  get translationCount(): number {
    return this.translations;
  }

  get setCount(): number {
    return this.sets;
  }

  /** A plain object of counts, keys sorted. */
  toJson(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.counts.keys()].sort()) out[k] = this.counts.get(k)!;
    return out;
  }

  /** How often the first backend reported shadow event `key` (e.g. `ev:sp`, `ev:zap:flood`). */
  eventCount(key: string): number {
    return this.get(key);
  }

  /**
   * E.g. `translations 1200: ok 61% pf:np 20% ... | sets 300: ok 85% gp 15%`, then, when shadow
   * scenarios ran, `| mmu events: sp 5400 unsync 210 sync 180 ... zap_sp:flood 12` (counts).
   */
  render(): string {
    const part = (title: string, total: number, keys: string[], strip: string): string => {
      if (total === 0) return `${title} 0`;
      const items = keys
        .sort((a, b) => this.get(b) - this.get(a) || (a < b ? -1 : 1))
        .map((k) => `${k.slice(strip.length)} ${percent(this.get(k), total)}`);
      return `${title} ${total}: ${items.join(' ')}`;
    };
    const all = [...this.counts.keys()];
    const parts = [
      part('translations', this.translations, all.filter((k) => !k.startsWith('set:') && !k.startsWith(EVENT_KEY_PREFIX)), ''),
      part('sets', this.sets, all.filter((k) => k.startsWith('set:')), 'set:'),
    ];
    const events = all.filter((k) => k.startsWith(EVENT_KEY_PREFIX)).sort(eventOrder);
    if (events.length > 0) {
      parts.push(`mmu events: ${events.map((k) => `${k.slice(EVENT_KEY_PREFIX.length)} ${this.get(k)}`).join(' ')}`);
    }
    return parts.join(' | ');
  }

  private bump(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  private bumpMatrix(key: string, by = 1): void {
    this.matrix.set(key, (this.matrix.get(key) ?? 0) + by);
  }
}

export interface OutcomeMixJson {
  readonly translations: number;
  readonly sets: number;
  readonly counts: Record<string, number>;
  readonly matrix?: Record<string, number>;
}

/** sp, unsync, sync, mmio_spte, then zaps and zap_sps by reason in ZAP_REASONS order. */
const EVENT_ORDER = [
  'ev:sp',
  'ev:unsync',
  'ev:sync',
  'ev:mmio_spte',
  ...ZAP_REASONS.map((r) => ZAP_KEYS[r]),
  ...ZAP_REASONS.map((r) => ZAP_SP_KEYS[r]),
];

function eventOrder(a: string, b: string): number {
  const ia = EVENT_ORDER.indexOf(a);
  const ib = EVENT_ORDER.indexOf(b);
  return (ia < 0 ? EVENT_ORDER.length : ia) - (ib < 0 ? EVENT_ORDER.length : ib) || (a < b ? -1 : 1);
}

function percent(n: number, total: number): string {
  const p = (100 * n) / total;
  return p >= 10 || p === 0 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}
