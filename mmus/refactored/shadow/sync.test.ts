// Unsync and sync (§7.3, §7.5): a write through a writable mapping of a level-1 table makes it
// unsync; the guest then edits it without trapping and keeps the stale translation until an
// INVLPG or CR3 write syncs it.
import { describe, expect, it } from 'vitest';
import { invlpg, invpcid, memslot } from '../../testing/ops.js';
import { access, apply, brief, ev, evOf, guest, setReg, shadowBackend, write } from './shadow-test-kit.js';

/** 4-level guest: 0x400000 -> 0x200000 via PT 0x13000; 0x402000 maps the PT itself. */
function unsynced() {
  const b = shadowBackend();
  apply(b, guest('long4', [[0x400000, 0x200000], [0x402000, 0x13000]], { nxe: true }).ops);
  apply(b, [access(0x400000, 'read', 0)]);
  const o = b.apply(access(0x402000, 'write', 0));
  return { b, o };
}

describe('unsync', () => {
  it('a write fault mapping a level-1 table writable makes its page unsync, then maps W', () => {
    const { o } = unsynced();
    expect(evOf(o, 'unsync', 'map')).toEqual(['unsync 0x13 0x6f01', 'map 0x13 0x1:0x13067']);
  });

  it('guest stores to an unsync table do not trap; the stale SPTE keeps hitting until INVLPG', () => {
    const { b } = unsynced();
    expect(ev(b.apply(write(0x13000, 0x202067n)))).toEqual([]);
    expect(brief(b.apply(access(0x400000, 'read', 0)))).toEqual({ outcome: 'ok', gpa: 0x200000, level: 1 });
    apply(b, [invlpg(0x400000)]);
    const o = b.apply(access(0x400000, 'read', 0));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x202000, level: 1 });
    expect(evOf(o, 'map')).toEqual(['map 0x202 0x1:0x202067']);
  });

  it('INVLPG rebuilds an SPTE whose rights changed (W taken away)', () => {
    const { b } = unsynced();
    apply(b, [access(0x400000, 'write', 0), write(0x13000, 0x200065n)]);
    expect(ev(b.apply(invlpg(0x400000)))).toEqual(['flush gva 0x400000', 'map 0x200 0x1:0x200025', 'flush remote']);
  });

  it('a CR3 write syncs the current root: wrprot of the table, sync, then sync_spte', () => {
    const { b } = unsynced();
    apply(b, [write(0x13000, 0x202067n)]);
    expect(ev(b.apply(setReg('cr3', 0x10000)))).toEqual(['flush current', 'wrprot 0x13', 'flush remote', 'sync 0x13 0x6f01', 'zap 0x200 l1 0x6f01 sync']);
    // Synced and write-protected again: the next store through 0x402000 unsyncs it again.
    expect(evOf(b.apply(access(0x402008, 'write', 0)), 'unsync')).toEqual(['unsync 0x13 0x6f01']);
  });

  it('a guest store to a synced level-1 table (no upper-level page) unsyncs it', () => {
    const { b } = unsynced();
    apply(b, [setReg('cr3', 0x10000)]);
    expect(ev(b.apply(write(0x13008, 0)))).toEqual(['unsync 0x13 0x6f01']);
  });

  it('INVPCID all-context (guest flush) syncs the roots', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000], [0x402000, 0x13000]], { nxe: true }).ops);
    apply(b, [access(0x400000, 'read', 0), access(0x402000, 'write', 0), write(0x13000, 0)]);
    expect(ev(b.apply(invpcid(2, 0)))).toEqual(['flush guest', 'wrprot 0x13', 'flush remote', 'sync 0x13 0x6f01', 'zap 0x200 l1 0x6f01 sync']);
  });
});

/** The unsync PT 0x13000 (mapped writable through 0x402000) with the first op run before the unsync. */
function unsyncedAfter(maps: [number, number, { leaf?: string }?][], first: Parameters<typeof apply>[1]) {
  const b = shadowBackend();
  apply(b, guest('long4', [...maps, [0x402000, 0x13000]], { nxe: true }).ops);
  // The first ops may be MMIO accesses (outcome mmio), so they are applied unchecked.
  for (const o of first) b.apply(o);
  apply(b, [access(0x402000, 'write', 0)]);
  return b;
}

describe('sync_spte rules of the amended contract', () => {
  it('an MMIO SPTE whose gpte keeps its gfn is re-stamped with the new rights and generation', () => {
    const b = unsyncedAfter([[0x400000, 0x5000000]], [access(0x400000, 'read', 0)]);
    // The read through a clean gpte recorded no W; the gpte becomes dirty, a memslot add bumps
    // the generation, and the sync re-stamps both without an event.
    apply(b, [write(0x13000, 0x5000067n), memslot('add', 5, { gpa: 0x6000000, size: 0x1000 })]);
    expect(ev(b.apply(invlpg(0x400000)))).toEqual(['flush gva 0x400000']);
    expect(b.apply(access(0x400008, 'write', 0))).toEqual({ outcome: 'mmio', gpa: 0x5000008, level: 1, events: [] });
  });

  it('an MMIO SPTE whose gpte names another gfn is dropped without a flush; an invalid gpte drops it with one', () => {
    const b = unsyncedAfter([[0x400000, 0x5000000], [0x401000, 0x5001000]], [access(0x400000, 'read', 0), access(0x401000, 'read', 0)]);
    apply(b, [write(0x13000, 0x5002067n), write(0x13008, 0n)]);
    expect(ev(b.apply(invlpg(0x400000)))).toEqual(['flush gva 0x400000', 'zap 0x5000 l1 0x6f01 sync']);
    expect(ev(b.apply(invlpg(0x401000)))).toEqual(['flush gva 0x401000', 'zap 0x5001 l1 0x6f01 sync', 'flush remote']);
  });

  it('a rebuild that loses MMU-writable flushes even though dirty logging already cleared W', () => {
    const b = unsyncedAfter([[0x400000, 0x200000]], [access(0x400000, 'write', 0)]);
    expect(ev(b.apply(memslot('flags', 0, { flags: ['dirty_log'] })))).toEqual(['wrprot 0x13', 'wrprot 0x200', 'flush remote']);
    apply(b, [write(0x13000, 0x200025n)]);
    expect(ev(b.apply(invlpg(0x400000)))).toEqual(['flush gva 0x400000', 'map 0x200 0x1:0x200025', 'flush remote']);
  });

  it('a sync rebuild may make an SPTE writable when no shadow page covers its gfn (with D)', () => {
    const b = unsyncedAfter([[0x400000, 0x200000, { leaf: 'P U D' }]], [access(0x400000, 'read', 0)]);
    apply(b, [write(0x13000, 0x200067n)]);
    expect(ev(b.apply(invlpg(0x400000)))).toEqual(['flush gva 0x400000', 'map 0x200 0x1:0x200067']);
  });

  it('mmu_sync_children: every wrprot first, one flush, then each page synced in ascending order', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000], [0x600000, 0x201000], [0x402000, 0x13000], [0x602000, 0x14000]], { nxe: true }).ops);
    apply(b, [access(0x402000, 'write', 0), access(0x602000, 'write', 0)]);
    expect(ev(b.apply(setReg('cr3', 0x10000)))).toEqual(['flush current', 'wrprot 0x13', 'wrprot 0x14', 'flush remote', 'sync 0x13 0x6f01', 'sync 0x14 0x6f01']);
  });
});

describe('make_spte old-writable shortcut', () => {
  it('a fault on a slot whose old SPTE is writable keeps W without D and without an unsync step', () => {
    const b = unsyncedAfter([[0x400000, 0x200000, { leaf: 'P W D' }]], [access(0x400000, 'write', 0)]);
    // The unsync PT lets the guest add U silently; the user read faults on the present SPTE.
    apply(b, [write(0x13000, 0x200067n)]);
    expect(ev(b.apply(access(0x400000, 'read', 3)))).toEqual(['map 0x200 0x1:0x200027']);
  });
});
