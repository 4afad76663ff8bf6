// Zap reasons, unsync and sync under shadow paging (docs/model-contract-shadow.md), as scenarios
// run on both KVM models with the expected shadow events written by hand from the contract. Only
// the events that name a reason or a sync are compared (sp/map events are covered elsewhere).
import { describe, expect, it } from 'vitest';
import type { MmuEvent, Observation, Op } from './backend.js';
import { getBackend } from './registry.js';
import { makeConfig, SLOT0 } from './testing/config.js';
import { access, invlpg, memslot, read, setReg, write } from './testing/ops.js';
import { enablePaging } from './testing/paging-setup.js';
import { runOps } from './testing/run-ops.js';

// 4-level guest tables: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> data pages.
const PML4 = 0x1000, PDPT = 0x2000, PD = 0x3000, PT = 0x4000;
const DATA = 0x100000, OTHER = 0x200000;
const E = 0x27; // P W U A: every table entry
const LEAF = 0x67; // P W U A D
const GVA = 0x0; // PML4E 0, PDPTE 0, PDE 0, PTE 0
const GVA2 = 0x1000; // the same tables, PTE 1

/** Roles in the common layout: access RWUX (0xf00), efer_nx (bit 13), cr0_wp (bit 14), level. */
const role = (level: number): number => 0x6000 | 0xf00 | level;

function tables(): Op[] {
  return [
    write(PML4, PDPT | E),
    write(PDPT, PD | E),
    write(PD, PT | E),
    write(PT, DATA | LEAF),
    write(PT + 8, (DATA + 0x1000) | LEAF),
    ...enablePaging('long4', { cr3: PML4, nxe: true }),
  ];
}

const SHADOW = makeConfig({ tdp: 'none', without: ['pku'], memslots: [SLOT0] });

/** The zap / zap_sp / unsync / sync events and remote flushes of an observation, in order. */
function shadowEvents(o: Observation): MmuEvent[] {
  return o.events.filter((e) => e.type === 'zap' || e.type === 'zap_sp' || e.type === 'unsync' || e.type === 'sync' || (e.type === 'flush' && e.scope === 'remote'));
}

const FLUSH_REMOTE: MmuEvent = { type: 'flush', scope: 'remote' };

for (const name of ['legacy', 'refactored'] as const) {
  describe(`shadow zaps, unsync and sync on ${name}`, () => {
    const run = (ops: readonly Op[]): Observation[] => runOps(getBackend(name), SHADOW, [...tables(), ...ops]);

    it('pte_write: an emulated write to a PDE zaps the shadow PDE covering it', () => {
      const obs = run([access(GVA, 'read', 0), write(PD, PT | E)]);
      expect(shadowEvents(obs.at(-1)!)).toEqual([{ type: 'zap', gfn: PT >> 12, level: 2, role: role(2), reason: 'pte_write' }, FLUSH_REMOTE]);
    });

    it('misaligned: a 2-byte write to a shadowed PD zaps the whole page', () => {
      const obs = run([access(GVA, 'read', 0), write(PD, PT | E, 2)]);
      expect(shadowEvents(obs.at(-1)!)).toEqual([{ type: 'zap_sp', gfn: PD >> 12, level: 2, role: role(2), reason: 'misaligned' }, FLUSH_REMOTE]);
    });

    it('flood: the third emulated write without an intervening fault zaps the page; a fault through it resets the count', () => {
      const unused = PD + 0x10; // a not-present PDE: its writes zap nothing
      const flood = run([access(GVA, 'read', 0), write(unused, 0), write(unused, 0), write(unused, 0)]);
      expect(flood.slice(-3).map(shadowEvents)).toEqual([[], [], [{ type: 'zap_sp', gfn: PD >> 12, level: 2, role: role(2), reason: 'flood' }, FLUSH_REMOTE]]);
      // GVA2 has no SPTE yet: its fault walks the shadow path and clears the PD's count.
      const reset = run([access(GVA, 'read', 0), write(unused, 0), write(unused, 0), access(GVA2, 'read', 0), write(unused, 0)]);
      expect(reset.slice(-1).map(shadowEvents)).toEqual([[]]);
    });

    it('unsync: a store to a level-1 table unsyncs its page, the old SPTE stays in use until INVLPG drops it', () => {
      const obs = run([
        access(GVA, 'read', 0),
        write(PT, OTHER | LEAF), // the PT's gfn has only a level-1 shadow page: it goes unsync
        access(GVA, 'read', 0), // hardware hit on the stale SPTE
        invlpg(GVA), // INVLPG sync of that SPTE: its gfn changed, dropped
        access(GVA, 'read', 0),
      ]);
      const [store, stale, inval, fresh] = obs.slice(-4) as [Observation, Observation, Observation, Observation];
      expect(shadowEvents(store)).toEqual([{ type: 'unsync', gfn: PT >> 12, role: role(1) }]);
      expect(stale).toMatchObject({ outcome: 'ok', gpa: DATA, events: [] });
      expect(shadowEvents(inval)).toEqual([{ type: 'zap', gfn: DATA >> 12, level: 1, role: role(1), reason: 'sync' }, FLUSH_REMOTE]);
      expect(fresh).toMatchObject({ outcome: 'ok', gpa: OTHER });
    });

    it('a CR3 load syncs the unsync page (sync event, then the dropped SPTE)', () => {
      const obs = run([access(GVA, 'read', 0), write(PT, OTHER | LEAF), setReg('cr3', PML4), access(GVA, 'read', 0)]);
      const [load, after] = obs.slice(-2) as [Observation, Observation];
      expect(shadowEvents(load)).toEqual([
        { type: 'sync', gfn: PT >> 12, role: role(1) },
        { type: 'zap', gfn: DATA >> 12, level: 1, role: role(1), reason: 'sync' },
        FLUSH_REMOTE,
      ]);
      expect(after).toMatchObject({ outcome: 'ok', gpa: OTHER });
    });

    it('unsync_upper: using an unsync level-1 table as a page directory zaps the unsync page', () => {
      // PTE 2 := the PT page itself (a store that unsyncs it); then PDPTE 1 -> the PT page used as
      // a PD: gva 0x40400000 walks PDE 2 = that same entry -> the PT page as a table -> PTE 0.
      const obs = run([access(GVA, 'read', 0), write(PT + 0x10, PT | E), write(PDPT + 8, PT | E), access(0x40400000, 'read', 0)]);
      const [store, , use] = obs.slice(-3) as [Observation, Observation, Observation];
      expect(shadowEvents(store)).toEqual([{ type: 'unsync', gfn: PT >> 12, role: role(1) }]);
      expect(shadowEvents(use)).toContainEqual({ type: 'zap_sp', gfn: PT >> 12, level: 1, role: role(1), reason: 'unsync_upper' });
    });

    it('memslot delete: every shadow page zapped, ascending (gfn, level, role)', () => {
      const extra = { slot: 1, gpa: 0x8000000, size: 0x100000, flags: [] as [] };
      const cfg = makeConfig({ tdp: 'none', without: ['pku'], memslots: [SLOT0, extra] });
      const obs = runOps(getBackend(name), cfg, [...tables(), access(GVA, 'read', 0), memslot('delete', 1), read(DATA)]);
      const zapped = obs.at(-2)!.events.filter((e) => e.type === 'zap_sp');
      // The four direct roots of paging off (before CR0.PG was set) are still cached: zapped too.
      const direct = (gfn: number): MmuEvent => ({ type: 'zap_sp', gfn, level: 2, role: 0x2000 | 0xf00 | 0x80 | 2, reason: 'memslot' });
      expect(zapped).toEqual([
        direct(0),
        { type: 'zap_sp', gfn: PML4 >> 12, level: 4, role: role(4), reason: 'memslot' },
        { type: 'zap_sp', gfn: PDPT >> 12, level: 3, role: role(3), reason: 'memslot' },
        { type: 'zap_sp', gfn: PD >> 12, level: 2, role: role(2), reason: 'memslot' },
        { type: 'zap_sp', gfn: PT >> 12, level: 1, role: role(1), reason: 'memslot' },
        direct(0x40000),
        direct(0x80000),
        direct(0xc0000),
      ]);
    });
  });
}
