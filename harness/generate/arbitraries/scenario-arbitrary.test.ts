// The property-scenario arbitraries: openings that turn paging on in the drawn mode, gpte
// encodings per format, and shrinking that goes to few ops and cleared flags.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../../mmus/registry.js';
import { u64ToHex } from '../../../mmus/x86/u64.js';
import { pagingMode } from '../../oracle/mode.js';
import { GEN_MODES } from '../geometry.js';
import { HIGH_SLOT } from '../layout.js';
import { encodeGpte } from './encode-gpte.js';
import { buildFixtureHierarchy } from './fixture-hierarchy.js';
import { gpteFieldsArbitrary, type GpteFields } from './gpte-fields-arbitrary.js';
import { drawnOpCount } from './opening-op-count.js';
import { scenarioArbitrary } from './scenario-arbitrary.js';

const NONE: GpteFields = {
  p: false, rw: false, us: false, pwt: false, pcd: false, a: false, d: false, ps: false, g: false,
  nx: false, pkey: 0, rsvdBit: null, target: 0,
};

describe('scenarioArbitrary', () => {
  it.each(GEN_MODES)('the %s opening succeeds and leaves that paging mode on', (mode) => {
    const reference = getBackend('reference');
    for (const s of fc.sample(scenarioArbitrary({ mode, minOps: 0, maxOps: 0 }), { seed: 7, numRuns: 20 })) {
      const b = reference.create(s.config);
      for (const op of s.ops) expect(b.apply(op).outcome).toBe('ok');
      expect(pagingMode(b.state())).toBe(mode);
      expect(drawnOpCount(s)).toBe(0);
    }
  });

  it('draws shadow-paging configs (no EPT A/D, no pku) and check ops', () => {
    const drawn = fc.sample(scenarioArbitrary({ minOps: 20, maxOps: 40 }), { seed: 9, numRuns: 150 });
    const shadow = drawn.filter((s) => s.config.host.tdp === 'none');
    expect(shadow.length).toBeGreaterThan(20);
    for (const s of shadow) {
      expect(s.config.host.eptAd).toBe(false);
      expect(s.config.cpu.features.has('pku')).toBe(false);
    }
    expect(drawn.filter((s) => s.ops.some((op) => op.op === 'check')).length).toBeGreaterThan(20);
  });

  it('draws between minOps and maxOps intents after the opening (a mapped gpte store is 2 ops, a stretch away up to 4)', () => {
    const drawn = fc.sample(scenarioArbitrary({ minOps: 3, maxOps: 9 }), { seed: 3, numRuns: 50 });
    for (const s of drawn) {
      expect(drawnOpCount(s)).toBeGreaterThanOrEqual(3);
      expect(drawnOpCount(s)).toBeLessThanOrEqual(4 * 9);
    }
    expect(drawn.filter((s) => drawnOpCount(s) <= 9).length).toBeGreaterThan(10);
    for (const s of fc.sample(scenarioArbitrary({ minOps: 0, maxOps: 1 }), { seed: 4, numRuns: 50 })) {
      expect(drawnOpCount(s)).toBeLessThanOrEqual(4);
    }
    expect(() => scenarioArbitrary({ minOps: 5, maxOps: 4 })).toThrow(RangeError);
  });

  it('draws the shadow situations: CR3 switches among the spaces with NOFLUSH, INVPCID, stores through table mappings, dirty logging of slot 0', () => {
    const drawn = fc.sample(scenarioArbitrary({ minOps: 20, maxOps: 60 }), { seed: 13, numRuns: 100 });
    const some = (p: (op: (typeof drawn)[number]['ops'][number]) => boolean) => drawn.filter((s) => s.ops.some(p)).length;
    const fixture = buildFixtureHierarchy('4-level');
    const spaces = new Set(fixture.spaces);
    expect(spaces.size).toBe(3);
    expect(some((op) => op.op === 'set' && op.reg === 'cr3' && op.value.hi >>> 31 === 1)).toBeGreaterThan(5);
    expect(some((op) => op.op === 'set' && op.reg === 'cr3' && spaces.has(op.value.lo & ~0xfff) && (op.value.lo & ~0xfff) !== fixture.root)).toBeGreaterThan(10);
    expect(some((op) => op.op === 'invpcid')).toBeGreaterThan(10);
    expect(some((op) => op.op === 'memslot' && op.slot === 0 && op.flags.includes('dirty_log'))).toBeGreaterThan(5);
    const aliases = new Set([...fixture.aliases.values()].map((g) => `${g.hi}:${g.lo}`));
    expect(some((op) => op.op === 'access' && op.kind === 'write' && aliases.has(`${op.gva.hi}:${op.gva.lo}`))).toBeGreaterThan(10);
  });

  it('shrinks a failure that needs one 4 KiB user write to a handful of ops', () => {
    const r = fc.check(
      fc.property(scenarioArbitrary({ minOps: 0 }), (s) => !s.ops.some((op) => op.op === 'access' && op.kind === 'write' && op.cpl === 3)),
      { seed: 11, numRuns: 100 },
    );
    expect(r.failed).toBe(true);
    expect(drawnOpCount(r.counterexample![0])).toBe(1);
  });
});

describe('encodeGpte', () => {
  const site = { level: 1, maxphyaddr: 40, original: 0x1234000, pool: [0x5000, 0x2000000, HIGH_SLOT.gpa] };
  const hex = (f: Partial<GpteFields>, at: Partial<typeof site> & { mode?: (typeof GEN_MODES)[number] } = {}) =>
    u64ToHex(encodeGpte({ ...NONE, ...f }, { mode: '4-level', ...site, ...at }));

  it('lays out flags, NX and PKEY in the 64-bit format', () => {
    expect(hex({})).toBe('0x1234000');
    expect(hex({ p: true, rw: true, us: true, a: true, d: true, g: true })).toBe('0x1234167');
    expect(hex({ p: true, nx: true, pkey: 3 })).toBe('0x9800000001234001');
    expect(hex({ target: 1 })).toBe('0x5000');
  });

  it('drops NX, PKEY and bits above 31 in the 32-bit format', () => {
    expect(hex({ p: true, nx: true, pkey: 3, rsvdBit: 51 }, { mode: '32-bit' })).toBe('0x1234001');
    expect(hex({ target: 3 }, { mode: '32-bit' })).toBe('0x0');
  });

  it('aligns large-page frames and puts PA[35:32] of a 4 MiB page in bits 16:13', () => {
    expect(hex({ ps: true }, { level: 2 })).toBe('0x1200080');
    expect(hex({ ps: true, target: 3 }, { level: 2, mode: '32-bit' })).toBe('0x2080');
    expect(hex({ ps: true, target: 3 }, { level: 3 })).toBe('0x100000080');
  });

  it('plants the chosen reserved bit (bit MAXPHYADDR only below 52)', () => {
    expect(hex({ rsvdBit: 'maxphyaddr' })).toBe('0x10001234000');
    expect(hex({ rsvdBit: 'maxphyaddr' }, { maxphyaddr: 52 })).toBe('0x1234000');
    expect(hex({ rsvdBit: 51 })).toBe('0x8000001234000');
    expect(hex({ rsvdBit: 13 })).toBe('0x1236000');
  });

  it('draws records whose fields all shrink to the empty entry', () => {
    const r = fc.check(fc.property(gpteFieldsArbitrary, () => false), { seed: 5 });
    expect(r.counterexample![0]).toEqual(NONE);
  });
});
