// The leaf SPTE a shadow fault builds, derived by hand from the contract's make_spte rules:
// guest rights x CR0.WP x SMEP x gpte D x write fault x read-only slot -> P A U W D NX.
import { describe, expect, it } from 'vitest';
import type { MemslotSpec } from '../../backend.js';
import { access, apply, evOf, guest, shadowBackend } from './shadow-test-kit.js';

const SLOTS: MemslotSpec[] = [
  { slot: 0, gpa: 0, size: 0x4000000, flags: [] },
  { slot: 1, gpa: 0x4000000, size: 0x1000, flags: ['readonly'] },
  { slot: 2, gpa: 0x4001000, size: 0x1000, flags: ['dirty_log'] },
];
// Host frames are handed out slot by slot from 4 GiB.
const HPA_SLOT0 = 0x100000000;
const HPA_SLOT1 = HPA_SLOT0 + 0x4000000;
const HPA_SLOT2 = HPA_SLOT1 + 0x1000;

interface Row {
  leaf: string;
  kind: 'read' | 'write' | 'fetch';
  cpl?: 0 | 3;
  wp?: boolean;
  smep?: boolean;
  gpa?: number;
  hpa?: number;
  /** Expected low SPTE bits (P=1 W=2 U=4 A=0x20 D=0x40) and NX. */
  bits: number;
  nx: boolean;
  dirty?: boolean;
}

const ROWS: Record<string, Row> = {
  'dirty RW user gpte, read: writable at once': { leaf: 'P W U D', kind: 'read', bits: 0x67, nx: false },
  'clean RW user gpte, read: read-only until the first write': { leaf: 'P W U', kind: 'read', bits: 0x25, nx: false },
  'clean RW user gpte, write: D set, writable': { leaf: 'P W U', kind: 'write', bits: 0x67, nx: false },
  'RO user gpte, user read': { leaf: 'P U', kind: 'read', cpl: 3, bits: 0x25, nx: false },
  'RW supervisor gpte, write: no U': { leaf: 'P W', kind: 'write', bits: 0x63, nx: false },
  'NX gpte: SPTE NX': { leaf: 'P W U D NX', kind: 'read', bits: 0x67, nx: true },
  'CR0.WP=0 supervisor write to RO user gpte: W, U dropped': { leaf: 'P U D', kind: 'write', wp: false, bits: 0x63, nx: false },
  'CR0.WP=0 trick with SMEP: also NX': { leaf: 'P U D', kind: 'write', wp: false, smep: true, bits: 0x63, nx: true },
  'CR0.WP=0, RW gpte: no trick needed': { leaf: 'P W U D', kind: 'write', wp: false, bits: 0x67, nx: false },
  'read-only slot: never writable': { leaf: 'P W U D', kind: 'read', gpa: 0x4000000, hpa: HPA_SLOT1, bits: 0x25, nx: false },
  'dirty-logged slot: writable and logged': { leaf: 'P W U D', kind: 'read', gpa: 0x4001000, hpa: HPA_SLOT2, bits: 0x67, nx: false, dirty: true },
};

describe('make_spte derivation', () => {
  for (const [name, r] of Object.entries(ROWS)) {
    it(name, () => {
      const b = shadowBackend({ memslots: SLOTS });
      const gpa = r.gpa ?? 0x200000;
      apply(b, guest('long4', [[0x400000, gpa, { leaf: r.leaf }]], { nxe: true, wp: r.wp ?? true, cr4: r.smep ? 0x100000 : 0 }).ops);
      const o = b.apply(access(0x400000, r.kind, r.cpl ?? 0));
      expect(o.outcome).toBe('ok');
      const hpa = r.hpa ?? HPA_SLOT0 + gpa;
      const spte = BigInt(hpa) | BigInt(r.bits) | (r.nx ? 1n << 63n : 0n);
      const gfn = `0x${(gpa / 4096).toString(16)}`;
      const want = [`map ${gfn} 0x${(spte >> 32n).toString(16)}:0x${(spte & 0xffffffffn).toString(16)}`];
      if (r.dirty === true) want.push(`dirty ${gfn}`);
      expect(evOf(o, 'map', 'dirty')).toEqual(want);
      expect(o.hpa).toBe(hpa);
    });
  }

  it('a hardware hit returns the recorded translation with no event', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000, { leaf: 'P W U D' }]], { nxe: true }).ops);
    b.apply(access(0x400000, 'read', 0));
    expect(b.apply(access(0x400abc, 'write', 3))).toEqual({ outcome: 'ok', gpa: 0x200abc, hpa: HPA_SLOT0 + 0x200abc, level: 1, events: [] });
  });

  it('a guest 2 MiB page is mapped by direct level-1 pages, 4 KiB at a time, level 2 reported', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x600000, { level: 2, leaf: 'P W U D' }]], { nxe: true }).ops);
    const o = b.apply(access(0x401000, 'read', 0));
    expect(o).toMatchObject({ outcome: 'ok', gpa: 0x601000, level: 2 });
    // Direct page: gfn = the 2 MiB region's base, access = the leaf rights (R W U X = 0xf).
    expect(evOf(o, 'sp')).toEqual(['sp 0x11 l3 0x6f03', 'sp 0x12 l2 0x6f02', 'sp 0x600 l1 0x6f81']);
  });

  it('a hardware hit reports the guest level of its own path, even through a direct page shared by two large pages', () => {
    const b = shadowBackend();
    // A 1 GiB and a 2 MiB guest page both map gpa 0: their direct level-1 pages are one page.
    apply(b, guest('long4', [[0x40000000, 0, { level: 3, leaf: 'P W U D' }], [0x200000, 0, { level: 2, leaf: 'P W U D' }]], { nxe: true }).ops);
    expect(b.apply(access(0x40000000, 'read', 0))).toMatchObject({ outcome: 'ok', gpa: 0, level: 3 });
    // Same SPTE slot, old SPTE writable: the shortcut keeps W and drops D (0x67 -> 0x27).
    expect(evOf(b.apply(access(0x200000, 'read', 0)), 'map')).toEqual(['map 0x0 0x1:0x27']);
    expect(b.apply(access(0x40000000, 'read', 0))).toEqual({ outcome: 'ok', gpa: 0, hpa: HPA_SLOT0, level: 3, events: [] });
    expect(b.apply(access(0x200000, 'read', 0))).toEqual({ outcome: 'ok', gpa: 0, hpa: HPA_SLOT0, level: 2, events: [] });
  });
});
