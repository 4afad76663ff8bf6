// The TDP MMU's observable behaviour (model contract "TDP SPTEs", "Memslots"): leaf SPTE values,
// MMIO and read-only slots, dirty logging, zaps on memslot delete/move with the kvm-chainsaw
// role, and root reuse across MMU resets. Paging stays off so gva = gpa.
import { describe, expect, it } from 'vitest';
import { MmuEventLog } from './kvm-host.js';
import { MB, Vm, config, op, q } from './test-kit.js';

const SLOT0 = { slot: 0, gpa: 0, size: 64 * MB, flags: [] as ('readonly' | 'dirty_log')[] };
/** Slot 1 right after slot 0: host frames follow slot 0's (hpa base 0x1_0400_0000). */
const ROM1 = { slot: 1, gpa: 0x4000000, size: MB, flags: ['readonly' as const] };
const RAM1 = { slot: 1, gpa: 0x4000000, size: MB, flags: [] as ('readonly' | 'dirty_log')[] };

/** TDP root role (level 1), kvm-chainsaw layout: level 1, direct, ACC_ALL=15, efer_nx, cr0_wp. */
const ROLE_L1 = 0x1 | 0x80 | (15 << 8) | (1 << 13) | (1 << 14);
const ROLE_L1_AD_DISABLED = ROLE_L1 | (1 << 16);

function zap(gfn: number, role = ROLE_L1) {
  return { type: 'zap', gfn, level: 1, role, reason: 'memslot' };
}

describe('leaf SPTE values', () => {
  it('EPT with A/D: R|W|X, WB|IPAT, A, D, suppress-#VE, frame', () => {
    const vm = new Vm();
    expect(vm.apply(op.access(0x5000, 'read')).events).toStrictEqual([{ type: 'map', gfn: 5, level: 1, spte: { lo: 0x5377, hi: 0x80000001 } }]);
  });

  it('EPT without A/D: no A, no D', () => {
    const vm = new Vm(config({ eptAd: false }));
    expect(vm.apply(op.access(0x5000, 'write')).events).toStrictEqual([{ type: 'map', gfn: 5, level: 1, spte: { lo: 0x5077, hi: 0x80000001 } }]);
  });

  it('NPT: P|W|U, A, D, frame', () => {
    const vm = new Vm(config({ tdp: 'npt' }));
    expect(vm.apply(op.access(0x5000, 'fetch')).events).toStrictEqual([{ type: 'map', gfn: 5, level: 1, spte: { lo: 0x5067, hi: 0x1 } }]);
  });

  it('read-only slot: R|X (P|U) only; writes are mmio, reads of the slot work', () => {
    const ept = new Vm(config({ memslots: [SLOT0, ROM1] }));
    expect(ept.apply(op.access(0x4000010))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x4000010,
      hpa: 0x104000010,
      level: 0,
      events: [{ type: 'map', gfn: 0x4000, level: 1, spte: { lo: 0x04000175, hi: 0x80000001 } }],
    });
    expect(ept.apply(op.access(0x4000010, 'write'))).toStrictEqual({ outcome: 'mmio', gpa: 0x4000010, level: 0, events: [] });
    expect(ept.apply(op.write(0x4000010, 1))).toStrictEqual({ outcome: 'mmio', events: [] });
    expect(ept.apply(op.read(0x4000010, 4))).toStrictEqual({ outcome: 'ok', value: q(0), events: [] });
    const npt = new Vm(config({ tdp: 'npt', memslots: [SLOT0, ROM1] }));
    expect(npt.apply(op.access(0x4000010)).events).toStrictEqual([{ type: 'map', gfn: 0x4000, level: 1, spte: { lo: 0x04000025, hi: 0x1 } }]);
  });

  it('outside every slot: mmio for access, read and write; no SPTE', () => {
    const vm = new Vm();
    expect(vm.apply(op.access(0x5000000))).toStrictEqual({ outcome: 'mmio', gpa: 0x5000000, level: 0, events: [] });
    expect(vm.apply(op.read(0x5000000))).toStrictEqual({ outcome: 'mmio', events: [] });
    expect(vm.apply(op.write(0x5000000, 7))).toStrictEqual({ outcome: 'mmio', events: [] });
  });
});

describe('dirty logging', () => {
  it('a new SPTE in a logged writable slot is writable for any fault kind and logs at once', () => {
    const vm = new Vm(config({ memslots: [{ ...SLOT0, flags: ['dirty_log'] }] }));
    expect(vm.apply(op.access(0x5000)).events).toStrictEqual([
      { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 5 },
    ]);
    // Already writable: the write neither faults nor logs again.
    expect(vm.apply(op.access(0x5008, 'write'))).toStrictEqual({ outcome: 'ok', gpa: 0x5008, hpa: 0x100005008, level: 0, events: [] });
    expect(vm.apply(op.access(0x6000, 'fetch')).events).toStrictEqual([
      { type: 'map', gfn: 6, level: 1, spte: { lo: 0x6377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 6 },
    ]);
    expect(vm.apply(op.access(0x7000, 'write')).events).toStrictEqual([
      { type: 'map', gfn: 7, level: 1, spte: { lo: 0x7377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 7 },
    ]);
  });

  it('NPT and EPT without A/D: the same writable SPTE, then dirty', () => {
    const npt = new Vm(config({ tdp: 'npt', memslots: [{ ...SLOT0, flags: ['dirty_log'] }] }));
    expect(npt.apply(op.access(0x5000, 'read')).events).toStrictEqual([
      { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5067, hi: 0x1 } },
      { type: 'dirty', gfn: 5 },
    ]);
    const noAd = new Vm(config({ eptAd: false, memslots: [{ ...SLOT0, flags: ['dirty_log'] }] }));
    expect(noAd.apply(op.access(0x5000, 'read')).events).toStrictEqual([
      { type: 'map', gfn: 5, level: 1, spte: { lo: 0x5077, hi: 0x80000001 } },
      { type: 'dirty', gfn: 5 },
    ]);
  });

  it('a logged read-only slot maps R|X and logs nothing', () => {
    const vm = new Vm(config({ memslots: [SLOT0, { ...ROM1, flags: ['readonly', 'dirty_log'] }] }));
    expect(vm.apply(op.access(0x4000010)).events).toStrictEqual([{ type: 'map', gfn: 0x4000, level: 1, spte: { lo: 0x04000175, hi: 0x80000001 } }]);
  });

  it('enabling logging write-protects writable leaves in ascending gfn, then a remote flush', () => {
    const vm = new Vm();
    vm.ok([op.access(0x5000, 'write'), op.access(0x3000, 'write'), op.access(0x4000, 'read')]);
    expect(vm.apply(op.memslot('flags', 0, 0, 0, ['dirty_log']))).toStrictEqual({
      outcome: 'ok',
      events: [
        { type: 'wrprot', gfn: 3, level: 1 },
        { type: 'wrprot', gfn: 4, level: 1 },
        { type: 'wrprot', gfn: 5, level: 1 },
        { type: 'flush', scope: 'remote' },
      ],
    });
    // W went (R|X = 5), A (bit 8) and D (bit 9) stayed.
    expect(vm.apply({ op: 'check' }).digest).toBe(
      ['tdp gfn=0x3 spte=0x8000000100003375', 'tdp gfn=0x4 spte=0x8000000100004375', 'tdp gfn=0x5 spte=0x8000000100005375'].join('\n'),
    );
    expect(vm.apply(op.access(0x4000, 'write')).events).toStrictEqual([{ type: 'dirty', gfn: 4 }]);
    expect(vm.apply(op.access(0x3000, 'read')).events).toStrictEqual([]);
    // Unchanged flags: nothing to do.
    expect(vm.apply(op.memslot('flags', 0, 0, 0, ['dirty_log']))).toStrictEqual({ outcome: 'ok', events: [] });
    // Logging off: W comes back on the next write, but there is no log to mark.
    expect(vm.apply(op.memslot('flags', 0, 0, 0, []))).toStrictEqual({ outcome: 'ok', events: [] });
    expect(vm.apply(op.access(0x3000, 'write')).events).toStrictEqual([]);
  });

  it('enabling logging on a slot without writable leaves flushes nothing', () => {
    const vm = new Vm();
    expect(vm.apply(op.memslot('flags', 0, 0, 0, ['dirty_log']))).toStrictEqual({ outcome: 'ok', events: [] });
  });

  it('the readonly flag cannot change; unknown slots are rejected', () => {
    const vm = new Vm();
    expect(vm.apply(op.memslot('flags', 0, 0, 0, ['readonly']))).toStrictEqual({ outcome: 'rejected', events: [] });
    expect(vm.apply(op.memslot('flags', 9, 0, 0, []))).toStrictEqual({ outcome: 'rejected', events: [] });
  });
});

describe('memslot changes', () => {
  it('delete zaps the slot leaves in ascending gfn with the chainsaw-layout role, then flushes', () => {
    const vm = new Vm(config({ memslots: [SLOT0, RAM1] }));
    vm.ok([op.access(0x9000), op.access(0x5000, 'write'), op.access(0x1000), op.access(0x4000000)]);
    expect(vm.apply(op.memslot('delete', 0))).toStrictEqual({
      outcome: 'ok',
      events: [zap(1), zap(5), zap(9), { type: 'flush', scope: 'remote' }],
    });
    expect(vm.apply(op.access(0x5000))).toStrictEqual({ outcome: 'mmio', gpa: 0x5000, level: 0, events: [] });
    expect(vm.apply(op.access(0x4000000)).events).toStrictEqual([]);
    expect(vm.apply(op.memslot('delete', 0))).toStrictEqual({ outcome: 'rejected', events: [] });
  });

  it('delete of a slot without leaves: no zap, no flush', () => {
    const vm = new Vm(config({ memslots: [SLOT0, RAM1] }));
    expect(vm.apply(op.memslot('delete', 1))).toStrictEqual({ outcome: 'ok', events: [] });
  });

  it('the zap role carries ad_disabled for EPT without A/D', () => {
    const vm = new Vm(config({ eptAd: false }));
    vm.ok([op.access(0x2000)]);
    expect(vm.apply(op.memslot('delete', 0)).events).toStrictEqual([zap(2, ROLE_L1_AD_DISABLED), { type: 'flush', scope: 'remote' }]);
    const npt = new Vm(config({ tdp: 'npt' }));
    npt.ok([op.access(0x2000)]);
    expect(npt.apply(op.memslot('delete', 0)).events[0]).toStrictEqual(zap(2));
  });

  it('a 5-level TDP root (M > 48) gives the same leaf role', () => {
    const vm = new Vm(config({ maxphyaddr: 52 }));
    vm.ok([op.access(0x3fff000)]);
    expect(vm.apply(op.memslot('delete', 0)).events[0]).toStrictEqual(zap(0x3fff));
  });

  it('move zaps the old range and keeps the contents and host frames', () => {
    const vm = new Vm(config({ memslots: [SLOT0, RAM1] }));
    vm.ok([op.write(0x4000010, 0x1234_5678_9abc_def0n), op.access(0x4000000)]);
    expect(vm.apply(op.memslot('move', 1, 0x8000000))).toStrictEqual({ outcome: 'ok', events: [zap(0x4000), { type: 'flush', scope: 'remote' }] });
    expect(vm.apply(op.read(0x8000010))).toStrictEqual({ outcome: 'ok', value: q(0x1234_5678_9abc_def0n), events: [] });
    expect(vm.apply(op.access(0x4000010))).toStrictEqual({ outcome: 'mmio', gpa: 0x4000010, level: 0, events: [] });
    expect(vm.apply(op.access(0x8000010))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x8000010,
      hpa: 0x104000010,
      level: 0,
      events: [{ type: 'map', gfn: 0x8000, level: 1, spte: { lo: 0x04000377, hi: 0x80000001 } }],
    });
    // Onto slot 0: refused, nothing zapped.
    expect(vm.apply(op.memslot('move', 1, 0x3f00000))).toStrictEqual({ outcome: 'rejected', events: [] });
    // To where it already is: not a move.
    expect(vm.apply(op.memslot('move', 1, 0x8000000))).toStrictEqual({ outcome: 'ok', events: [] });
  });

  it('a slot keeps its flags across a move (the flags of the op are ignored)', () => {
    const vm = new Vm(config({ memslots: [SLOT0, { ...RAM1, flags: ['dirty_log'] }] }));
    vm.ok([op.access(0x4000000)]);
    expect(vm.apply(op.memslot('move', 1, 0x8000000, 0, []))).toStrictEqual({ outcome: 'ok', events: [zap(0x4000), { type: 'flush', scope: 'remote' }] });
    expect(vm.apply(op.access(0x8000000)).events).toStrictEqual([
      { type: 'map', gfn: 0x8000, level: 1, spte: { lo: 0x04000377, hi: 0x80000001 } },
      { type: 'dirty', gfn: 0x8000 },
    ]);
    const rom = new Vm(config({ memslots: [SLOT0, ROM1] }));
    rom.ok([op.memslot('move', 1, 0x8000000, 0, [])]);
    expect(rom.apply(op.access(0x8000010, 'write'))).toStrictEqual({ outcome: 'mmio', gpa: 0x8000010, level: 0, events: [] });
  });

  it('a move to where the slot already is does nothing: no zap, SPTEs kept', () => {
    const vm = new Vm(config({ memslots: [SLOT0, RAM1] }));
    vm.ok([op.access(0x4000000, 'write')]);
    expect(vm.apply(op.memslot('move', 1, 0x4000000))).toStrictEqual({ outcome: 'ok', events: [] });
    expect(vm.apply(op.access(0x4000000, 'write')).events).toStrictEqual([]);
  });

  it('add checks id, alignment, size and overlap', () => {
    const vm = new Vm();
    expect(vm.apply(op.memslot('add', 0, 0x8000000, 0x1000))).toStrictEqual({ outcome: 'rejected', events: [] });
    expect(vm.apply(op.memslot('add', 1, 0x3fff000, 0x2000))).toStrictEqual({ outcome: 'rejected', events: [] });
    expect(vm.apply(op.memslot('add', 1, 0x8000800, 0x1000))).toStrictEqual({ outcome: 'rejected', events: [] });
    expect(vm.apply(op.memslot('add', 1, 0x8000000, 0x1800))).toStrictEqual({ outcome: 'rejected', events: [] });
    expect(vm.apply(op.memslot('add', 1, 0x8000000, 0x2000))).toStrictEqual({ outcome: 'ok', events: [] });
    expect(vm.apply(op.access(0x8001000)).hpa).toBe(0x104001000);
  });
});

describe('roots', () => {
  it('an MMU reset drops the root but the next access reuses its SPTEs', () => {
    const vm = new Vm();
    vm.ok([op.access(0x5000, 'write')]);
    vm.ok([op.set('cr4', 1 << 4), op.set('efer', 1 << 11)]);
    expect(vm.apply(op.access(0x5000, 'write')).events).toStrictEqual([]);
  });
});

describe('flush requests', () => {
  it('are deduplicated within an operation, in order of first request', () => {
    const log = new MmuEventLog();
    log.begin();
    log.request(1 << 1);
    log.request(1 << 0);
    log.request((1 << 1) | (1 << 0));
    log.flushGva(q(0x1000));
    log.flushGva(q(0x1000));
    expect(log.events).toStrictEqual([
      { type: 'flush', scope: 'guest' },
      { type: 'flush', scope: 'remote' },
      { type: 'flush', scope: 'gva', gva: q(0x1000) },
    ]);
    log.begin();
    expect(log.events).toBe(null);
  });
});
