// Unsync and sync (§7.3, §7.5): a write through a writable mapping of a level-1 table makes it
// unsync; the guest then edits it without trapping and keeps the stale translation until an
// INVLPG or CR3 write syncs it.
import { describe, expect, it } from 'vitest';
import { invlpg, invpcid } from '../../testing/ops.js';
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
