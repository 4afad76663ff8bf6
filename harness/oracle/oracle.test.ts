import { describe, it, expect } from 'vitest';
import {
  UnsupportedConfigError,
  type Backend,
  type BackendFactory,
  type Config,
  type Observation,
  type Op,
  type VcpuState,
} from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { RESET_STATE, runOracle } from './oracle.js';

const config: Config = {
  cpu: { maxphyaddr: 46, features: new Set(['nx']) },
  host: { tdp: 'ept', eptAd: true, mbec: false },
  memslots: [{ slot: 0, gpa: 0, size: 0x4000000, flags: [] }],
};

const access = (lo: number): Op => ({ op: 'access', gva: u64(lo), kind: 'read', cpl: 0, implicit: false });
const set = (reg: 'cr0' | 'cr4' | 'efer', lo: number): Op => ({ op: 'set', reg, value: u64(lo) });

const scenario: Scenario = {
  format: SCENARIO_FORMAT,
  config,
  ops: [set('cr4', 0x20), set('efer', 0x900), set('cr0', 0x80010011), access(0x1000), access(0x2000), access(0x3000)],
};

interface FakeOptions {
  name?: string;
  fidelity?: 'kvm' | 'architectural';
  /** Called per op; returns a replacement observation, or throws. */
  tweak?: (i: number, o: Observation) => Observation;
  createThrows?: Error;
}

/** A toy backend: identity translation, tracks CR0/CR4/EFER (LMA follows PG with LME). */
function fake(opts: FakeOptions = {}): BackendFactory & { creations: number } {
  const f = {
    name: opts.name ?? 'fake',
    description: 'test double',
    fidelity: opts.fidelity ?? 'kvm',
    creations: 0,
    create(_: Config): Backend {
      f.creations++;
      if (opts.createThrows) throw opts.createThrows;
      let i = 0;
      let st: VcpuState = { ...RESET_STATE };
      return {
        apply(op: Op): Observation {
          let o: Observation = { outcome: 'ok', events: [] };
          if (op.op === 'set') {
            st = { ...st, [op.reg]: op.value.lo };
            if (op.reg === 'cr0' && op.value.lo >>> 31 && st.efer & 0x100) st = { ...st, efer: st.efer | 0x400 };
          } else if (op.op === 'access') {
            o = { outcome: 'ok', gpa: op.gva.lo, hpa: op.gva.lo + 0x100000000, level: 1, events: [{ type: 'set_ad', gpa: 0x1000, value: u64(0x27) }] };
          }
          const out = opts.tweak ? opts.tweak(i, o) : o;
          i++;
          return out;
        },
        state: () => st,
      };
    },
  };
  return f;
}

describe('runOracle', () => {
  it('reports no divergence when all backends agree, with every observation', () => {
    const r = runOracle(scenario, [fake({ name: 'a' }), fake({ name: 'b' }), fake({ name: 'c', fidelity: 'architectural' })]);
    expect(r.divergence).toBeNull();
    expect(Object.keys(r.observations)).toEqual(['a', 'b', 'c']);
    for (const list of Object.values(r.observations)) expect(list).toHaveLength(scenario.ops.length);
  });

  it('finds a difference at op 3 and records the state before it', () => {
    const differs = fake({ name: 'refactored', tweak: (i, o) => (i === 3 ? { ...o, gpa: 0x9000 } : o) });
    const first = fake({ name: 'legacy' });
    const r = runOracle(scenario, [first, differs]);
    const d = r.divergence!;
    expect(d.index).toBe(3);
    expect(d.op).toBe(scenario.ops[3]);
    expect(d.class).toBe('translation');
    expect(d.field).toBe('gpa');
    expect(d.backends).toEqual(['legacy', 'refactored']);
    expect(d.values).toEqual([0x1000, 0x9000]);
    expect(d.mode).toBe('4-level');
    expect(d.state.cr0).toBe(0x80010011);
    expect(d.signature).toBe('translation/access/gpa/4-level/legacy~refactored');
    // Stops at the divergence: ops after index 3 are not applied.
    expect(r.observations.legacy).toHaveLength(4);
    expect(r.observations.refactored).toHaveLength(4);
    // The state came from a replay of the first backend.
    expect(first.creations).toBe(2);
  });

  it('always compares against the first backend', () => {
    const third = fake({ name: 'c', tweak: (i, o) => (i === 4 ? { ...o, level: 2 } : o) });
    const d = runOracle(scenario, [fake({ name: 'a' }), fake({ name: 'b' }), third]).divergence!;
    expect(d.backends).toEqual(['a', 'c']);
    expect(d.index).toBe(4);
  });

  it('compares an architectural backend on architectural fields only', () => {
    const noHpa = (_: number, o: Observation): Observation => ({ ...o, hpa: undefined, events: o.events.filter((e) => e.type === 'set_ad') });
    const withFlush = (_: number, o: Observation): Observation => ({ ...o, events: [...o.events, { type: 'flush', scope: 'guest' }] });
    expect(runOracle(scenario, [fake({ tweak: withFlush }), fake({ name: 'ref', fidelity: 'architectural', tweak: noHpa })]).divergence).toBeNull();
    // A kvm-fidelity pair compares everything: the extra flush at op 0 already differs.
    expect(runOracle(scenario, [fake({ tweak: withFlush }), fake({ name: 'other', tweak: noHpa })]).divergence).toMatchObject({ index: 0, field: 'events.length', class: 'events' });
    expect(runOracle(scenario, [fake(), fake({ name: 'other', tweak: noHpa })]).divergence).toMatchObject({ index: 3, field: 'hpa' });
  });

  it('tells an architectural backend when the KVM side took one of its alternatives, and only then', () => {
    // Op 4: the kvm side returns a stale translation (no A/D write) that the reference lists as an alternative.
    const stale: Observation = { outcome: 'ok', gpa: 0x7000, level: 1, events: [] };
    const kvm = fake({ name: 'kvm', tweak: (i, o) => (i === 4 ? { ...stale, hpa: 0x1_0000_7000 } : o) });
    let adopted: number[] = [];
    const arch = fake({ name: 'ref', fidelity: 'architectural', tweak: (i, o) => (i === 4 || i === 5 ? { ...o, alternatives: [stale] } : o) });
    const withAdopt: BackendFactory = {
      ...arch,
      create(c) {
        const b = arch.create(c);
        let i = -1;
        return { apply: (op) => (i++, b.apply(op)), state: () => b.state(), adoptAlternative: () => adopted.push(i) };
      },
    };
    expect(runOracle(scenario, [kvm, withAdopt]).divergence).toBeNull();
    // Op 5 matched the primary (the alternative was not taken): no call.
    expect(adopted).toEqual([4]);
    adopted = [];
    expect(runOracle(scenario, [withAdopt, kvm]).divergence).toBeNull();
    expect(adopted).toEqual([4]);
  });

  it('turns a backend that throws into a crash divergence', () => {
    const thrower = fake({
      name: 'refactored',
      tweak: (i, o) => {
        if (i === 3) throw new TypeError('level 7 out of range');
        return o;
      },
    });
    const r = runOracle(scenario, [fake({ name: 'legacy' }), thrower]);
    const d = r.divergence!;
    expect(d.class).toBe('crash');
    expect(d.index).toBe(3);
    expect(d.field).toBe('exception');
    expect(d.backends).toEqual(['legacy', 'refactored']);
    expect(d.values).toEqual(['ok', 'TypeError: level 7 out of range']);
    expect(d.message).toBe('refactored threw: TypeError: level 7 out of range');
    expect(d.signature).toMatch(/^crash\/access\/TypeError: level N out of range@.+\/4-level\/legacy~refactored$/);
    expect(d.stack).toContain('level 7');
    expect(r.observations.legacy).toHaveLength(4);
    expect(r.observations.refactored).toHaveLength(3);
  });

  it('a crash of the first backend pairs it with the second', () => {
    const thrower = fake({ name: 'legacy', tweak: (i, o) => { if (i === 0) throw new Error('boom'); return o; } });
    const d = runOracle(scenario, [thrower, fake({ name: 'b' }), fake({ name: 'c' })]).divergence!;
    expect(d).toMatchObject({ class: 'crash', index: 0, backends: ['legacy', 'b'], values: ['Error: boom', 'ok'] });
    expect(d.state).toEqual(RESET_STATE);
    expect(d.mode).toBe('off');
  });

  it('a create() that throws is a crash at index -1; UnsupportedConfigError is rethrown', () => {
    const d = runOracle(scenario, [fake({ name: 'a' }), fake({ name: 'b', createThrows: new RangeError('no 5-level') })]).divergence!;
    expect(d).toMatchObject({ class: 'crash', index: -1, field: 'create', backends: ['a', 'b'], values: ['created', 'RangeError: no 5-level'] });
    expect(d.signature.startsWith('crash/create/RangeError: no N-level@')).toBe(true);
    expect(() => runOracle(scenario, [fake(), fake({ createThrows: new UnsupportedConfigError('tdp none') })])).toThrow(UnsupportedConfigError);
  });

  it('keeps observations of same-named backends apart', () => {
    const r = runOracle(scenario, [fake({ name: 'x' }), fake({ name: 'x' })]);
    expect(Object.keys(r.observations)).toEqual(['x', 'x#1']);
  });
});

describe('runOracle signatures', () => {
  it('give one signature for the same divergence reached through different addresses and op counts', () => {
    // The two doubles disagree on the error code of every access (a fake error-code bug).
    const pf = (ec: number) => (_: number, o: Observation): Observation =>
      o.gpa === undefined ? o : { outcome: 'page_fault', errorCode: ec, address: u64(o.gpa), to: 'L1', events: [] };
    const pair = [fake({ name: 'legacy', tweak: pf(7) }), fake({ name: 'refactored', tweak: pf(5) })];
    const s1: Scenario = { ...scenario, ops: [...scenario.ops.slice(0, 3), access(0x7000)] };
    const s2: Scenario = {
      ...scenario,
      ops: [set('cr4', 0x20), set('efer', 0x900), { op: 'read', gpa: 0x40, size: 8 }, set('cr0', 0x80010011), access(0xdead000)],
    };
    const d1 = runOracle(s1, pair).divergence!;
    const d2 = runOracle(s2, pair).divergence!;
    expect([d1.index, d2.index]).toEqual([3, 4]);
    expect(d1.signature).toBe(d2.signature);
    expect(d1.signature).toBe('error_code/access/error_code/4-level/legacy~refactored');
  });
});
