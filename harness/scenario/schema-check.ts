// Validates a document against SCENARIO_SCHEMA and turns ajv's verdict into ONE ScenarioError
// that says, in the user's terms, where and what was expected. Ops and memslot actions are
// discriminated (ajv `discriminator`), so an error is the one of the op the user meant.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { childPointer, ScenarioError } from './errors.js';
import { HEX64_PATTERN, SCENARIO_SCHEMA } from './schema.js';

type SchemaNode = Record<string, unknown>;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ discriminator: true, verbose: true, allErrors: false });
    compiled = ajv.compile(SCENARIO_SCHEMA);
  }
  return compiled;
}

/** Throws a ScenarioError unless json satisfies the format-1 schema. */
export function checkSchema(json: unknown, file: string): void {
  const validate = validator();
  if (validate(json)) return;
  const errors = validate.errors ?? [];
  const e = mostSpecific(errors);
  if (e === undefined) throw new ScenarioError(file, '', 'a format-1 scenario document');
  const [path, expected] = explain(e);
  throw new ScenarioError(file, path, expected);
}

/** The deepest error that is not a mere combinator summary (oneOf/if failed because a branch did). */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const summaries = new Set(['oneOf', 'anyOf', 'allOf', 'if', 'not']);
  const candidates = errors.filter((e) => !summaries.has(e.keyword));
  const pool = candidates.length > 0 ? candidates : errors;
  let best: ErrorObject | undefined;
  for (const e of pool) {
    if (best === undefined || depth(e.instancePath) > depth(best.instancePath)) best = e;
  }
  return best;
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length;
}

/** [JSON pointer, expected text] for one ajv error. */
function explain(e: ErrorObject): [string, string] {
  const at = e.instancePath;
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const data = e.data as unknown;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const wanted = propertySchema(parent, missing);
      return [childPointer(at, missing), `${describeSchema(wanted)}, got nothing (${requiredBy(data)})`];
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as SchemaNode).map((k) => JSON.stringify(k));
      return [
        childPointer(at, extra),
        `one of the properties ${allowed.join(', ')}${context(data)}, got ${JSON.stringify(extra)}`,
      ];
    }
    case 'uniqueItems': {
      const list = Array.isArray(data) ? data : [];
      const later = Number(params.i);
      const earlier = Number(params.j);
      return [
        childPointer(at, later),
        `each value at most once, got ${show(list[later])} again (also at ${childPointer(at, earlier)})`,
      ];
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const value = data !== null && typeof data === 'object' ? (data as SchemaNode)[tag] : undefined;
      return [childPointer(at, tag), `${describeSchema(propertySchema(parent, tag))}, got ${show(value)}`];
    }
    case 'type':
    case 'enum':
    case 'const':
    case 'pattern':
    case 'minimum':
    case 'maximum':
      return [at, `${describeSchema(parent)}, got ${show(data)}${hexHint(parent, data)}`];
    default:
      return [at, `a value that satisfies "${e.message ?? e.keyword}", got ${show(data)}`];
  }
}

function propertySchema(parent: SchemaNode, key: string): SchemaNode | undefined {
  const props = parent.properties as Record<string, SchemaNode> | undefined;
  return props?.[key];
}

/** Follows a local `#/definitions/x` reference. */
function resolve(s: SchemaNode | undefined): SchemaNode | undefined {
  const r = s?.$ref;
  if (typeof r !== 'string') return s;
  const defs = SCENARIO_SCHEMA.definitions as Record<string, SchemaNode>;
  return defs[r.replace('#/definitions/', '')];
}

/** What a schema accepts, in words. */
export function describeSchema(schema: SchemaNode | undefined): string {
  const s = resolve(schema);
  if (s === undefined) return 'a value';
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) {
    const values = s.enum.map((v) => JSON.stringify(v));
    return values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
  }
  switch (s.type) {
    case 'string':
      return s.pattern === HEX64_PATTERN ? 'a hex string "0x" followed by 1 to 16 hex digits' : 'a string';
    case 'integer':
      return s.minimum !== undefined && s.maximum !== undefined
        ? `an integer from ${s.minimum} to ${s.maximum}`
        : 'an integer';
    case 'boolean':
      return 'true or false';
    case 'array':
      return `an array${arrayItems(s.items as SchemaNode | undefined)}`;
    case 'object':
      return 'an object';
    default:
      return 'a value';
  }
}

function arrayItems(items: SchemaNode | undefined): string {
  if (items?.$ref === '#/definitions/op') return ' of operations';
  if (items?.$ref === '#/definitions/memslot') return ' of memslots';
  const s = resolve(items);
  if (s && Array.isArray(s.enum)) return ` of distinct values from ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  return '';
}

/** ` for op "memslot" action "add"` when the object says which op it is. */
function context(data: unknown): string {
  if (data === null || typeof data !== 'object') return '';
  const d = data as SchemaNode;
  if (typeof d.op !== 'string') return '';
  return typeof d.action === 'string' ? ` for op "${d.op}" action "${d.action}"` : ` for op "${d.op}"`;
}

function requiredBy(data: unknown): string {
  const ctx = context(data);
  return ctx === '' ? 'a required property is missing' : `a required property${ctx} is missing`;
}

/** A number where a hex string belongs is the commonest slip: show the spelling wanted. */
function hexHint(schema: SchemaNode, data: unknown): string {
  if (schema.pattern !== HEX64_PATTERN) return '';
  if (typeof data !== 'number' || !Number.isSafeInteger(data) || data < 0) return '';
  return ` (write it as "0x${data.toString(16)}")`;
}

/** A value as it appeared in the document, shortened. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 56)}..."` : s;
}
