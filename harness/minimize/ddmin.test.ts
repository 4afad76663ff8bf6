// ddmin on plain lists: the smallest sublist keeping a property, big cuts first, 1-minimal.
import { describe, expect, it } from 'vitest';
import { ddmin } from './ddmin.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** ddmin with a predicate over the kept items, counting how often it is asked. */
function run(items: number[], keeps: (xs: readonly number[]) => boolean, stop?: () => boolean) {
  let calls = 0;
  const result = ddmin(items, (c) => (calls++, keeps(c) ? c : undefined), stop);
  return { result, calls };
}

describe('ddmin', () => {
  it('keeps exactly the items the property needs', () => {
    const { result } = run(range(40), (xs) => xs.includes(3) && xs.includes(17) && xs.includes(31));
    expect(result).toEqual([3, 17, 31]);
  });

  it('needs far fewer tries than one per item when most items go (big cuts first)', () => {
    const { result, calls } = run(range(256), (xs) => xs.includes(200));
    expect(result).toEqual([200]);
    // One-at-a-time would ask 256 times before reaching single items.
    expect(calls).toBeLessThan(40);
  });

  it('ends 1-minimal: no single remaining item can go', () => {
    const keeps = (xs: readonly number[]) => xs.filter((x) => x % 3 === 0).length >= 4;
    const { result } = run(range(30), keeps);
    expect(result.length).toBe(4);
    for (let i = 0; i < result.length; i++) expect(keeps(result.filter((_, k) => k !== i))).toBe(false);
  });

  it('continues with the list accept returns (the minimizer cuts after the divergence)', () => {
    // Anything holding 5 is accepted, cut after 5: items after it never come back.
    const result = ddmin(range(20), (c) => (c.includes(5) ? c.slice(0, c.indexOf(5) + 1) : undefined));
    expect(result).toEqual([5]);
  });

  it('stops when told to', () => {
    let left = 3;
    const { result, calls } = run(range(64), (xs) => xs.includes(1), () => left-- <= 0);
    expect(calls).toBeLessThanOrEqual(3);
    expect(result.length).toBeGreaterThan(1);
  });

  it('handles empty and single-item lists', () => {
    expect(run([], () => true).result).toEqual([]);
    expect(run([7], (xs) => xs.includes(7)).result).toEqual([7]);
    expect(run([7], () => true).result).toEqual([]);
  });
});
