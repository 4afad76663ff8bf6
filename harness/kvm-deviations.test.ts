// corpus/kvm-deviations/: the known KVM deviations of docs/model-contract-shadow.md ("Known
// KVM deviations"), one scenario each. Legacy and refactored agree (it is what KVM does), and
// both differ from the architectural reference exactly at the documented op, class `outcome`.
// The same scenarios with their register writes passed through the generator's deviation guard
// no longer diverge, and `mmufuzz fuzz --kvm-deviations` reaches the generator option.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../mmus/registry.js';
import { fuzzOptionsFromArgs } from './cli/commands/fuzz.js';
import { guardOps } from './generate/kvm-deviation-guard.js';
import { deviationTriggers, type DeviationTrigger } from './generate/kvm-deviation-triggers.js';
import { runOracle } from './oracle/oracle.js';
import { renderDivergence } from './oracle/report.js';
import { loadScenarioFile } from './scenario/parse.js';

const DIR = fileURLToPath(new URL('../corpus/kvm-deviations/', import.meta.url));
const legacy = getBackend('legacy');
const refactored = getBackend('refactored');
const reference = getBackend('reference');

interface Expected {
  readonly file: string;
  /** The op where the KVM models complete and the reference faults. */
  readonly index: number;
  readonly trigger: DeviationTrigger;
}

const CASES: readonly Expected[] = [
  { file: 'pse-toggle-stale-4m.json', index: 6, trigger: 'pse-toggle' },
  { file: 'nxe-clear-stale-xd-pae.json', index: 10, trigger: 'nxe-clear' },
  { file: 'wp0-smap-ac-kernelized-page.json', index: 8, trigger: 'smap-ac-write' },
];

describe('corpus/kvm-deviations', () => {
  it('holds exactly the documented cases', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  describe.each(CASES)('$file', ({ file, index, trigger }) => {
    const scenario = loadScenarioFile(DIR + file);

    it('runs under shadow paging and contains its trigger', () => {
      expect(scenario.config.host.tdp).toBe('none');
      expect(deviationTriggers(scenario)).toContain(trigger);
    });

    it('legacy and refactored agree', () => {
      const r = runOracle(scenario, [legacy, refactored]);
      expect(r.divergence, renderDivergence(r, scenario)).toBeNull();
    });

    it.each(['legacy', 'refactored'])(`%s differs from the reference at op ${index}: ok where the SDM faults`, (name) => {
      const d = runOracle(scenario, [getBackend(name), reference]).divergence;
      expect(d).not.toBeNull();
      expect(d!.index).toBe(index);
      expect(d!.class).toBe('outcome');
      expect(d!.field).toBe('outcome');
      expect(d!.values).toEqual(['ok', 'page_fault']);
      expect(d!.signature).toMatch(new RegExp(`^outcome/access/outcome/shadow-[a-z0-9-]+/${name}~reference$`));
    });

    it('no longer diverges once the deviation guard adjusts its register writes', () => {
      const guarded = { ...scenario, ops: guardOps(scenario.ops, scenario.config.cpu) };
      expect(guarded.ops).not.toEqual(scenario.ops);
      expect(deviationTriggers(guarded)).toEqual([]);
      const r = runOracle(guarded, [legacy, refactored, reference]);
      expect(r.divergence, renderDivergence(r, guarded)).toBeNull();
    });
  });
});

describe('mmufuzz fuzz --kvm-deviations', () => {
  it('maps to the kvmDeviations option, absent when not given', () => {
    expect(fuzzOptionsFromArgs({ backends: 'legacy', findings: 'f', 'kvm-deviations': true, kvmDeviations: true }).kvmDeviations).toBe(true);
    expect(fuzzOptionsFromArgs({ backends: 'legacy', findings: 'f', 'kvm-deviations': false, kvmDeviations: false })).not.toHaveProperty('kvmDeviations');
  });
});
