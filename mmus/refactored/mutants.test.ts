// Every planted mutant changes an observation on a small hand-built scenario: the faithful model
// gives the hand-derived value, the mutant the hand-derived wrong one.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { refactoredBackend, refactoredMutantBackend, REFACTORED_MUTANTS } from './index.js';
import { SHADOW_MUTANT_CASES } from './shadow/shadow-mutant-cases.js';
import {
  adEvents,
  backend,
  brief,
  CR0_PE_PG,
  CR4_LA57,
  CR4_PAE,
  CR4_PKE,
  CR4_PSE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_LME,
  EFER_NXE,
  enter4Level,
  flushes,
  op,
  run,
  setup,
  tables4,
  type TestConfig,
} from './test-kit.js';

const GVA = 0x40201234;
const OK = { outcome: 'ok', gpa: 0x5234, level: 1 };
const pf = (errorCode: number) => ({ outcome: 'page_fault', errorCode });

interface MutantCase {
  config?: TestConfig;
  /** Runs the scenario and returns the observation that differs. */
  scenario: (b: Backend) => unknown;
  faithful: unknown;
  mutant: unknown;
}

function enterPae(b: Backend): void {
  setup(b, [
    op.w8(0x1008, 0x2001),
    op.w8(0x2008, 0x3007),
    op.w8(0x3008, 0x4007),
    op.set('cr4', CR4_PAE),
    op.set('cr3', 0x1000),
    op.set('cr0', CR0_PE_PG),
  ]);
}

const CASES: Record<string, MutantCase> = {
  'wp-toggle-no-walker-reinit': {
    scenario: (b) => {
      setup(b, tables4(0x5005));
      enter4Level(b);
      expect(brief(b.apply(op.acc(GVA, 'write')))).toEqual(pf(0x3));
      setup(b, [op.set('cr0', CR0_PE_PG)]);
      return brief(b.apply(op.acc(GVA, 'write')));
    },
    faithful: OK,
    mutant: pf(0x3),
  },
  'smap-implicit-honors-ac': {
    scenario: (b) => {
      setup(b, tables4());
      enter4Level(b, { cr4: CR4_SMAP });
      setup(b, [op.set('rflags', 0x40000)]);
      return brief(b.apply(op.acc(GVA, 'read', 0, true)));
    },
    faithful: pf(0x1),
    mutant: OK,
  },
  'nx-rsvd-stale-efer': {
    scenario: (b) => {
      setup(b, tables4(0x8000000000005007n));
      enter4Level(b);
      expect(brief(b.apply(op.acc(GVA)))).toEqual(OK);
      setup(b, [op.set('efer', EFER_LME)]);
      return brief(b.apply(op.acc(GVA)));
    },
    faithful: pf(0x9),
    mutant: OK,
  },
  'pdptr-from-memory': {
    config: { tdp: 'ept' },
    scenario: (b) => {
      enterPae(b);
      setup(b, [op.w8(0x1008, 0)]);
      return brief(b.apply(op.acc(0x40201234)));
    },
    faithful: { outcome: 'ok', gpa: 0x4234, level: 1 },
    mutant: pf(0),
  },
  'pse36-high-bits-dropped': {
    scenario: (b) => {
      setup(b, [op.w4(0x1010, 0x00406087), op.set('cr4', CR4_PSE), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
      return brief(b.apply(op.g2g(0x01000123)));
    },
    faithful: { outcome: 'ok', gpa: 0x300400123, level: 2 },
    mutant: { outcome: 'ok', gpa: 0x400123, level: 2 },
  },
  'pkru-mask-not-recomputed': {
    scenario: (b) => {
      setup(b, tables4(0x0800000000005007n));
      enter4Level(b);
      setup(b, [op.set('cr4', CR4_PAE | CR4_PKE), op.set('pkru', 0x4)]);
      return brief(b.apply(op.acc(GVA, 'read', 3)));
    },
    faithful: pf(0x25),
    mutant: OK,
  },
  'accessed-on-faulting-walk': {
    scenario: (b) => {
      setup(b, tables4(0x5003));
      enter4Level(b);
      const o = b.apply(op.acc(GVA, 'read', 3));
      return [o.errorCode, adEvents(o)];
    },
    faithful: [0x5, []],
    mutant: [
      0x5,
      [
        [0x1000, 0x2027n],
        [0x2008, 0x3027n],
        [0x3008, 0x4027n],
        [0x4008, 0x5023n],
      ],
    ],
  },
  'gbpages-without-cpuid': {
    config: { features: ['nx'] },
    scenario: (b) => {
      setup(b, [...tables4(), op.w8(0x2010, 0x80000087)]);
      enter4Level(b);
      return brief(b.apply(op.g2g(0x80001234)));
    },
    faithful: pf(0x9),
    mutant: { outcome: 'ok', gpa: 0x80001234, level: 3 },
  },
  'fetch-bit-ignores-smep': {
    scenario: (b) => {
      enter4Level(b, { nx: false, cr4: CR4_SMEP });
      return brief(b.apply(op.acc(0x7000, 'fetch')));
    },
    faithful: pf(0x10),
    mutant: pf(0x0),
  },
  'pml4-bit8-reserved-on-intel': {
    config: { tdp: 'ept' },
    scenario: (b) => {
      setup(b, [...tables4(), op.w8(0x1000, 0x2107)]);
      enter4Level(b);
      return brief(b.apply(op.acc(GVA)));
    },
    faithful: OK,
    mutant: pf(0x9),
  },
  'smep-enable-no-flush': {
    scenario: (b) => flushes(b.apply(op.set('cr4', CR4_SMEP))),
    faithful: ['current'],
    mutant: [],
  },
  'memslot-zap-misses-last-gfn': {
    config: { memslots: [{ slot: 0, gpa: 0, size: 0x2000 }] },
    scenario: (b) => {
      run(b, [op.acc(0x0), op.acc(0x1000)]);
      return b.apply(op.slot('delete', 0)).events.map((e) => (e.type === 'zap' ? e.gfn : e.type));
    },
    faithful: [0, 1, 'flush'],
    mutant: [0, 'flush'],
  },
  'wp0-write-term-applies-to-user': {
    scenario: (b) => {
      setup(b, tables4(0x5005));
      enter4Level(b, { wp: false });
      return brief(b.apply(op.acc(GVA, 'write', 3)));
    },
    faithful: pf(0x7),
    mutant: OK,
  },
  'guest-rsvd-from-host-maxphyaddr': {
    config: { maxphyaddr: 46 },
    scenario: (b) => {
      setup(b, tables4(0x0008000000005007n));
      enter4Level(b);
      return brief(b.apply(op.g2g(GVA)));
    },
    faithful: pf(0x9),
    mutant: { outcome: 'ok', gpa: 0x8000000005234, level: 1 },
  },
  'la57-ignored-in-role': {
    scenario: (b) => {
      setup(b, [op.w8(0x1008, 0x2007), op.w8(0x2000, 0x3007), op.w8(0x3008, 0x4007), op.w8(0x4008, 0x5007), op.w8(0x5008, 0x6007)]);
      setup(b, [op.set('efer', EFER_LME | EFER_NXE), op.set('cr4', CR4_PAE | CR4_LA57), op.set('cr3', 0x1000), op.set('cr0', CR0_PE_PG)]);
      return brief(b.apply(op.acc(0x0001_0000_4020_1234n)));
    },
    faithful: { outcome: 'ok', gpa: 0x6234, level: 1 },
    mutant: pf(0),
  },
  'pdptr-no-reload-same-cr3': {
    config: { tdp: 'ept' },
    scenario: (b) => {
      enterPae(b);
      setup(b, [op.w8(0x1008, 0), op.set('cr3', 0x1000)]);
      return brief(b.apply(op.acc(0x40201234)));
    },
    faithful: pf(0),
    mutant: { outcome: 'ok', gpa: 0x4234, level: 1 },
  },
  'dirty-on-nonleaf': {
    scenario: (b) => {
      setup(b, tables4());
      enter4Level(b);
      return adEvents(b.apply(op.acc(GVA, 'write')));
    },
    faithful: [
      [0x1000, 0x2027n],
      [0x2008, 0x3027n],
      [0x3008, 0x4027n],
      [0x4008, 0x5067n],
    ],
    mutant: [
      [0x1000, 0x2067n],
      [0x2008, 0x3067n],
      [0x3008, 0x4067n],
      [0x4008, 0x5067n],
    ],
  },
};

describe('mutant catalogue', () => {
  it('lists at least 12 mutants, each with a description and a case (here or in shadow/)', () => {
    expect(REFACTORED_MUTANTS.length).toBeGreaterThanOrEqual(12);
    for (const m of REFACTORED_MUTANTS) {
      expect(m.description.length).toBeGreaterThan(10);
      expect(CASES[m.name] ?? SHADOW_MUTANT_CASES[m.name], m.name).toBeDefined();
    }
    expect([...Object.keys(CASES), ...Object.keys(SHADOW_MUTANT_CASES)].sort()).toEqual(REFACTORED_MUTANTS.map((m) => m.name).sort());
  });

  it('mutant factories are named refactored and describe their mutant; unknown names throw', () => {
    const f = refactoredMutantBackend('smep-enable-no-flush');
    expect(f.name).toBe('refactored');
    expect(f.fidelity).toBe('kvm');
    expect(f.description).toContain('smep-enable-no-flush');
    expect(refactoredBackend.description).not.toContain('mutant');
    expect(() => refactoredMutantBackend('no-such-mutant')).toThrow(/unknown/);
  });

  it('accepts shadow paging and refuses MBEC configs', () => {
    const base = { cpu: { maxphyaddr: 46, features: new Set<never>() }, memslots: [] };
    expect(() => refactoredBackend.create({ ...base, host: { tdp: 'none', eptAd: false, mbec: false } })).not.toThrow();
    expect(() => refactoredBackend.create({ ...base, host: { tdp: 'ept', eptAd: true, mbec: true } })).toThrow();
  });
});

describe('each mutant is observable', () => {
  for (const m of REFACTORED_MUTANTS) {
    const c = CASES[m.name];
    if (c === undefined) continue;
    it(m.name, () => {
      expect(c.scenario(backend(c.config))).toEqual(c.faithful);
      expect(c.scenario(backend(c.config, m.name))).toEqual(c.mutant);
    });
  }
});
