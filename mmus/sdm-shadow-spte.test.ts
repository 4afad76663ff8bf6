// The leaf SPTE KVM builds under shadow paging (docs/model-contract-shadow.md "make_spte", §7.2),
// as a table run on both KVM models. Each row's SPTE bits were written by hand from the rules —
// guest rights AND-ed down the walk, clean-gpte protection, the CR0.WP = 0 trick, SMEP, a
// read-only slot — never produced by a model. After the fault, the same access again must be a
// hardware hit: ok with no event.
import { describe, expect, it } from 'vitest';
import type { Config, Observation } from './backend.js';
import { GuestMemory } from './memory/guest-memory.js';
import { getBackend } from './registry.js';
import { makeConfig, SLOT0 } from './testing/config.js';
import { access } from './testing/ops.js';
import { runOps } from './testing/run-ops.js';
import { buildWalkRow, ROW_DATA, ROW_GVA, type WalkRow } from './testing/walk-row.js';
import { PFERR_FETCH as F, PFERR_PRESENT as PF_P, PFERR_USER as PF_U, PFERR_WRITE as PF_W } from './x86/bits.js';

// SPTE bits (x86 format: the hardware walks shadow tables as ordinary page tables).
const P = 0x1, W = 0x2, U = 0x4, A = 0x20, D = 0x40;
const NX = 'NX';

interface SpteRow extends Omit<WalkRow, 'expect' | 'tdp'> {
  /** The leaf SPTE's low flag bits and whether NX (bit 63) is set; or the #PF error code. */
  readonly spte: { readonly flags: number; readonly nx?: typeof NX } | { readonly fault: number } | 'mmio';
  readonly readOnlySlot?: boolean;
}

// Conventions: long4, NXE = 1, CR0.WP = 1, tables 'P W U A', a 4 KiB leaf mapping ROW_DATA.
const ROWS: readonly SpteRow[] = [
  { name: 'user read of a dirty writable user page', leaf: 'P W U A D', kind: 'read', cpl: 3, spte: { flags: P | W | U | A | D } },
  { name: 'user read of a clean writable page: read-only until the first write', leaf: 'P W U A', kind: 'read', cpl: 3, spte: { flags: P | U | A } },
  { name: 'user write to a clean writable page: the walk sets D, the SPTE is writable', leaf: 'P W U A', kind: 'write', cpl: 3, spte: { flags: P | W | U | A | D } },
  { name: 'user write to a read-only page faults in the guest walk', leaf: 'P U A D', kind: 'write', cpl: 3, spte: { fault: PF_P | PF_W | PF_U } },
  { name: 'supervisor write to a read-only page, CR0.WP = 1', leaf: 'P U A D', kind: 'write', cpl: 0, spte: { fault: PF_P | PF_W } },
  { name: 'CR0.WP = 0 trick: supervisor write to a read-only user page is writable and supervisor-only', wp: false, leaf: 'P U A', kind: 'write', cpl: 0, spte: { flags: P | W | A | D } },
  { name: 'CR0.WP = 0 trick with SMEP: also non-executable', wp: false, smep: true, leaf: 'P U A', kind: 'write', cpl: 0, spte: { flags: P | W | A | D, nx: NX } },
  { name: 'CR0.WP = 0, supervisor read of a read-only user page: no trick', wp: false, leaf: 'P U A D', kind: 'read', cpl: 0, spte: { flags: P | U | A } },
  { name: 'supervisor read of a supervisor page', leaf: 'P W A D', kind: 'read', cpl: 0, spte: { flags: P | W | A | D } },
  { name: 'user read of a supervisor page faults', leaf: 'P W A D', kind: 'read', cpl: 3, spte: { fault: PF_P | PF_U } },
  { name: 'NX in the leaf gives an NX SPTE', leaf: 'P W U A D NX', kind: 'read', cpl: 3, spte: { flags: P | W | U | A | D, nx: NX } },
  { name: 'NX in the PDE (rights are AND-ed down the walk)', tables: { 2: 'P W U A NX' }, leaf: 'P W U A D', kind: 'read', cpl: 3, spte: { flags: P | W | U | A | D, nx: NX } },
  { name: 'R/W = 0 in the PDPTE makes the SPTE read-only', tables: { 3: 'P U A' }, leaf: 'P W U A D', kind: 'read', cpl: 3, spte: { flags: P | U | A } },
  { name: 'U/S = 0 in the PML4E makes the SPTE supervisor-only', tables: { 4: 'P W A' }, leaf: 'P W U A D', kind: 'read', cpl: 0, spte: { flags: P | W | A | D } },
  { name: 'user fetch from an executable user page', leaf: 'P W U A D', kind: 'fetch', cpl: 3, spte: { flags: P | W | U | A | D } },
  { name: 'fetch from an NX page faults', leaf: 'P W U A D NX', kind: 'fetch', cpl: 3, spte: { fault: PF_P | PF_U | F } },
  { name: 'supervisor fetch from a user page with SMEP faults', smep: true, leaf: 'P W U A D', kind: 'fetch', cpl: 0, spte: { fault: PF_P | F } },
  { name: 'a read-only memslot: no W even for a dirty writable gpte', readOnlySlot: true, leaf: 'P W U A D', kind: 'read', cpl: 3, spte: { flags: P | U | A } },
  { name: 'a write into a read-only memslot is mmio, no SPTE', readOnlySlot: true, leaf: 'P W U A D', kind: 'write', cpl: 3, spte: 'mmio' },
  { name: '2 MiB guest page: a level-1 SPTE in a direct shadow page', level: 2, leaf: 'P W U A D', kind: 'read', cpl: 3, spte: { flags: P | W | U | A | D } },
];

const DATA_SLOT = 1;

function config(row: SpteRow): Config {
  if (!row.readOnlySlot) return makeConfig({ tdp: 'none', without: ['pku'], memslots: [SLOT0] });
  // The data page in a read-only slot of its own; the tables stay in slot 0.
  const low = { ...SLOT0, size: ROW_DATA };
  const ro = { slot: DATA_SLOT, gpa: ROW_DATA, size: 0x400000, flags: ['readonly' as const] };
  return makeConfig({ tdp: 'none', without: ['pku'], memslots: [low, ro] });
}

/** The `map` event of the data page's gfn in an observation, if any. */
function mapOf(o: Observation): { lo: number; hi: number } | undefined {
  const gfn = Math.floor(ROW_DATA / 0x1000) + (row2MiBOffset(o) ?? 0);
  for (const e of o.events) if (e.type === 'map' && e.gfn === gfn) return e.spte;
  return undefined;
}

/** For a 2 MiB page the data gfn is ROW_DATA's plus the 4 KiB page of ROW_GVA inside it. */
function row2MiBOffset(o: Observation): number | undefined {
  return o.level === 2 ? Math.floor((ROW_GVA % 0x200000) / 0x1000) : undefined;
}

for (const name of ['legacy', 'refactored'] as const) {
  describe(`shadow SPTE derivation on ${name}`, () => {
    for (const row of ROWS) {
      it(row.name, () => {
        const cfg = config(row);
        const ops = buildWalkRow({ ...row, nxe: row.nxe ?? true, expect: 'ok', tables: { 4: 'P W U A', 3: 'P W U A', 2: 'P W U A', ...row.tables } });
        ops.push(access(ROW_GVA, row.kind, row.cpl, row.implicit ?? false));
        const obs = runOps(getBackend(name), cfg, ops);
        const [fault, again] = obs.slice(-2) as [Observation, Observation];
        const spte = row.spte;
        if (spte === 'mmio') {
          expect(fault.outcome).toBe('mmio');
          expect(mapOf(fault)).toBeUndefined();
          return;
        }
        if ('fault' in spte) {
          expect([fault.outcome, fault.errorCode]).toEqual(['page_fault', spte.fault]);
          expect(fault.events.some((e) => e.type === 'map')).toBe(false);
          return;
        }
        expect(fault.outcome).toBe('ok');
        const got = mapOf(fault);
        expect(got, 'a map event for the data page').toBeDefined();
        const gpa = fault.gpa!;
        const hpa = new GuestMemory(cfg.memslots).hpaOf(gpa - (gpa % 0x1000));
        const want = {
          flags: spte.flags,
          nx: spte.nx === NX,
          frame: hpa,
        };
        const frameOf = (s: { lo: number; hi: number }): number => (s.hi & 0xfffff) * 0x1_0000_0000 + ((s.lo & 0xfffff000) >>> 0);
        expect({ flags: got!.lo & 0xfff, nx: (got!.hi & 0x80000000) !== 0, frame: frameOf(got!) }).toEqual(want);
        // The same access again is served by the hardware from that SPTE: nothing for KVM to do.
        expect(again).toEqual({ outcome: 'ok', gpa: fault.gpa, hpa: fault.hpa, level: fault.level, events: [] });
      });
    }
  });
}
