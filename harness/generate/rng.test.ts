import { describe, it, expect } from 'vitest';
import { Rng } from './rng.js';

const draw = (r: Rng, n = 8): number[] => Array.from({ length: n }, () => r.next());

describe('Rng', () => {
  it('is deterministic in its seed', () => {
    expect(draw(new Rng('a'))).toEqual(draw(new Rng('a')));
    expect(draw(new Rng('a'))).not.toEqual(draw(new Rng('b')));
  });

  it('forks by label, independent of draws made before', () => {
    const a = new Rng('s');
    const b = new Rng('s');
    draw(b, 5);
    expect(draw(a.fork('x'))).toEqual(draw(b.fork('x')));
    expect(draw(a.fork('x'))).not.toEqual(draw(a.fork('y')));
    expect(draw(a.fork('x'))).not.toEqual(draw(new Rng('s')));
  });

  it('stays in range', () => {
    const r = new Rng('range');
    for (let i = 0; i < 1000; i++) {
      const n = r.int(7);
      expect(Number.isInteger(n) && n >= 0 && n < 7).toBe(true);
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      expect(r.u32()).toBeGreaterThanOrEqual(0);
      expect(['a', 'b']).toContain(r.pick(['a', 'b']));
    }
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.pick([])).toThrow(RangeError);
  });

  it('bool follows its probability roughly', () => {
    const r = new Rng('bool');
    let n = 0;
    for (let i = 0; i < 2000; i++) if (r.bool(0.25)) n++;
    expect(n).toBeGreaterThan(400);
    expect(n).toBeLessThan(600);
    expect(new Rng('z').bool(0)).toBe(false);
    expect(new Rng('z').bool(1)).toBe(true);
  });
});
