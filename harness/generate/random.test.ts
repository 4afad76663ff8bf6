import { describe, it, expect } from 'vitest';
import type { Op } from '../../mmus/backend.js';
import { u64ToBigInt } from '../../mmus/x86/u64.js';
import { CR0_PG } from '../../mmus/x86/bits.js';
import { parseScenario } from '../scenario/parse.js';
import { scenarioToJson } from '../scenario/encode.js';
import { generateDetailed, generateScenario, type GeneratedScenario } from './random.js';
import { pageBytes } from './geometry.js';
import { MUTATORS } from './mutators.js';
import { applySet, RESET_REGS } from './regs.js';

const N = 200;
const batch: GeneratedScenario[] = Array.from({ length: N }, (_, i) => generateDetailed('test-seed', i));

/** Did some access/gva_to_gpa aim inside a page the generator mapped? */
function aimsAtMapped(d: GeneratedScenario): boolean {
  const pages = d.state.hierarchies.flatMap((h) =>
    h.mappings.map((m) => [u64ToBigInt(m.gva), u64ToBigInt(m.gva) + BigInt(pageBytes(h.mode, m.level))] as const),
  );
  return d.scenario.ops.some((op) => {
    if (op.op !== 'access' && op.op !== 'gva_to_gpa') return false;
    const gva = u64ToBigInt(op.gva);
    return pages.some(([lo, hi]) => gva >= lo && gva < hi);
  });
}

/** Replays the scenario's register writes with the #GP rules: does CR0.PG ever end up set? */
function pagingTurnsOn(d: GeneratedScenario): boolean {
  let regs = RESET_REGS;
  for (const op of d.scenario.ops) {
    if (op.op !== 'set') continue;
    regs = applySet(regs, d.scenario.config.cpu, op.reg, op.value) ?? regs;
    if ((regs.cr0 & CR0_PG) !== 0) return true;
  }
  return false;
}

describe('generateScenario', () => {
  it('is deterministic in (seed, index, options)', () => {
    expect(generateScenario('s', 7)).toEqual(generateScenario('s', 7));
    expect(generateScenario('s', 7, { minOps: 5, maxOps: 9, tdp: 'npt' })).toEqual(
      generateScenario('s', 7, { minOps: 5, maxOps: 9, tdp: 'npt' }),
    );
  });

  it('differs between indices and seeds', () => {
    const text = (s: ReturnType<typeof generateScenario>) => JSON.stringify(scenarioToJson(s));
    expect(text(generateScenario('s', 7))).not.toBe(text(generateScenario('s', 8)));
    expect(text(generateScenario('s', 7))).not.toBe(text(generateScenario('t', 7)));
  });

  it(`produces ${N} scenarios that round-trip through the v1 format`, () => {
    for (const { scenario } of batch) {
      expect(parseScenario(scenarioToJson(scenario), scenario.name ?? '?')).toEqual(scenario);
    }
  });

  it('respects the op-count bounds and the config rules', () => {
    for (const { scenario } of batch) {
      expect(scenario.ops.length).toBeGreaterThanOrEqual(20);
      expect(scenario.ops.length).toBeLessThanOrEqual(120);
      expect([36, 39, 40, 46, 48, 52]).toContain(scenario.config.cpu.maxphyaddr);
      expect(['ept', 'npt', 'none']).toContain(scenario.config.host.tdp);
      expect(scenario.config.host.mbec).toBe(false);
    }
    for (let i = 0; i < 20; i++) {
      const s = generateScenario('small', i, { minOps: 3, maxOps: 6, tdp: 'ept' });
      expect(s.ops.length).toBeGreaterThanOrEqual(3);
      expect(s.ops.length).toBeLessThanOrEqual(6);
      expect(s.config.host.tdp).toBe('ept');
    }
  });

  it('rejects nonsense options', () => {
    expect(() => generateScenario('s', 0, { minOps: 10, maxOps: 5 })).toThrow(RangeError);
    expect(() => generateScenario('s', 0, { minOps: 0 })).toThrow(RangeError);
    expect(() => generateScenario('s', 0, { tdp: 'vmx' as 'ept' })).toThrow(RangeError);
    expect(() => generateScenario('s', 0, { shadowShare: 2 })).toThrow(RangeError);
  });

  it('records the generators it used in the description', () => {
    const d = batch[3];
    expect(d.scenario.description).toBe(`generated seed=test-seed index=3 mode=${d.mode} mutators=${d.mutators.join(',')}`);
    expect(d.mutators.length).toBeGreaterThan(0);
  });

  it('turns paging on in most scenarios, in every mode', () => {
    const on = batch.filter(pagingTurnsOn).length;
    expect(on / N).toBeGreaterThan(0.85);
    const modes = new Map<string, number>();
    for (const d of batch) modes.set(d.mode, (modes.get(d.mode) ?? 0) + 1);
    for (const mode of ['32-bit', 'pae', '4-level', '5-level']) expect(modes.get(mode) ?? 0).toBeGreaterThan(N / 20);
  });

  it('aims accesses at mapped addresses', () => {
    const paged = batch.filter((d) => d.mode !== 'off');
    const aimed = paged.filter(aimsAtMapped).length;
    expect(aimed).toBe(paged.length);
    // And most translations go to mapped pages, not noise.
    let total = 0;
    let mapped = 0;
    for (const d of paged) {
      for (const op of d.scenario.ops) {
        if (op.op !== 'access') continue;
        total++;
        if (aimsAtMapped({ ...d, scenario: { ...d.scenario, ops: [op] } })) mapped++;
      }
    }
    expect(mapped / total).toBeGreaterThan(0.5);
  });

  it('uses every generator of the table across a batch', () => {
    const used = new Set(batch.flatMap((d) => d.mutators));
    for (const m of MUTATORS) expect(used, m.name).toContain(m.name);
  });

  it('builds large pages, PAE PDPTs off page boundaries and tables above 4 GiB sometimes', () => {
    const levels = new Set<number>();
    let offPagePdpt = 0;
    let highTables = 0;
    for (const d of batch) {
      for (const h of d.state.hierarchies) {
        if (h.mode === 'pae' && h.root % 0x1000 !== 0) offPagePdpt++;
        for (const m of h.mappings) levels.add(m.level);
      }
      for (const t of d.state.tables.keys()) if (t >= 2 ** 32) highTables++;
    }
    expect([...levels].sort()).toEqual([1, 2, 3]);
    expect(offPagePdpt).toBeGreaterThan(0);
    expect(highTables).toBeGreaterThan(0);
  });

  it('mixes op kinds', () => {
    const kinds = new Map<Op['op'], number>();
    for (const d of batch) for (const op of d.scenario.ops) kinds.set(op.op, (kinds.get(op.op) ?? 0) + 1);
    const total = [...kinds.values()].reduce((a, b) => a + b, 0);
    for (const k of ['write', 'read', 'access', 'gva_to_gpa', 'set', 'invlpg', 'invpcid', 'memslot'] as const) {
      expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    }
    expect((kinds.get('access') ?? 0) / total).toBeGreaterThan(0.3);
  });
});
