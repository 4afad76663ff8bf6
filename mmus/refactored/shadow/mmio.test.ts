// MMIO SPTEs and the memslot generation (§7.8), and dirty logging (§7.9) under shadow paging.
import { describe, expect, it } from 'vitest';
import { memslot } from '../../testing/ops.js';
import { access, apply, brief, ev, guest, shadowBackend } from './shadow-test-kit.js';

describe('MMIO SPTEs', () => {
  it('a gpa outside every memslot installs an MMIO SPTE, later hit without a walk', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x5000000]], { nxe: true }).ops);
    const first = b.apply(access(0x400010, 'read', 0));
    expect(brief(first)).toEqual({ outcome: 'mmio', gpa: 0x5000010, level: 1 });
    expect(ev(first).filter((e) => !e.startsWith('set_ad'))).toEqual(['sp 0x11 l3 0x6f03', 'sp 0x12 l2 0x6f02', 'sp 0x13 l1 0x6f01', 'mmio_spte 0x5000']);
    expect(b.apply(access(0x400020, 'read', 0))).toEqual({ outcome: 'mmio', gpa: 0x5000020, level: 1, events: [] });
    expect(b.apply({ op: 'check' }).digest).toContain('  0 mmio gfn=0x5000');
  });

  it('the MMIO SPTE keeps the rights of its walk: a write through a clean gpte walks (D) and re-installs it', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x5000000]], { nxe: true }).ops);
    b.apply(access(0x400010, 'read', 0));
    // Clean gpte: the read recorded no W, so the write is an ordinary fault that sets D.
    const w = b.apply(access(0x400020, 'write', 0));
    expect(brief(w)).toEqual({ outcome: 'mmio', gpa: 0x5000020, level: 1 });
    expect(ev(w)).toEqual(['set_ad 0x13000', 'mmio_spte 0x5000']);
    expect(b.apply(access(0x400028, 'write', 0))).toEqual({ outcome: 'mmio', gpa: 0x5000028, level: 1, events: [] });
  });

  it('an MMIO SPTE never serves a fetch, nor a user access to a supervisor translation', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x5000000, { leaf: 'P W D' }]], { nxe: true }).ops);
    b.apply(access(0x400000, 'read', 0));
    const f = b.apply(access(0x400000, 'fetch', 0));
    expect(brief(f)).toEqual({ outcome: 'mmio', gpa: 0x5000000, level: 1 });
    expect(ev(f)).toEqual(['mmio_spte 0x5000']);
    expect(brief(b.apply(access(0x400000, 'read', 3)))).toMatchObject({ outcome: 'page_fault' });
  });

  it('a memslot change makes the MMIO SPTE stale: the next access faults in and maps the new slot', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x5000000]], { nxe: true }).ops);
    b.apply(access(0x400000, 'read', 0));
    apply(b, [memslot('add', 1, { gpa: 0x5000000, size: 0x1000 })]);
    const o = b.apply(access(0x400000, 'read', 0));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x5000000, level: 1 });
    expect(ev(o)).toEqual(['map 0x5000 0x1:0x4000025']);
  });

  it('a write to a read-only slot is mmio and installs nothing', () => {
    const b = shadowBackend({
      memslots: [
        { slot: 0, gpa: 0, size: 0x4000000, flags: [] },
        { slot: 1, gpa: 0x4000000, size: 0x1000, flags: ['readonly'] },
      ],
    });
    apply(b, guest('long4', [[0x400000, 0x4000000, { leaf: 'P W U D' }]], { nxe: true }).ops);
    const o = b.apply(access(0x400000, 'write', 0));
    expect(brief(o)).toEqual({ outcome: 'mmio', gpa: 0x4000000, level: 1 });
    expect(ev(o).filter((e) => e.startsWith('map') || e.startsWith('mmio'))).toEqual([]);
  });
});

describe('dirty logging', () => {
  it('enabling the log write-protects writable SPTEs; the next write maps W again and logs', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000], [0x401000, 0x201000]], { nxe: true }).ops);
    apply(b, [access(0x401000, 'write', 0), access(0x400000, 'write', 0)]);
    expect(ev(b.apply(memslot('flags', 0, { flags: ['dirty_log'] })))).toEqual(['wrprot 0x200', 'wrprot 0x201', 'flush remote']);
    expect(b.apply(access(0x400000, 'read', 0)).events).toEqual([]);
    expect(ev(b.apply(access(0x400000, 'write', 0)))).toEqual(['map 0x200 0x1:0x200067', 'dirty 0x200']);
  });
});
