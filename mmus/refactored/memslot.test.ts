// Memslot operations: zap events (ascending gfn, TDP leaf role), remote flushes, move, rejects,
// and dirty logging (write protection, W restored on write, new leaves logged at once).
import { describe, expect, it } from 'vitest';
import { backend, flushes, op, run, setup } from './test-kit.js';

// TDP leaf role, NEW layout: level 1 | direct (bit 7) | ACC_ALL << 8 | efer_nx (13) | cr0_wp (14).
const LEAF_ROLE = 0x6f81;

describe('memslots', () => {
  it('delete zaps every leaf of the slot in ascending gfn order, then flushes remote', () => {
    const b = backend({ memslots: [{ slot: 0, gpa: 0, size: 0x10000 }, { slot: 1, gpa: 0x100000, size: 0x3000 }] });
    run(b, [op.acc(0x102000), op.acc(0x100000), op.acc(0x101000), op.acc(0x5000)]);
    const o = b.apply(op.slot('delete', 1));
    expect(o).toEqual({
      outcome: 'ok',
      events: [
        { type: 'zap', gfn: 0x100, level: 1, role: LEAF_ROLE, reason: 'memslot' },
        { type: 'zap', gfn: 0x101, level: 1, role: LEAF_ROLE, reason: 'memslot' },
        { type: 'zap', gfn: 0x102, level: 1, role: LEAF_ROLE, reason: 'memslot' },
        { type: 'flush', scope: 'remote' },
      ],
    });
    expect(b.apply(op.acc(0x100000)).outcome).toBe('mmio');
    expect(b.apply(op.slot('delete', 1)).outcome).toBe('rejected');
  });

  it('the leaf role carries ad_disabled for EPT without A/D', () => {
    const b = backend({ eptAd: false });
    run(b, [op.acc(0x1000)]);
    expect(b.apply(op.slot('delete', 0)).events[0]).toEqual({ type: 'zap', gfn: 1, level: 1, role: 0x16f81, reason: 'memslot' });
  });

  it('a delete with nothing mapped has no events', () => {
    const b = backend();
    expect(b.apply(op.slot('delete', 0))).toEqual({ outcome: 'ok', events: [] });
  });

  it('add: unused id, aligned non-zero size, no overlap', () => {
    const b = backend();
    expect(b.apply(op.slot('add', 0, 0x2000000, 0x1000)).outcome).toBe('rejected');
    expect(b.apply(op.slot('add', 1, 0x800000, 0x1000)).outcome).toBe('rejected');
    expect(b.apply(op.slot('add', 1, 0x2000000, 0)).outcome).toBe('rejected');
    expect(b.apply(op.slot('add', 1, 0x2000800, 0x1000)).outcome).toBe('rejected');
    expect(b.apply(op.slot('add', 1, 0x2000000, 0x1000)).outcome).toBe('ok');
    expect(b.apply(op.acc(0x2000010)).hpa).toBe(0x101000010);
  });

  it('move zaps the old range; contents follow the slot; overlap is rejected with no zap', () => {
    const b = backend({ memslots: [{ slot: 0, gpa: 0, size: 0x10000 }, { slot: 1, gpa: 0x100000, size: 0x2000 }] });
    setup(b, [op.w8(0x101008, 0xabcd)]);
    run(b, [op.acc(0x101000)]);
    expect(b.apply(op.slot('move', 1, 0x8000))).toEqual({ outcome: 'rejected', events: [] });
    const o = b.apply(op.slot('move', 1, 0x200000));
    expect(o.events).toEqual([
      { type: 'zap', gfn: 0x101, level: 1, role: LEAF_ROLE, reason: 'memslot' },
      { type: 'flush', scope: 'remote' },
    ]);
    expect(b.apply(op.read(0x201008)).value).toEqual({ lo: 0xabcd, hi: 0 });
    expect(b.apply(op.read(0x101008)).outcome).toBe('mmio');
  });

  it('dirty logging: enabling write-protects writable leaves; writes restore W with a dirty event', () => {
    const b = backend({ memslots: [{ slot: 0, gpa: 0, size: 0x10000 }] });
    run(b, [op.acc(0x3000, 'write'), op.acc(0x1000), op.acc(0x2000)]);
    const o = b.apply(op.slot('flags', 0, 0, 0, ['dirty_log']));
    expect(o.events).toEqual([
      { type: 'wrprot', gfn: 1, level: 1 },
      { type: 'wrprot', gfn: 2, level: 1 },
      { type: 'wrprot', gfn: 3, level: 1 },
      { type: 'flush', scope: 'remote' },
    ]);
    expect(b.apply(op.acc(0x2000, 'write')).events).toEqual([{ type: 'dirty', gfn: 2 }]);
    expect(b.apply(op.acc(0x2000, 'write')).events).toEqual([]);
    expect(b.apply(op.acc(0x1000, 'read')).events).toEqual([]);
    // A new leaf is writable for any fault kind, and logged at once (make_spte).
    expect(b.apply(op.acc(0x4000, 'read')).events).toEqual([
      { type: 'map', gfn: 4, level: 1, spte: { lo: 0x4377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 4 },
    ]);
    expect(b.apply(op.acc(0x4000, 'write')).events).toEqual([]);
    expect(b.apply(op.acc(0x6000, 'fetch')).events).toEqual([
      { type: 'map', gfn: 6, level: 1, spte: { lo: 0x6377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 6 },
    ]);
    expect(b.apply(op.acc(0x5000, 'write')).events).toEqual([
      { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 5 },
    ]);
    // Enabling again (no change) and readonly changes.
    expect(b.apply(op.slot('flags', 0, 0, 0, ['dirty_log']))).toEqual({ outcome: 'ok', events: [] });
    expect(b.apply(op.slot('flags', 0, 0, 0, ['readonly'])).outcome).toBe('rejected');
  });

  it('dirty logging: a new leaf in a read-only slot stays read-only and is not logged (NPT)', () => {
    const b = backend({ tdp: 'npt', memslots: [{ slot: 0, gpa: 0, size: 0x10000 }, { slot: 1, gpa: 0x100000, size: 0x1000, flags: ['readonly', 'dirty_log'] }] });
    // Slot 1's host frames follow slot 0's 16: hpa 0x100010000. NPT read-only leaf: P|U|A.
    expect(b.apply(op.acc(0x100000)).events).toEqual([{ type: 'map', gfn: 0x100, level: 1, spte: { lo: 0x10025, hi: 0x1 } }]);
  });

  it('dirty logging turned off again: a write restores W without a dirty event', () => {
    const b = backend({ memslots: [{ slot: 0, gpa: 0, size: 0x10000 }] });
    run(b, [op.acc(0x2000)]);
    expect(b.apply(op.slot('flags', 0, 0, 0, ['dirty_log'])).events).toEqual([
      { type: 'wrprot', gfn: 2, level: 1 },
      { type: 'flush', scope: 'remote' },
    ]);
    expect(b.apply(op.slot('flags', 0, 0, 0, []))).toEqual({ outcome: 'ok', events: [] });
    expect(b.apply(op.acc(0x2000, 'write')).events).toEqual([]);
    // W is back: enabling logging again write-protects the leaf once more.
    expect(b.apply(op.slot('flags', 0, 0, 0, ['dirty_log'])).events).toEqual([
      { type: 'wrprot', gfn: 2, level: 1 },
      { type: 'flush', scope: 'remote' },
    ]);
  });

  it('move to the slot\'s own gpa is ok and does nothing: no zap, the leaf stays', () => {
    const b = backend({ memslots: [{ slot: 0, gpa: 0, size: 0x10000 }, { slot: 1, gpa: 0x100000, size: 0x2000 }] });
    run(b, [op.acc(0x101000)]);
    expect(b.apply(op.slot('move', 1, 0x100000))).toEqual({ outcome: 'ok', events: [] });
    expect(b.apply(op.acc(0x101000)).events).toEqual([]);
  });

  it('a slot keeps its flags across a move', () => {
    const b = backend({
      memslots: [
        { slot: 0, gpa: 0, size: 0x10000 },
        { slot: 1, gpa: 0x100000, size: 0x1000, flags: ['dirty_log'] },
        { slot: 2, gpa: 0x200000, size: 0x1000, flags: ['readonly'] },
      ],
    });
    setup(b, [op.slot('move', 1, 0x300000), op.slot('move', 2, 0x400000)]);
    // Slot 1's host frame follows slot 0's 16 (hpa 0x100010000): still dirty-logged.
    expect(b.apply(op.acc(0x300000, 'read')).events).toEqual([
      { type: 'map', gfn: 0x300, level: 1, spte: { lo: 0x10377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 0x300 },
    ]);
    // Slot 2 is still read-only.
    expect(b.apply(op.acc(0x400000, 'write')).outcome).toBe('mmio');
    expect(b.apply(op.w8(0x400000, 1)).outcome).toBe('mmio');
  });

  it('a remote flush is requested once per operation', () => {
    const b = backend();
    run(b, [op.acc(0x1000), op.acc(0x2000)]);
    expect(flushes(b.apply(op.slot('delete', 0)))).toEqual(['remote']);
  });
});
