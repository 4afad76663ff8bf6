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
    // Only the invalidation that precedes the injection of a P=1 fault.
    expect(o.events).toEqual([{ type: 'flush', scope: 'gva', gva: { lo: 0x40201234, hi: 0 } }]);
    expect(b.apply(op.read(0x1000)).value).toEqual({ lo: 0x2007, hi: 0 });
    expect(b.apply(op.read(0x4008)).value).toEqual({ lo: 0x5003, hi: 0 });
  });

  it('A/D also set by the emulator path (gva_to_gpa)', () => {
    const b = backend();
    setup(b, tables4());
    enter4Level(b);
    expect(adEvents(b.apply(op.g2g(0x40201234, 'read', 3))).length).toBe(4);
  });

  // A table that maps itself: the same gpte is walked at two levels. The A/D store of the upper
  // level changes the gpte the lower level read, so that level's compare-and-exchange fails and
  // the walk restarts (retry_walk) instead of writing the same value a second time.
  describe('a gpte walked at two levels', () => {
    // PML4E 0 at 0x1000 points to the PML4 itself, so it is also the PDPTE of GVA 0x201234
    // (indices 0/0/1/1); the PD is 0x1000 too (entry 1 at 0x1008 -> PT 0x4000); PTE 1 -> 0x5000.
    const selfMapped = [op.w8(0x1000, 0x1007), op.w8(0x1008, 0x4007), op.w8(0x4008, 0x5007)];

    it('a read sets A once on the shared gpte, then on the levels below', () => {
      const b = backend();
      setup(b, selfMapped);
      enter4Level(b);
      expect(b.apply(op.acc(0x201234))).toEqual({
        outcome: 'ok',
        gpa: 0x5234,
        hpa: 0x100005234,
        level: 1,
        events: [
          { type: 'set_ad', gpa: 0x1000, value: { lo: 0x1027, hi: 0 } },
          { type: 'set_ad', gpa: 0x1008, value: { lo: 0x4027, hi: 0 } },
          { type: 'set_ad', gpa: 0x4008, value: { lo: 0x5027, hi: 0 } },
          { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5377, hi: 0x80000001 } },
        ],
      });
      expect(b.apply(op.read(0x1000)).value).toEqual({ lo: 0x1027, hi: 0 });
      expect(adEvents(b.apply(op.acc(0x201234, 'write')))).toEqual([[0x4008, 0x5067n]]);
    });

    it('a first write: A once on the shared gpte, D on the leaf only', () => {
      const b = backend();
      setup(b, selfMapped);
      enter4Level(b);
      expect(adEvents(b.apply(op.g2g(0x201234, 'write')))).toEqual([
        [0x1000, 0x1027n],
        [0x1008, 0x4027n],
        [0x4008, 0x5067n],
      ]);
    });

    it('a shared gpte that is also the leaf gets A, then (after the retry) D: two distinct values', () => {
      // PD 0x3000 entry 1 at 0x3008 points to 0x3000 itself, so it is also the PTE of
      // GVA 0x40201234 (indices 0/1/1/1), mapping gpa 0x3000.
      const b = backend();
      setup(b, [op.w8(0x1000, 0x2007), op.w8(0x2008, 0x3007), op.w8(0x3008, 0x3007)]);
      enter4Level(b);
      const o = b.apply(op.acc(0x40201234, 'write'));
      expect(o.gpa).toBe(0x3234);
      expect(adEvents(o)).toEqual([
        [0x1000, 0x2027n],
        [0x2008, 0x3027n],
        [0x3008, 0x3027n],
        [0x3008, 0x3067n],
      ]);
      expect(b.apply(op.read(0x3008)).value).toEqual({ lo: 0x3067, hi: 0 });
    });
  });
});
