// Determinism and robustness: the same ops give the same observations from two fresh backends,
// and a long pseudo-random mix of every op kind never throws. The op stream comes from a fixed
// xorshift seed so the test is itself deterministic.
import { describe, expect, it } from 'vitest';
import type { Op } from '../backend.js';
import { legacyBackend } from './index.js';
import { MB, config, op } from './test-kit.js';

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const CR0S = [0x60000010, 0x80000001, 0x80010001, 0x80000011, 0x1, 0x10001, 0x20000011, 0x80000000];
const CR4S = [0, 0x10, 0x20, 0x30, 0x1020, 0x20020, 0x100020, 0x200020, 0x400020, 0x700030, 0x80, 0x2000];
const EFERS = [0, 0x100, 0x800, 0x900, 0x400, 0x2];
const CR3S = [0x10000, 0x10005, 0x3020, 0x1000, 0x30000, 0x8000_0000_0001_0000n, 0x5000000];
const GVAS = [0x0, 0x1000, 0x5abc, 0x401234, 0x812345, 0x40000000, 0x80000000, 0xffff_8000_0000_1000n, 0x0001_0000_0000_5abcn, 0x8000_0000_0000n];
const TABLE_GPAS = [0x1000, 0x1004, 0x1008, 0x2004, 0x3020, 0x3028, 0x4000, 0x4008, 0x10000, 0x10800, 0x11000, 0x11008, 0x12000, 0x12008, 0x13000, 0x13028, 0x30008];
const ENTRY_VALUES = [0x0, 0x2007, 0x5007, 0x00c00087, 0x11007, 0x12027, 0x13067, 0x20007, 0x400000e7, 0x40002087, 0x10007, 0x8000_0000_0002_0007n, 0x0800_0000_0002_0007n, 0x0008_0000_0002_0007n, 0x4001, 0x4003];

function randomOps(seed: number, n: number): Op[] {
  const next = xorshift(seed);
  const pick = <T>(a: readonly T[]): T => a[next() % a.length];
  const kinds = ['read', 'write', 'fetch'] as const;
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const r = next() % 100;
    if (r < 30) {
      const gpa = pick(TABLE_GPAS);
      ops.push(op.write(gpa, pick(ENTRY_VALUES), gpa % 8 !== 0 || next() % 4 === 0 ? 4 : 8));
    }
    else if (r < 55) ops.push(op.access(pick(GVAS), pick(kinds), (next() % 4) as 0 | 1 | 2 | 3, next() % 8 === 0));
    else if (r < 65) ops.push(op.g2g(pick(GVAS), pick(kinds), (next() % 4) as 0 | 1 | 2 | 3));
    else if (r < 70) ops.push(op.set('cr0', pick(CR0S)));
    else if (r < 75) ops.push(op.set('cr4', pick(CR4S)));
    else if (r < 79) ops.push(op.set('efer', pick(EFERS)));
    else if (r < 83) ops.push(op.set('cr3', pick(CR3S)));
    else if (r < 85) ops.push(op.set('pkru', next()));
    else if (r < 87) ops.push(op.set('rflags', next() % 2 ? 0x40002 : 0x2));
    else if (r < 89) ops.push(op.invlpg(pick(GVAS)));
    else if (r < 91) ops.push(op.invpcid(next() % 5, next() % 8, pick(GVAS)));
    else if (r < 93) ops.push(op.read(pick(TABLE_GPAS), 8));
    else if (r < 95) ops.push(op.memslot('flags', next() % 2, 0, 0, next() % 2 ? ['dirty_log'] : []));
    else if (r < 97) ops.push(op.memslot('move', 1, pick([0x4000000, 0x8000000, 0x100000])));
    else if (r < 98) ops.push(op.memslot('delete', 1));
    else ops.push(op.memslot('add', 1, 0x4000000, MB));
  }
  return ops;
}

describe('determinism', () => {
  for (const tdp of ['ept', 'npt'] as const) {
    it(`two fresh ${tdp} backends agree on a long random op stream and never throw`, () => {
      const c = config({ tdp, memslots: [{ slot: 0, gpa: 0, size: 64 * MB, flags: [] }, { slot: 1, gpa: 0x4000000, size: MB, flags: [] }] });
      const ops = randomOps(tdp === 'ept' ? 12345 : 67890, 4000);
      const a = legacyBackend.create(c);
      const b = legacyBackend.create(c);
      for (let i = 0; i < ops.length; i++) {
        const oa = a.apply(ops[i]);
        const ob = b.apply(ops[i]);
        expect(ob, `op ${i}`).toStrictEqual(oa);
      }
      expect(b.state()).toStrictEqual(a.state());
    });
  }

  it('refuses configurations outside its scope, accepts shadow paging', () => {
    expect(() => legacyBackend.create({ ...config(), host: { tdp: 'none', eptAd: false, mbec: false } })).not.toThrow();
    expect(() => legacyBackend.create({ ...config(), host: { tdp: 'ept', eptAd: true, mbec: true } })).toThrow(/MBEC/);
    expect(legacyBackend.name).toBe('legacy');
    expect(legacyBackend.fidelity).toBe('kvm');
  });
});
