// The seed corpus (corpus/, built by mmus/testing/seed-corpus) against its hand-written
// expectations: each file must be exactly what its definition writes, and every backend must
// observe what the definition expects at the ops that make each scenario's point (outcome, gpa,
// level, error code, values read back, number of A/D updates; KVM event kinds for 'kvm' backends).
// harness/corpus.test.ts separately requires the backends to agree on every op of every file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Observation } from './backend.js';
import { getBackend } from './registry.js';
import { runOps } from './testing/run-ops.js';
import { seedScenarios, type Expect } from './testing/seed-corpus/index.js';
import { seedScenarioText } from './testing/seed-corpus/scenario-json.js';
import { u64FromBigInt, u64ToHex } from './x86/u64.js';

const BACKENDS = ['legacy', 'refactored', 'reference'] as const;
const CORPUS = fileURLToPath(new URL('../corpus/', import.meta.url));

const hex = (v: number | bigint) => u64ToHex(u64FromBigInt(BigInt(v)));

/** The fields of `o` that `e` pins down, shaped like expected(e). */
function observed(o: Observation, e: Expect, kvm: boolean): Record<string, unknown> {
  const r: Record<string, unknown> = { outcome: o.outcome };
  if (e.gpa !== undefined) r.gpa = o.gpa === undefined ? 'none' : hex(o.gpa);
  if (e.level !== undefined) r.level = o.level;
  if (e.errorCode !== undefined) r.errorCode = o.errorCode === undefined ? 'none' : hex(o.errorCode);
  if (e.address !== undefined) r.address = o.address === undefined ? 'none' : u64ToHex(o.address);
  if (e.value !== undefined) r.value = o.value === undefined ? 'none' : u64ToHex(o.value);
  if (e.setAd !== undefined) r.setAd = o.events.filter((ev) => ev.type === 'set_ad').length;
  if (e.events !== undefined && kvm) r.events = o.events.map((ev) => ev.type);
  return r;
}

function expected(e: Expect, kvm: boolean): Record<string, unknown> {
  const r: Record<string, unknown> = { outcome: e.outcome };
  if (e.gpa !== undefined) r.gpa = hex(e.gpa);
  if (e.level !== undefined) r.level = e.level;
  if (e.errorCode !== undefined) r.errorCode = hex(e.errorCode);
  if (e.address !== undefined) r.address = hex(e.address);
  if (e.value !== undefined) r.value = hex(e.value);
  if (e.setAd !== undefined) r.setAd = e.setAd;
  if (e.events !== undefined && kvm) r.events = [...e.events];
  return r;
}

const seeds = seedScenarios();

describe('seed corpus files match their definitions', () => {
  for (const s of seeds) {
    it(s.file, () => {
      const text = readFileSync(CORPUS + s.file, 'utf8');
      expect(text, `corpus/${s.file} is stale: regenerate it (mmus/testing/seed-corpus/write-corpus.ts)`).toBe(
        seedScenarioText(s),
      );
    });
  }
});

describe.each(BACKENDS)('seed corpus expectations on %s', (name) => {
  const factory = getBackend(name);
  const kvm = factory.fidelity === 'kvm';
  for (const s of seeds) {
    it(s.file, () => {
      const obs = runOps(factory, s.config, s.ops);
      const got: string[] = [];
      const want: string[] = [];
      for (const [i, e] of s.expects) {
        got.push(`#${i} ${s.ops[i].op}: ${JSON.stringify(observed(obs[i], e, kvm))}`);
        want.push(`#${i} ${s.ops[i].op}: ${JSON.stringify(expected(e, kvm))}`);
      }
      expect(got).toEqual(want);
    });
  }
});
