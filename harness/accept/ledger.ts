// The intended-differences ledger (`--accept FILE`): entries that name a divergence a refactor
// makes on purpose, why, and a predicate over the divergence. Parsing and validation only;
// matching is in match.ts. The format is documented in docs/accept-ledger.md.
import { readFileSync } from 'node:fs';
import { CPU_FEATURES, type CpuFeature } from '../../mmus/backend.js';
import { childPointer, ScenarioError } from '../scenario/errors.js';
import { findJsonSyntaxError } from '../scenario/json-syntax.js';

export const LEDGER_FORMAT = 'mmufuzz-accept/1';

/** Classes a ledger may name: the oracle's divergence classes and the runtime's `hang`. */
export const LEDGER_CLASSES = ['outcome', 'translation', 'error_code', 'value', 'ad', 'events', 'digest', 'crash', 'hang'] as const;
/** Signature modes: the TDP paging modes, and the same under shadow paging (host tdp none). */
export const LEDGER_MODES = [
  'off',
  '32-bit',
  'pae',
  '4-level',
  '5-level',
  'shadow-off',
  'shadow-32-bit',
  'shadow-pae',
  'shadow-4-level',
  'shadow-5-level',
] as const;
const OP_KINDS = ['write', 'read', 'access', 'gva_to_gpa', 'set', 'invlpg', 'invpcid', 'memslot', 'create'] as const;
const ACCESS_KINDS = ['read', 'write', 'fetch'] as const;
const TDP_KINDS = ['ept', 'npt', 'none'] as const;

/** A predicate over one divergence; every key given must hold (an AND). */
export interface LedgerMatch {
  /** Glob over the whole signature: `*` any run of characters (slashes too), `?` one character. */
  readonly signature?: string;
  readonly class?: readonly string[];
  /** Kind of the diverging op (`create` when a backend's create() threw). */
  readonly op?: readonly string[];
  /** access / gva_to_gpa: the access kind. */
  readonly access?: readonly string[];
  /** Glob over the first differing field (`events[*].scope`, `error_code`, ...). */
  readonly field?: string;
  /** The backend pair, in either order; each side a glob. */
  readonly backends?: readonly [string, string];
  /** Paging mode of the vCPU at the diverging op. */
  readonly mode?: readonly string[];
  readonly tdp?: readonly string[];
  /** CPU features the scenario's config must all have / must all lack. */
  readonly features?: readonly CpuFeature[];
  readonly withoutFeatures?: readonly CpuFeature[];
  readonly mbec?: boolean;
  readonly eptAd?: boolean;
  /** The scenario runs an L2 guest (nested virtualization): always false in today's scope. */
  readonly nested?: boolean;
}

export interface LedgerEntry {
  readonly id: string;
  readonly why: string;
  /** Where the difference is described (a document section, a commit). */
  readonly source?: string;
  readonly match: LedgerMatch;
}

export interface Ledger {
  /** The file as the user named it. */
  readonly file: string;
  readonly entries: readonly LedgerEntry[];
}

/** A bad ledger file: file, JSON pointer and what was expected (exit 2, like a bad scenario). */
export class LedgerError extends ScenarioError {
}

export function loadLedger(path: string): Ledger {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'a directory' : String(err);
    throw new LedgerError(path, '', `a readable ledger file, got ${why}`, '');
  }
  return parseLedgerText(text, path);
}

export function parseLedgerText(text: string, file: string): Ledger {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const found = findJsonSyntaxError(text);
    if (found === undefined) throw new LedgerError(file, '', `valid JSON, got a syntax error (${String(err)})`);
    throw new LedgerError(file, '', `${found.expected}, got ${found.got} (JSON syntax error)`, `line ${found.line}, column ${found.column}`);
  }
  return parseLedger(json, file);
}

/** Validates a parsed ledger document; throws LedgerError at the first problem. */
export function parseLedger(json: unknown, file: string): Ledger {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new LedgerError(file, path, `${expected}, got ${describe(got)}`);
  };
  const doc = object(json, '', 'an object {"format": "' + LEDGER_FORMAT + '", "entries": [...]}', fail);
  onlyKeys(doc, '', ['format', 'description', 'entries'], fail);
  if (doc.format !== LEDGER_FORMAT) fail('/format', `"${LEDGER_FORMAT}"`, doc.format);
  if (doc.description !== undefined && typeof doc.description !== 'string') fail('/description', 'a string', doc.description);
  if (!Array.isArray(doc.entries)) fail('/entries', 'an array of entries', doc.entries);
  const seen = new Set<string>();
  const entries = (doc.entries as unknown[]).map((raw, i) => {
    const at = childPointer('/entries', i);
    const entry = parseEntry(raw, at, fail);
    if (seen.has(entry.id)) fail(`${at}/id`, 'an id not used by an earlier entry', entry.id);
    seen.add(entry.id);
    return entry;
  });
  return { file, entries };
}

type Fail = (path: string, expected: string, got: unknown) => never;

function parseEntry(raw: unknown, at: string, fail: Fail): LedgerEntry {
  const e = object(raw, at, 'an entry {"id", "why", "match"}', fail);
  onlyKeys(e, at, ['id', 'why', 'source', 'match'], fail);
  if (typeof e.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.id)) {
    fail(`${at}/id`, 'an id of letters, digits, ".", "_" or "-"', e.id);
  }
  if (typeof e.why !== 'string' || e.why.trim() === '') fail(`${at}/why`, 'a non-empty string saying why the difference is intended', e.why);
  if (e.source !== undefined && typeof e.source !== 'string') fail(`${at}/source`, 'a string', e.source);
  const match = parseMatch(e.match, `${at}/match`, fail);
  return { id: e.id as string, why: e.why as string, ...(e.source !== undefined ? { source: e.source as string } : {}), match };
}

const MATCH_KEYS = ['signature', 'class', 'op', 'access', 'field', 'backends', 'mode', 'tdp', 'features', 'withoutFeatures', 'mbec', 'eptAd', 'nested'];

function parseMatch(raw: unknown, at: string, fail: Fail): LedgerMatch {
  const m = object(raw, at, 'a predicate object', fail);
  onlyKeys(m, at, MATCH_KEYS, fail);
  if (Object.keys(m).length === 0) fail(at, `at least one of ${MATCH_KEYS.join(', ')} (an empty predicate would accept every divergence)`, m);
  const out: Record<string, unknown> = {};
  for (const key of ['signature', 'field'] as const) {
    if (m[key] === undefined) continue;
    if (typeof m[key] !== 'string' || m[key] === '') fail(`${at}/${key}`, 'a non-empty string (exact, or a glob with * and ?)', m[key]);
    out[key] = m[key];
  }
  const enums: [string, readonly string[]][] = [
    ['class', LEDGER_CLASSES],
    ['op', OP_KINDS],
    ['access', ACCESS_KINDS],
    ['mode', LEDGER_MODES],
    ['tdp', TDP_KINDS],
  ];
  for (const [key, allowed] of enums) {
    if (m[key] !== undefined) out[key] = oneOrMany(m[key], `${at}/${key}`, allowed, fail);
  }
  for (const key of ['features', 'withoutFeatures'] as const) {
    if (m[key] === undefined) continue;
    if (!Array.isArray(m[key])) fail(`${at}/${key}`, `an array of CPU features (${CPU_FEATURES.join(', ')})`, m[key]);
    out[key] = (m[key] as unknown[]).map((f, i) =>
      typeof f === 'string' && (CPU_FEATURES as readonly string[]).includes(f) ? f : fail(childPointer(`${at}/${key}`, i), `one of ${CPU_FEATURES.join(', ')}`, f),
    );
  }
  for (const key of ['mbec', 'eptAd', 'nested'] as const) {
    if (m[key] === undefined) continue;
    if (typeof m[key] !== 'boolean') fail(`${at}/${key}`, 'true or false', m[key]);
    out[key] = m[key];
  }
  if (m.backends !== undefined) out.backends = parseBackends(m.backends, `${at}/backends`, fail);
  return out as LedgerMatch;
}

/** `"a~b"` or `["a", "b"]`; each side a glob over a backend name. */
function parseBackends(raw: unknown, at: string, fail: Fail): readonly [string, string] {
  const pair = typeof raw === 'string' ? raw.split('~') : raw;
  const ok = Array.isArray(pair) && pair.length === 2 && pair.every((s) => typeof s === 'string' && s !== '');
  if (!ok) return fail(at, 'a backend pair: "legacy~refactored" or ["legacy", "refactored"]', raw);
  return [pair[0] as string, pair[1] as string];
}

function oneOrMany(raw: unknown, at: string, allowed: readonly string[], fail: Fail): readonly string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) fail(at, `one of ${allowed.join(', ')} (or a non-empty array of them)`, raw);
  return list.map((v, i) =>
    typeof v === 'string' && allowed.includes(v) ? v : fail(Array.isArray(raw) ? childPointer(at, i) : at, `one of ${allowed.join(', ')}`, v),
  );
}

function object(raw: unknown, at: string, expected: string, fail: Fail): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(at, expected, raw);
  return raw as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, at: string, allowed: readonly string[], fail: Fail): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(childPointer(at, k), `no key "${k}" (allowed: ${allowed.join(', ')})`, o[k]);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return JSON.stringify(v);
}
