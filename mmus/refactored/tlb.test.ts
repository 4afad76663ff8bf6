// INVLPG and INVPCID under TDP: flush requests and #GP rules.
import { describe, expect, it } from 'vitest';
import { backend, CR4_PAE, enter4Level, flushes, op, setup } from './test-kit.js';

describe('invlpg', () => {
  it('flushes the (truncated) gva; non-canonical in long mode is a no-op', () => {
    const b = backend();
    expect(b.apply(op.invlpg(0x1_2345_6000n))).toEqual({ outcome: 'ok', events: [{ type: 'flush', scope: 'gva', gva: { lo: 0x23456000, hi: 0 } }] });
    enter4Level(b);
    expect(flushes(b.apply(op.invlpg(0xffff_8000_0000_1000n)))).toEqual(['gva:0xffff800000001000']);
    expect(b.apply(op.invlpg(0x0000_8000_0000_1000n))).toEqual({ outcome: 'ok', events: [] });
  });
});

describe('invpcid', () => {
  it('#GP without the feature, for type > 3, pcid > 0xfff, or pcid != 0 without PCIDE', () => {
    expect(backend({ features: ['nx'] }).apply(op.invpcid(2, 0)).outcome).toBe('gp');
    const b = backend();
    expect(b.apply(op.invpcid(4, 0)).outcome).toBe('gp');
    expect(b.apply(op.invpcid(2, 0x1000)).outcome).toBe('gp');
    expect(b.apply(op.invpcid(0, 1)).outcome).toBe('gp');
    expect(b.apply(op.invpcid(1, 1)).outcome).toBe('gp');
    expect(flushes(b.apply(op.invpcid(2, 1)))).toEqual(['guest']);
    expect(flushes(b.apply(op.invpcid(3, 0)))).toEqual(['guest']);
  });

  it('type 0 flushes the gva only for the active PCID; non-canonical is #GP', () => {
    const b = backend();
    enter4Level(b);
    setup(b, [op.set('cr4', CR4_PAE | 0x20000), op.set('cr3', 0x1005)]);
    expect(flushes(b.apply(op.invpcid(0, 5, 0x7000)))).toEqual(['gva:0x7000']);
    expect(b.apply(op.invpcid(0, 6, 0x7000))).toEqual({ outcome: 'ok', events: [] });
    expect(b.apply(op.invpcid(0, 5, 0x0000_8000_0000_0000n)).outcome).toBe('gp');
    expect(flushes(b.apply(op.invpcid(1, 6)))).toEqual(['guest']);
  });
});
