// Matching divergences against the ledger: the facts of one divergence (its signature parts and
// the scenario's config) and the first ledger entry whose predicate holds for them.
import type { AccessKind, Config } from '../../mmus/backend.js';
import type { Divergence } from '../oracle/divergence.js';
import type { Ledger, LedgerEntry, LedgerMatch } from './ledger.js';

/** What a ledger predicate can look at. */
export interface DivergenceFacts {
  readonly signature: string;
  readonly class: string;
  /** Kind of the diverging op, or 'create'. */
  readonly op: string;
  readonly access?: AccessKind;
  readonly field: string;
  readonly backends: readonly [string, string];
  /** Paging mode at the diverging op; unknown for a hang (the op never returned). */
  readonly mode?: string;
  readonly config: Config;
  readonly nested: boolean;
}

/** The facts of an oracle divergence in a scenario with this config. */
export function divergenceFacts(d: Divergence, config: Config): DivergenceFacts {
  const op = d.index < 0 ? 'create' : d.op.op;
  const access = d.index >= 0 && (d.op.op === 'access' || d.op.op === 'gva_to_gpa') ? d.op.kind : undefined;
  return {
    signature: d.signature,
    class: d.class,
    op,
    ...(access !== undefined ? { access } : {}),
    field: d.field,
    backends: d.backends,
    mode: d.mode,
    config,
    nested: false,
  };
}

/** The first entry (in file order) whose predicate holds, or undefined. */
export function findAccepting(ledger: Ledger | undefined, facts: DivergenceFacts): LedgerEntry | undefined {
  if (ledger === undefined) return undefined;
  return ledger.entries.find((e) => matches(e.match, facts));
}

export function matches(m: LedgerMatch, f: DivergenceFacts): boolean {
  if (m.signature !== undefined && !globMatch(m.signature, f.signature)) return false;
  if (m.class !== undefined && !m.class.includes(f.class)) return false;
  if (m.op !== undefined && !m.op.includes(f.op)) return false;
  if (m.access !== undefined && (f.access === undefined || !m.access.includes(f.access))) return false;
  if (m.field !== undefined && !globMatch(m.field, f.field)) return false;
  if (m.backends !== undefined && !pairMatches(m.backends, f.backends)) return false;
  if (m.mode !== undefined && (f.mode === undefined || !m.mode.includes(f.mode))) return false;
  if (m.tdp !== undefined && !m.tdp.includes(f.config.host.tdp)) return false;
  if (m.features !== undefined && !m.features.every((x) => f.config.cpu.features.has(x))) return false;
  if (m.withoutFeatures !== undefined && m.withoutFeatures.some((x) => f.config.cpu.features.has(x))) return false;
  if (m.mbec !== undefined && m.mbec !== f.config.host.mbec) return false;
  if (m.eptAd !== undefined && m.eptAd !== f.config.host.eptAd) return false;
  if (m.nested !== undefined && m.nested !== f.nested) return false;
  return true;
}

function pairMatches(p: readonly [string, string], b: readonly [string, string]): boolean {
  return (globMatch(p[0], b[0]) && globMatch(p[1], b[1])) || (globMatch(p[0], b[1]) && globMatch(p[1], b[0]));
}

const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters (slashes included), `?` one character; everything else literally. */
export function globMatch(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    compiled.set(pattern, re);
  }
  return re.test(text);
}
