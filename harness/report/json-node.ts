// Checked reading of JSON documents the report loads: every mistake names the file, the JSON
// pointer inside it and what was expected (the shape of ScenarioError, for report inputs).
import { readFileSync } from 'node:fs';

/** A report input (findings directory, meta.json, campaign.json...) is missing or malformed. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';

  /** path: a JSON pointer (`/workers/0/scenarios`), '' for the whole file. */
  constructor(
    readonly file: string,
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${file}: at ${path === '' ? '(root)' : path}: expected ${expected}`);
  }
}

/** Reads and parses a JSON file; unreadable or unparsable files are ReportInputErrors. */
export function readJsonFile(file: string): JsonNode {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReportInputError(file, '', `a readable JSON file, got ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return new JsonNode(file, '', JSON.parse(text) as unknown);
  } catch (e) {
    throw new ReportInputError(file, '', `valid JSON, got ${(e as Error).message}`);
  }
}

/** One value inside a JSON document, with where it came from. */
export class JsonNode {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(expected: string): never {
    throw new ReportInputError(this.file, this.path, `${expected}, got ${describe(this.value)}`);
  }

  /** Absent (undefined) or null. */
  get isMissing(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** The member `key` (its value undefined when absent); this must be an object. */
  get(key: string): JsonNode {
    const o = this.object();
    return new JsonNode(this.file, `${this.path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, o[key]);
  }

  has(key: string): boolean {
    return !this.get(key).isMissing;
  }

  object(): Record<string, unknown> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('an object');
    return v as Record<string, unknown>;
  }

  /** Member nodes of an object, in document order. */
  entries(): [string, JsonNode][] {
    return Object.keys(this.object()).map((k) => [k, this.get(k)]);
  }

  array(): JsonNode[] {
    const v = this.value;
    if (!Array.isArray(v)) this.fail('an array');
    return v.map((x, i) => new JsonNode(this.file, `${this.path}/${i}`, x));
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail('a string');
    return this.value as string;
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail('a number');
    return this.value as number;
  }

  /** A non-negative integer (counts, milliseconds). */
  count(): number {
    const n = this.value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) this.fail('a non-negative integer');
    return n as number;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail('true or false');
    return this.value as boolean;
  }

  /** read(this), or undefined when the value is absent or null. */
  optional<T>(read: (n: JsonNode) => T): T | undefined {
    return this.isMissing ? undefined : read(this);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
