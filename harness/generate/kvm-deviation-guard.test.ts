// The known-KVM-deviation guard: generated shadow-paging scenarios (random generator, property
// arbitrary, byte decoder) never contain the three triggers unless kvmDeviations is asked for,
// and TDP scenarios are the same either way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { u64 } from '../../mmus/x86/u64.js';
import { CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PSE, CR4_SMAP, EFER_NXE, RFLAGS_AC, RFLAGS_FIXED } from '../../mmus/x86/bits.js';
import { decodeScenario } from '../engines/decode.js';
import type { Scenario } from '../scenario/scenario.js';
import { scenarioArbitrary } from './arbitraries/scenario-arbitrary.js';
import { KvmDeviationGuard } from './kvm-deviation-guard.js';
import { deviationTriggers, type DeviationTrigger } from './kvm-deviation-triggers.js';
import { resolveGeneratorOptions } from './options.js';
import { generateScenario } from './random.js';
import { RESET_REGS, type Regs } from './regs.js';
import { Rng } from './rng.js';

const N = 3000;
const CPU = { maxphyaddr: 36, features: new Set(['nx', 'smap', 'smep'] as const) };
const PAGING = (CR0_PG | CR0_PE) >>> 0;

function triggerCounts(scenarios: Iterable<Scenario>): Map<DeviationTrigger, number> {
  const counts = new Map<DeviationTrigger, number>();
  for (const s of scenarios) for (const t of deviationTriggers(s)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

function* shadowScenarios(kvmDeviations: boolean): Iterable<Scenario> {
  for (let i = 0; i < N; i++) yield generateScenario('kvm-deviations', i, { tdp: 'none', kvmDeviations });
}

describe('KvmDeviationGuard.adjust', () => {
  const regs = (r: Partial<Regs>): Regs => ({ ...RESET_REGS, ...r });

  it('keeps CR4.PSE once 32-bit paging ran, also across paging off and PAE', () => {
    const g = new KvmDeviationGuard(CPU);
    const before = regs({ cr0: PAGING, cr4: CR4_PSE });
    expect(g.adjust(before, 'cr4', u64(0))).toEqual(u64(0)); // nothing ran yet
    g.observe(before);
    expect(g.adjust(before, 'cr4', u64(0))).toEqual(u64(CR4_PSE));
    expect(g.adjust(regs({ cr0: CR0_PE, cr4: CR4_PSE }), 'cr4', u64(0))).toEqual(u64(CR4_PSE));
    expect(g.adjust(regs({ cr0: PAGING, cr4: CR4_PAE | CR4_PSE }), 'cr4', u64(CR4_PAE))).toEqual(u64(CR4_PAE | CR4_PSE));
  });

  it('keeps EFER.NXE set under paging, and once PAE or long-mode paging ran with it', () => {
    const g = new KvmDeviationGuard(CPU);
    g.observe(regs({ cr0: PAGING, efer: EFER_NXE }));
    expect(g.adjust(regs({ cr0: PAGING, efer: EFER_NXE }), 'efer', u64(0))).toEqual(u64(EFER_NXE)); // paging on
    expect(g.adjust(regs({ cr0: CR0_PE, efer: EFER_NXE }), 'efer', u64(0))).toEqual(u64(0)); // only 32-bit paging ran
    g.observe(regs({ cr0: PAGING, cr4: CR4_PAE, efer: EFER_NXE }));
    expect(g.adjust(regs({ cr0: CR0_PE, efer: EFER_NXE }), 'efer', u64(0))).toEqual(u64(EFER_NXE));
  });

  it('never lets RFLAGS.AC meet paging, CR0.WP = 0 and CR4.SMAP', () => {
    const g = new KvmDeviationGuard(CPU);
    const ac = (RFLAGS_FIXED | RFLAGS_AC) >>> 0;
    expect(g.adjust(regs({ cr0: PAGING, cr4: CR4_SMAP }), 'rflags', u64(ac))).toEqual(u64(RFLAGS_FIXED));
    expect(g.adjust(regs({ cr0: (PAGING | CR0_WP) >>> 0, cr4: CR4_SMAP, rflags: ac }), 'cr0', u64(PAGING))).toEqual(u64((PAGING | CR0_WP) >>> 0));
    expect(g.adjust(regs({ cr0: PAGING, rflags: ac }), 'cr4', u64(CR4_SMAP))).toEqual(u64(0));
    // Any two of the three are fine.
    expect(g.adjust(regs({ cr0: PAGING, cr4: CR4_SMAP }), 'rflags', u64(RFLAGS_FIXED))).toEqual(u64(RFLAGS_FIXED));
    expect(g.adjust(regs({ cr0: (PAGING | CR0_WP) >>> 0, cr4: CR4_SMAP }), 'rflags', u64(ac))).toEqual(u64(ac));
  });

  it('leaves a write that raises #GP as it was', () => {
    const g = new KvmDeviationGuard({ maxphyaddr: 36, features: new Set() });
    // SMAP without the feature: #GP, so clearing SMAP would wrongly make the write valid.
    expect(g.adjust(regs({ cr0: PAGING, rflags: (RFLAGS_FIXED | RFLAGS_AC) >>> 0 }), 'cr4', u64(CR4_SMAP))).toEqual(u64(CR4_SMAP));
  });
});

describe('the random generator', () => {
  it(`makes no trigger in ${N} shadow-paging scenarios by default`, () => {
    expect(Object.fromEntries(triggerCounts(shadowScenarios(false)))).toEqual({});
  });

  it('makes every trigger with kvmDeviations', () => {
    const counts = triggerCounts(shadowScenarios(true));
    for (const t of ['pse-toggle', 'pse-reentry', 'nxe-clear', 'smap-ac-write'] as const) expect(counts.get(t) ?? 0, t).toBeGreaterThan(0);
  });

  it('builds the same TDP scenarios with or without kvmDeviations (mixed hosts too)', () => {
    for (let i = 0; i < 200; i++) {
      for (const tdp of ['ept', 'npt', undefined] as const) {
        const a = generateScenario('kvm-deviations-tdp', i, tdp === undefined ? {} : { tdp });
        if (a.config.host.tdp === 'none') continue;
        expect(generateScenario('kvm-deviations-tdp', i, { ...(tdp === undefined ? {} : { tdp }), kvmDeviations: true })).toEqual(a);
      }
    }
  });

  it('is deterministic with the guard on', () => {
    expect(generateScenario('kvm-deviations', 17, { tdp: 'none' })).toEqual(generateScenario('kvm-deviations', 17, { tdp: 'none' }));
  });

  it('validates the option and keeps it out of resolved options when off', () => {
    expect(resolveGeneratorOptions({})).not.toHaveProperty('kvmDeviations');
    expect(resolveGeneratorOptions({ kvmDeviations: false })).not.toHaveProperty('kvmDeviations');
    expect(resolveGeneratorOptions({ kvmDeviations: true }).kvmDeviations).toBe(true);
    expect(() => resolveGeneratorOptions({ kvmDeviations: 'yes' as unknown as boolean })).toThrow(RangeError);
  });
});

describe('intent-built scenarios', () => {
  it('the property arbitrary makes no trigger under shadow paging by default, and does with kvmDeviations', () => {
    const draw = (kvmDeviations: boolean) =>
      fc.sample(scenarioArbitrary({ minOps: 40, maxOps: 80, kvmDeviations }), { seed: 21, numRuns: 600 }).filter((s) => s.config.host.tdp === 'none');
    const guarded = draw(false);
    expect(guarded.length).toBeGreaterThan(100);
    expect(Object.fromEntries(triggerCounts(guarded))).toEqual({});
    expect(triggerCounts(draw(true)).size).toBeGreaterThan(0);
  });

  it('the byte decoder makes no trigger under shadow paging', () => {
    const rng = new Rng('kvm-deviations-decode');
    const inputs: Scenario[] = [];
    for (let i = 0; i < 1500; i++) {
      const bytes = Uint8Array.from({ length: 8 + 4 * (10 + rng.int(60)) }, () => rng.int(256));
      bytes[0] |= 3; // host none
      inputs.push(decodeScenario(bytes));
    }
    expect(inputs.every((s) => s.config.host.tdp === 'none')).toBe(true);
    expect(Object.fromEntries(triggerCounts(inputs))).toEqual({});
  });

  it('32-bit shadow scenarios still get both CR4.PSE values and PAE ones both EFER.NXE values', () => {
    const drawn = fc.sample(scenarioArbitrary({ minOps: 20, maxOps: 40 }), { seed: 5, numRuns: 800 }).filter((s) => s.config.host.tdp === 'none');
    const cr4Of = (s: Scenario) => s.ops.find((op) => op.op === 'set' && op.reg === 'cr4');
    const thirtyTwo = drawn.filter((s) => s.name === 'fc-32-bit');
    const pse = new Set(thirtyTwo.map((s) => ((cr4Of(s)?.op === 'set' ? (cr4Of(s) as { value: { lo: number } }).value.lo : 0) & CR4_PSE) !== 0));
    expect(pse).toEqual(new Set([true, false]));
    const withNx = drawn.filter((s) => s.name !== 'fc-32-bit' && s.config.cpu.features.has('nx'));
    const nxe = new Set(withNx.map((s) => s.ops.some((op) => op.op === 'set' && op.reg === 'efer' && (op.value.lo & EFER_NXE) !== 0)));
    expect(nxe).toEqual(new Set([true, false]));
  });
});
