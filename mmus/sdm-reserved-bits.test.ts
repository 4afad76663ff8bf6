// Table-driven reserved-bit tests (Intel SDM vol. 3A 4.3-4.5 entry formats, 4.4.1 PDPTE
// registers, 4.7 error code; AMD APM for the vendor rows), run on every backend and both hosts.
// Expected outcomes and error codes are written by hand from the manuals, never by a model.
import { describe, expect, it } from 'vitest';
import type { Op } from './backend.js';
import {
  CR4_PAE,
  CR4_PGE,
  PFERR_FETCH as F,
  PFERR_PRESENT as P,
  PFERR_RSVD as R,
  PFERR_USER as U,
  PFERR_WRITE as W,
} from './x86/bits.js';
import { getBackend } from './registry.js';
import { makeConfig } from './testing/config.js';
import { gvaToGpa, setReg } from './testing/ops.js';
import { enablePaging } from './testing/paging-setup.js';
import { entryBits, PageTables } from './testing/page-tables.js';
import { runOps } from './testing/run-ops.js';
import {
  buildWalkRow,
  expectedRowResults,
  ROW_DATA,
  ROW_GVA,
  ROW_ROOT,
  rowConfig,
  rowHosts,
  rowResult,
  type WalkRow,
} from './testing/walk-row.js';

const BACKENDS = ['legacy', 'refactored', 'reference'] as const;
const M36 = 36;

// Conventions: mode long4, MAXPHYADDR 36 (bits 51:36 reserved in 4-level entries), every feature
// (gbpages, pse36, nx, ...) unless `without`, EFER.NXE=0, every entry 'P W U'.
const ROWS: readonly WalkRow[] = [
  // --- 4-level paging (SDM Tables 4-15 .. 4-20) ---
  { name: 'PTE bit 36 (= MAXPHYADDR)', leaf: 'P W U b36', kind: 'read', cpl: 0, expect: P | R },
  { name: 'PTE bit 51, user write', leaf: 'P W U b51', kind: 'write', cpl: 3, expect: P | W | U | R },
  { name: 'PTE bit 35 (below MAXPHYADDR) is an address bit', leaf: 'P W U b35', translatesTo: ROW_DATA + 2 ** 35, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PTE XD=1 with EFER.NXE=0, read', leaf: 'P W U NX', kind: 'read', cpl: 0, expect: P | R },
  { name: 'PTE XD=1 with EFER.NXE=0, fetch: no I/D (NXE=0, SMEP=0)', leaf: 'P W U NX', kind: 'fetch', cpl: 0, expect: P | R },
  { name: 'PTE XD=1 with EFER.NXE=0, SMEP=1, fetch: I/D', smep: true, leaf: 'P W U NX', kind: 'fetch', cpl: 0, expect: P | R | F },
  { name: 'PTE XD=1 with EFER.NXE=1 is not reserved', nxe: true, leaf: 'P W U NX', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PTE bit 52 is ignored', leaf: 'P W U b52', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PTE bit 62 is ignored (CR4.PKE=0)', leaf: 'P W U b62', kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'PTE bit 62 is a protection-key bit with CR4.PKE=1', pke: true, leaf: 'P W U b62', kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'PTE bit 7 (PAT) is not reserved', leaf: 'P W U PS', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PDE (table) bit 36', tables: { 2: 'P W U b36' }, kind: 'read', cpl: 0, expect: P | R },
  { name: '2 MiB PDE bit 13', level: 2, leaf: 'P W U b13', kind: 'read', cpl: 0, expect: P | R },
  { name: '2 MiB PDE bit 20, user read', level: 2, leaf: 'P W U b20', kind: 'read', cpl: 3, expect: P | U | R },
  { name: '2 MiB PDE bit 12 (PAT) is not reserved', level: 2, leaf: 'P W U b12', kind: 'read', cpl: 0, expect: 'ok' },
  { name: '2 MiB PDE bit 21 is an address bit', level: 2, leaf: 'P W U b21', translatesTo: ROW_DATA + 0x200000, kind: 'read', cpl: 0, expect: 'ok' },
  { name: '2 MiB PDE bit 36', level: 2, leaf: 'P W U b36', kind: 'write', cpl: 0, expect: P | W | R },
  { name: 'PDPTE PS=1 without 1-GByte page support', without: ['gbpages'], level: 3, frame: 0, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PDPTE PS=1 with 1-GByte page support', level: 3, frame: 0, kind: 'read', cpl: 0, expect: 'ok' },
  { name: '1 GiB PDPTE bit 13', level: 3, frame: 0, leaf: 'P W U b13', kind: 'read', cpl: 0, expect: P | R },
  { name: '1 GiB PDPTE bit 29, user write', level: 3, frame: 0, leaf: 'P W U b29', kind: 'write', cpl: 3, expect: P | W | U | R },
  { name: '1 GiB PDPTE bit 12 (PAT) is not reserved', level: 3, frame: 0, leaf: 'P W U b12', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PDPTE (table) bit 51', tables: { 3: 'P W U b51' }, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PDPTE (table) XD=1 with EFER.NXE=0', tables: { 3: 'P W U NX' }, kind: 'read', cpl: 3, expect: P | U | R },
  { name: 'PML4E PS=1', tables: { 4: 'P W U PS' }, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PML4E PS=1 with gbpages, user fetch', tables: { 4: 'P W U PS' }, kind: 'fetch', cpl: 3, expect: P | U | R },
  { name: 'PML4E bit 8 on AMD (MBZ)', tdp: 'npt', tables: { 4: 'P W U b8' }, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PML4E bit 8 on Intel (ignored)', tdp: 'ept', tables: { 4: 'P W U b8' }, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PML4E bit 36', tables: { 4: 'P W U b36' }, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PML4E XD=1 with EFER.NXE=0', tables: { 4: 'P W U NX' }, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PTE bit 40, user fetch, NXE=1: P|RSVD|U|I/D', nxe: true, leaf: 'P W U b40', kind: 'fetch', cpl: 3, expect: P | R | U | F },
  { name: 'reserved bit wins over U/S: user read of a U/S=0 leaf with bit 36', leaf: 'P W b36', kind: 'read', cpl: 3, expect: P | R | U },
  { name: 'reserved bits of a not-present entry are ignored', leaf: 'b51 b36 NX', kind: 'read', cpl: 0, expect: 0 },
  { name: 'a not-present PDE ends the walk before a reserved PTE', tables: { 2: '' }, leaf: 'P W U b51', kind: 'read', cpl: 3, expect: U },
  { name: 'a reserved PDPTE ends the walk before a not-present PTE', tables: { 3: 'P W U b51' }, leaf: '', kind: 'read', cpl: 0, expect: P | R },
  { name: 'MAXPHYADDR 46: PTE bit 45 is an address bit', maxphyaddr: 46, leaf: 'P W U b45', translatesTo: ROW_DATA + 2 ** 45, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'MAXPHYADDR 46: PTE bit 46', maxphyaddr: 46, leaf: 'P W U b46', kind: 'read', cpl: 0, expect: P | R },
  { name: 'MAXPHYADDR 52: PTE bit 51 is an address bit', maxphyaddr: 52, leaf: 'P W U b51', translatesTo: ROW_DATA + 2 ** 51, kind: 'read', cpl: 0, expect: 'ok' },

  // --- 5-level paging ---
  { name: '5-level: PML5E PS=1', mode: 'long5', tables: { 5: 'P W U PS' }, kind: 'read', cpl: 0, expect: P | R },
  { name: '5-level: PML5E bit 8 on AMD (MBZ)', mode: 'long5', tdp: 'npt', tables: { 5: 'P W U b8' }, kind: 'read', cpl: 0, expect: P | R },
  { name: '5-level: PML5E bit 8 on Intel (ignored)', mode: 'long5', tdp: 'ept', tables: { 5: 'P W U b8' }, kind: 'read', cpl: 0, expect: 'ok' },
  { name: '5-level: PML5E bit 51', mode: 'long5', tables: { 5: 'P W U b51' }, kind: 'write', cpl: 3, expect: P | W | U | R },
  { name: '5-level: PML4E PS=1', mode: 'long5', tables: { 4: 'P W U PS' }, kind: 'read', cpl: 0, expect: P | R },
  { name: '5-level: PTE bit 36', mode: 'long5', leaf: 'P W U b36', kind: 'read', cpl: 0, expect: P | R },

  // --- PAE paging (SDM Tables 4-9 .. 4-11): bits 62:M reserved, 63 unless NXE ---
  { name: 'PAE: PDE (table) bit 36', mode: 'pae', tables: { 2: 'P W U b36' }, kind: 'read', cpl: 0, expect: P | R },
  { name: 'PAE: PTE bit 62 (reserved in PAE, unlike 4-level)', mode: 'pae', leaf: 'P W U b62', kind: 'read', cpl: 0, expect: P | R },
  { name: 'PAE: PTE bit 52', mode: 'pae', leaf: 'P W U b52', kind: 'read', cpl: 3, expect: P | U | R },
  { name: 'PAE: PTE XD=1 with EFER.NXE=0', mode: 'pae', leaf: 'P W U NX', kind: 'read', cpl: 0, expect: P | R },
  { name: 'PAE: PTE XD=1 with EFER.NXE=1 is not reserved', mode: 'pae', nxe: true, leaf: 'P W U NX', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PAE: 2 MiB PDE bit 13', mode: 'pae', level: 2, leaf: 'P W U b13', kind: 'read', cpl: 0, expect: P | R },
  { name: 'PAE: 2 MiB PDE bit 20, user write', mode: 'pae', level: 2, leaf: 'P W U b20', kind: 'write', cpl: 3, expect: P | W | U | R },
  { name: 'PAE: a not-present PDPTE may hold reserved bits (load succeeds)', mode: 'pae', tables: { 3: 'b1 b2 b5 b7 NX' }, kind: 'read', cpl: 0, expect: 0 },

  // --- 32-bit paging (SDM Tables 4-4 .. 4-6), 4 MiB pages with PSE-36 ---
  { name: '32-bit: 4 MiB PDE bit 17 (PSE-36, MAXPHYADDR 36)', mode: '32bit', pse: true, level: 2, leaf: 'P W U b17', kind: 'read', cpl: 0, expect: P | R },
  { name: '32-bit: 4 MiB PDE bit 21', mode: '32bit', pse: true, level: 2, leaf: 'P W U b21', kind: 'read', cpl: 0, expect: P | R },
  { name: '32-bit: 4 MiB PDE bit 17, user write', mode: '32bit', pse: true, level: 2, leaf: 'P W U b17', kind: 'write', cpl: 3, expect: P | W | U | R },
  { name: '32-bit: 4 MiB PDE bit 13 is PA[32]', mode: '32bit', pse: true, level: 2, leaf: 'P W U b13', translatesTo: ROW_DATA + 2 ** 32, kind: 'read', cpl: 0, expect: 'ok' },
  { name: '32-bit: 4 MiB PDE bit 16 is PA[35]', mode: '32bit', pse: true, level: 2, leaf: 'P W U b16', translatesTo: ROW_DATA + 2 ** 35, kind: 'read', cpl: 0, expect: 'ok' },
  { name: '32-bit without PSE-36: 4 MiB PDE bit 13', mode: '32bit', without: ['pse36'], pse: true, level: 2, leaf: 'P W U b13', kind: 'read', cpl: 0, expect: P | R },
  { name: '32-bit without PSE-36: 4 MiB PDE bit 16', mode: '32bit', without: ['pse36'], pse: true, level: 2, leaf: 'P W U b16', kind: 'read', cpl: 0, expect: P | R },
  { name: '32-bit: PDE PS=1 with CR4.PSE=0 is ignored (PDE points to a page table)', mode: '32bit', tables: { 2: 'P W U PS' }, kind: 'read', cpl: 3, expect: 'ok' },
  { name: '32-bit: PTE bit 7 (PAT) is not reserved', mode: '32bit', leaf: 'P W U PS', kind: 'read', cpl: 0, expect: 'ok' },
];

/** PAE PDPTE bits checked when the PDPTE registers are loaded (SDM 4.4.1): 2:1, 8:5, 63:M. */
interface PdpteRow {
  readonly bits: string;
  readonly expect: 'ok' | 'gp';
}
const PDPTE_ROWS: readonly PdpteRow[] = [
  { bits: 'b1', expect: 'gp' }, // R/W
  { bits: 'b2', expect: 'gp' }, // U/S
  { bits: 'b5', expect: 'gp' }, // A
  { bits: 'b6', expect: 'gp' }, // D
  { bits: 'b7', expect: 'gp' }, // PS
  { bits: 'b8', expect: 'gp' }, // G
  { bits: 'b36', expect: 'gp' }, // = MAXPHYADDR
  { bits: 'b51', expect: 'gp' },
  { bits: 'b62', expect: 'gp' },
  { bits: 'NX', expect: 'gp' }, // bit 63: no XD in a PDPTE
  { bits: 'PWT', expect: 'ok' },
  { bits: 'PCD', expect: 'ok' },
  { bits: 'b9 b10 b11', expect: 'ok' }, // ignored
  { bits: 'b35', expect: 'ok' }, // address bit (the PD is then outside memory; the load does not read it)
];

type Trigger = 'cr0' | 'cr3' | 'cr4';

/**
 * A PAE hierarchy whose PDPTE 0 gets `bits`, loaded by `trigger`: cr0 = turning paging on with
 * the bad PDPTE in memory; cr3 = MOV CR3 (same value) after editing it; cr4 = toggling CR4.PGE.
 * Returns the ops, the index of the loading op and the ops that show what state survived.
 */
function pdpteLoad(bits: string, trigger: Trigger): { ops: Op[]; load: number } {
  const pt = new PageTables('pae', ROW_ROOT, ROW_ROOT + 0x1000);
  const ops = pt.map(ROW_GVA & ~0xfff, ROW_DATA);
  const bad = pt.entryValue(ROW_GVA, 3) | entryBits(bits);
  if (trigger === 'cr0') {
    ops.push(...pt.setEntry(ROW_GVA, 3, bad));
    ops.push(...enablePaging('pae', { cr3: ROW_ROOT }));
  } else {
    ops.push(...enablePaging('pae', { cr3: ROW_ROOT }));
    ops.push(...pt.setEntry(ROW_GVA, 3, bad));
    ops.push(trigger === 'cr3' ? setReg('cr3', ROW_ROOT) : setReg('cr4', CR4_PAE | CR4_PGE));
  }
  const load = ops.length - 1;
  ops.push(gvaToGpa(ROW_GVA, 'read', 0));
  return { ops, load };
}

describe.each(BACKENDS)('SDM reserved bits on %s', (name) => {
  const factory = getBackend(name);
  for (const row of ROWS) {
    const full: WalkRow = { maxphyaddr: M36, ...row };
    for (const tdp of rowHosts(full)) {
      it(`${row.name} [${row.mode ?? 'long4'}, ${tdp}]`, () => {
        const obs = runOps(factory, rowConfig(full, tdp), buildWalkRow(full));
        const setup = obs.slice(0, -2).map((o, i) => `${i}:${o.outcome}`);
        expect(setup, 'every setup op succeeds').toEqual(setup.map((s) => s.replace(/:.*/, ':ok')));
        expect(obs.slice(-2).map(rowResult)).toEqual(expectedRowResults(full));
      });
    }
  }

  for (const row of PDPTE_ROWS) {
    for (const trigger of ['cr0', 'cr3', 'cr4'] as const) {
      for (const tdp of ['ept', 'npt'] as const) {
        it(`PAE PDPTE load via ${trigger}, PDPTE bits ${row.bits} -> ${row.expect} [${tdp}]`, () => {
          const { ops, load } = pdpteLoad(row.bits, trigger);
          const obs = runOps(factory, makeConfig({ tdp, maxphyaddr: M36 }), ops);
          expect(obs.slice(0, load).every((o) => o.outcome === 'ok'), 'setup succeeds').toBe(true);
          expect(obs[load].outcome).toBe(row.expect);
          // After #GP nothing changed: paging is still off (cr0) or the old PDPTRs still
          // translate (cr3, cr4). After a successful load the walk starts from the new PDPTE 0.
          const after = obs[load + 1];
          if (row.expect === 'gp') {
            const gpa = trigger === 'cr0' ? ROW_GVA : ROW_DATA + (ROW_GVA & 0xfff);
            expect(rowResult(after)).toEqual({ outcome: 'ok', gpa: '0x' + gpa.toString(16) });
          } else if (row.bits === 'b35') {
            // The PD is at 2^35 + its address, outside every memslot: not present (contract).
            expect(rowResult(after)).toEqual({ outcome: 'page_fault', errorCode: '0x0', address: '0x' + ROW_GVA.toString(16) });
          } else {
            expect(rowResult(after)).toEqual({ outcome: 'ok', gpa: '0x' + (ROW_DATA + (ROW_GVA & 0xfff)).toString(16) });
          }
        });
      }
    }
  }
});
