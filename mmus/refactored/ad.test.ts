// Accessed/dirty updates (§5.6): only after a successful walk, top-down, A on every level, D on
// the leaf of a write, one set_ad event per changed gpte.
import { describe, expect, it } from 'vitest';
import { adEvents, backend, enter4Level, op, setup, tables4 } from './test-kit.js';

describe('accessed and dirty bits', () => {
  it('read sets A only; a second read changes nothing; a later write sets only D', () => {
    const b = backend();
    setup(b, tables4());
    enter4Level(b);
    expect(adEvents(b.apply(op.acc(0x40201234)))).toEqual([
      [0x1000, 0x2027n],
      [0x2008, 0x3027n],
      [0x3008, 0x4027n],
      [0x4008, 0x5027n],
    ]);
    expect(adEvents(b.apply(op.acc(0x40201234)))).toEqual([]);
    expect(adEvents(b.apply(op.acc(0x40201234, 'write')))).toEqual([[0x4008, 0x5067n]]);
    expect(b.apply(op.read(0x4008)).value).toEqual({ lo: 0x5067, hi: 0 });
  });

  it('keeps the high half of 8-byte gptes in the event value', () => {
    const b = backend();
    setup(b, tables4(0x8000000000005027n));
    enter4Level(b);
    expect(adEvents(b.apply(op.g2g(0x40201234, 'write')))).toEqual([
      [0x1000, 0x2027n],
      [0x2008, 0x3027n],
      [0x3008, 0x4027n],
      [0x4008, 0x8000000000005067n],
    ]);
  });

  it('only the levels lacking A are written', () => {
    const b = backend();
    setup(b, [...tables4(0x5027, 0x27), op.w8(0x2008, 0x3007)]);
    enter4Level(b);
    expect(adEvents(b.apply(op.acc(0x40201234)))).toEqual([[0x2008, 0x3027n]]);
  });

  it('a faulting walk writes nothing, even when the fault is found after the last level', () => {
    const b = backend();
    setup(b, tables4(0x5003));
    enter4Level(b);
    const o = b.apply(op.acc(0x40201234, 'write', 3));
    expect(o.outcome).toBe('page_fault');
    expect(o.events).toEqual([]);
    expect(b.apply(op.read(0x1000)).value).toEqual({ lo: 0x2007, hi: 0 });
    expect(b.apply(op.read(0x4008)).value).toEqual({ lo: 0x5003, hi: 0 });
  });

  it('A/D also set by the emulator path (gva_to_gpa)', () => {
    const b = backend();
    setup(b, tables4());
    enter4Level(b);
    expect(adEvents(b.apply(op.g2g(0x40201234, 'read', 3))).length).toBe(4);
  });
});
