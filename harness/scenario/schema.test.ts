import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scenarioToJson } from './encode.js';
import { SCENARIO_SCHEMA } from './schema.js';
import { scenarioArb } from './test-arbitrary.js';

const SCHEMA_JSON = new URL('./schema.json', import.meta.url);
const TEXT = `${JSON.stringify(SCENARIO_SCHEMA, null, 2)}\n`;

describe('schema.json', () => {
  it('is SCENARIO_SCHEMA (regenerate: MMUFUZZ_WRITE_SCHEMA=1 npx vitest run harness/scenario/schema.test.ts)', () => {
    if (process.env.MMUFUZZ_WRITE_SCHEMA === '1') writeFileSync(SCHEMA_JSON, TEXT);
    expect(readFileSync(SCHEMA_JSON, 'utf8')).toBe(TEXT);
  });

  it('is a valid draft-07 schema that compiles in strict mode', () => {
    const ajv = new Ajv({ discriminator: true, strict: true });
    expect(ajv.validateSchema(SCENARIO_SCHEMA)).toBe(true);
    expect(() => ajv.compile(SCENARIO_SCHEMA)).not.toThrow();
  });

  it('accepts every encoded scenario even for a validator that ignores `discriminator`', () => {
    // `discriminator` only sharpens error messages; as plain oneOf the schema means the same.
    const plain = new Ajv({ strict: false }).compile(JSON.parse(TEXT));
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const ok = plain(JSON.parse(JSON.stringify(scenarioToJson(s))));
        expect(plain.errors ?? []).toStrictEqual([]);
        expect(ok).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
