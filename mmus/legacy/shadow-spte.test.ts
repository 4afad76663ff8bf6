// Shadow leaf SPTEs written from the rules (docs/model-contract-shadow.md "access" steps 5-7):
// guest rights x CR0.WP x SMEP x gpte dirty x write fault x read-only slot -> the `map` SPTE,
// including the CR0.WP = 0 trick (a supervisor write to a read-only page gets W and loses U,
// and X too under SMEP). Paging: 4-level, NX on, gva 0x400000 -> gpa 0x800000 (or the ROM slot).
import { describe, expect, it } from 'vitest';
import type { AccessKind } from '../backend.js';
import { access } from '../testing/ops.js';
import { PageTables } from '../testing/page-tables.js';
import { enablePaging } from '../testing/paging-setup.js';
import { CR4_SMEP } from '../x86/bits.js';
import { SLOT0, ShadowVm, only, shadowConfig } from './shadow-kit.js';

const ROM = { slot: 1, gpa: 0x4000000, size: 0x100000, flags: ['readonly' as const] };
const P = 1, W = 2, U = 4, A = 0x20, D = 0x40;
const NX = 'NX';

interface Row {
  name: string;
  leaf: string;
  wp: boolean;
  smep?: boolean;
  kind: AccessKind;
  cpl: 0 | 3;
  rom?: boolean;
  /** Expected SPTE flags (low half) and NX, or the outcome when no SPTE is made. */
  spte: number | [number, typeof NX] | 'page_fault' | 'mmio';
}

const ROWS: Row[] = [
  { name: 'dirty RW user page, supervisor read: writable at once', leaf: 'P W U A D', wp: true, kind: 'read', cpl: 0, spte: P | A | U | W | D },
  { name: 'clean RW page, read: read-only until the first write sets D', leaf: 'P W U A', wp: true, kind: 'read', cpl: 0, spte: P | A | U },
  { name: 'clean RW page, user write: the walk sets D, SPTE writable and dirty', leaf: 'P W U', wp: true, kind: 'write', cpl: 3, spte: P | A | U | W | D },
  { name: 'NX user page, user read: NX in the SPTE', leaf: 'P U NX', wp: true, kind: 'read', cpl: 3, spte: [P | A | U, NX] },
  { name: 'supervisor dirty RW page: no U', leaf: 'P W D', wp: true, kind: 'read', cpl: 0, spte: P | A | W | D },
  { name: 'read-only page, supervisor write, CR0.WP = 1: guest #PF', leaf: 'P U', wp: true, kind: 'write', cpl: 0, spte: 'page_fault' },
  { name: 'CR0.WP = 0 trick: read-only user page, supervisor write -> W, no U', leaf: 'P U', wp: false, kind: 'write', cpl: 0, spte: P | A | W | D },
  { name: 'CR0.WP = 0 trick under SMEP: also not executable', leaf: 'P U', wp: false, smep: true, kind: 'write', cpl: 0, spte: [P | A | W | D, NX] },
  { name: 'CR0.WP = 0 trick on a supervisor page', leaf: 'P', wp: false, kind: 'write', cpl: 0, spte: P | A | W | D },
  { name: 'CR0.WP = 0, writable page: no trick needed, U kept', leaf: 'P W U', wp: false, kind: 'write', cpl: 0, spte: P | A | U | W | D },
  { name: 'CR0.WP = 0, user write to a read-only page: guest #PF', leaf: 'P U', wp: false, kind: 'write', cpl: 3, spte: 'page_fault' },
  { name: 'CR0.WP = 0, supervisor read of a read-only page: no trick', leaf: 'P U', wp: false, kind: 'read', cpl: 0, spte: P | A | U },
  { name: 'read-only slot, read of a dirty RW page: never writable', leaf: 'P W U D', wp: true, kind: 'read', cpl: 0, rom: true, spte: P | A | U },
  { name: 'read-only slot, write: mmio, no SPTE', leaf: 'P W U D', wp: true, kind: 'write', cpl: 0, rom: true, spte: 'mmio' },
  { name: 'user fetch of an executable RW page', leaf: 'P W U D', wp: true, kind: 'fetch', cpl: 3, spte: P | A | U | W | D },
];

describe('shadow leaf SPTE derivation', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const vm = new ShadowVm(shadowConfig({ memslots: [SLOT0, ROM] }));
      const gpa = row.rom ? 0x4000000 : 0x800000;
      const hpaFrame = row.rom ? 0x104000000 : 0x100800000;
      const pt = new PageTables('long4', 0x1000, 0x2000);
      vm.ok(pt.map(0x400000, gpa, { leaf: row.leaf }));
      vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true, wp: row.wp, cr4: row.smep ? CR4_SMEP : 0 }));
      const obs = vm.apply(access(0x400000, row.kind, row.cpl));
      const maps = only(obs.events, 'map');
      if (row.spte === 'page_fault' || row.spte === 'mmio') {
        expect(obs.outcome).toBe(row.spte);
        expect(maps).toStrictEqual([]);
        return;
      }
      const [flags, nx] = typeof row.spte === 'number' ? [row.spte, false] : [row.spte[0], true];
      expect(obs.outcome).toBe('ok');
      expect(obs.gpa).toBe(gpa);
      expect(maps).toStrictEqual([
        { type: 'map', gfn: gpa / 4096, level: 1, spte: { lo: (hpaFrame % 2 ** 32) | flags, hi: (Math.floor(hpaFrame / 2 ** 32) | (nx ? 0x80000000 : 0)) >>> 0 } },
      ]);
    });
  }

  it('the CR0.WP = 0 SPTE is supervisor-only: a later user read faults into KVM and gets the user view', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('long4', 0x1000, 0x2000);
    vm.ok(pt.map(0x400000, 0x800000, { leaf: 'P U A D' }));
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true, wp: false }));
    expect(only(vm.apply(access(0x400000, 'write', 0)).events, 'map')).toStrictEqual([
      { type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800000 | P | A | W | D, hi: 1 } },
    ]);
    const user = vm.apply(access(0x400000, 'read', 3));
    expect(user.outcome).toBe('ok');
    expect(only(user.events, 'map')).toStrictEqual([{ type: 'map', gfn: 0x800, level: 1, spte: { lo: 0x800000 | P | A | U, hi: 1 } }]);
  });

  it('a hardware hit reports the recorded translation with no event', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('long4', 0x1000, 0x2000);
    vm.ok(pt.map(0x400000, 0x800000, { leaf: 'P W U A D' }));
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    vm.ok([access(0x400000, 'read', 0)]);
    expect(vm.apply(access(0x400abc, 'write', 3))).toStrictEqual({ outcome: 'ok', gpa: 0x800abc, hpa: 0x100800abc, level: 1, events: [] });
  });
});

describe('the level of a hardware hit', () => {
  it('comes from the shadow path: a direct page shared by a 1 GiB and a 2 MiB guest page', () => {
    const vm = new ShadowVm();
    const pt = new PageTables('long4', 0x1000, 0x2000);
    // Read-only leaves: the second fault makes the identical SPTE (no old-W shortcut).
    vm.ok([...pt.map(0x40000000, 0, { leaf: 'P U A D', level: 3 }), ...pt.map(0x80000000, 0, { leaf: 'P U A D', level: 2 })]);
    vm.ok(enablePaging('long4', { cr3: 0x1000, nxe: true }));
    expect(vm.apply(access(0x40000000, 'read', 0))).toMatchObject({ outcome: 'ok', gpa: 0, level: 3 });
    // The 2 MiB page reaches the same direct level-1 page and SPTE (identical: no `map`).
    const b = vm.apply(access(0x80000000, 'read', 0));
    expect(b).toMatchObject({ outcome: 'ok', gpa: 0, level: 2 });
    expect(only(b.events, 'map')).toStrictEqual([]);
    // Hardware hits: each reports the guest leaf level of its own path.
    expect(vm.apply(access(0x40000000, 'read', 0))).toStrictEqual({ outcome: 'ok', gpa: 0, hpa: 0x100000000, level: 3, events: [] });
    expect(vm.apply(access(0x80000000, 'read', 0))).toStrictEqual({ outcome: 'ok', gpa: 0, hpa: 0x100000000, level: 2, events: [] });
  });
});
