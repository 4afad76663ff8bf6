// Table-driven access-rights tests (Intel SDM vol. 3A 4.6 "Access rights", 4.6.2 "Protection keys",
// 4.7 "Page-fault exceptions"), run on every backend and both hosts. Each row's outcome and
// #PF error code was written by hand from the SDM text, never produced by a model.
import { describe, expect, it } from 'vitest';
import { CR4_PAE, PFERR_FETCH as F, PFERR_PK as PK, PFERR_PRESENT as P, PFERR_USER as U, PFERR_WRITE as W } from './x86/bits.js';
import { getBackend } from './registry.js';
import { setReg } from './testing/ops.js';
import { runOps } from './testing/run-ops.js';
import { buildWalkRow, expectedRowResults, rowConfig, rowHosts, rowResult, type WalkRow } from './testing/walk-row.js';

const BACKENDS = ['legacy', 'refactored', 'reference'] as const;

// Conventions: mode long4, CR0.WP=1, every entry 'P W U', a 4 KiB leaf, unless the row says otherwise.
// "user page" = U/S=1 at every level (a user-mode address, SDM 4.6); CPL 0-2 and implicit accesses
// are supervisor accesses and never set U in the error code.
const ROWS: readonly WalkRow[] = [
  // --- U/S and R/W (4.6.1) ---
  { name: 'user read of a user page', kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'user read, leaf U/S=0', leaf: 'P W', kind: 'read', cpl: 3, expect: P | U },
  { name: 'user read, PDE U/S=0 (U/S must be 1 at every level)', tables: { 2: 'P W' }, kind: 'read', cpl: 3, expect: P | U },
  { name: 'user read, PDPTE U/S=0', tables: { 3: 'P W' }, kind: 'read', cpl: 3, expect: P | U },
  { name: 'user read, PML4E U/S=0', tables: { 4: 'P W' }, kind: 'read', cpl: 3, expect: P | U },
  { name: 'user write to a writable user page', kind: 'write', cpl: 3, expect: 'ok' },
  { name: 'user write, leaf R/W=0', leaf: 'P U', kind: 'write', cpl: 3, expect: P | W | U },
  { name: 'user write, PDPTE R/W=0', tables: { 3: 'P U' }, kind: 'write', cpl: 3, expect: P | W | U },
  { name: 'user write, R/W=0 with CR0.WP=0 (WP only relaxes supervisor writes)', wp: false, leaf: 'P U', kind: 'write', cpl: 3, expect: P | W | U },
  { name: 'CPL 1 read of a supervisor page', leaf: 'P W', kind: 'read', cpl: 1, expect: 'ok' },
  { name: 'supervisor write, leaf R/W=0, CR0.WP=1', leaf: 'P', kind: 'write', cpl: 0, expect: P | W },
  { name: 'supervisor write, leaf R/W=0, CR0.WP=0', wp: false, leaf: 'P', kind: 'write', cpl: 0, expect: 'ok' },
  { name: 'supervisor write, PML4E R/W=0, CR0.WP=1', tables: { 4: 'P U' }, leaf: 'P W', kind: 'write', cpl: 0, expect: P | W },
  { name: 'supervisor write, PML4E R/W=0, CR0.WP=0', wp: false, tables: { 4: 'P U' }, leaf: 'P W', kind: 'write', cpl: 2, expect: 'ok' },
  { name: 'supervisor write to a read-only user page, CR0.WP=0, SMAP off', wp: false, leaf: 'P U', kind: 'write', cpl: 0, expect: 'ok' },
  { name: 'user fetch from a supervisor page, NXE=0 SMEP=0: no I/D', leaf: 'P W', kind: 'fetch', cpl: 3, expect: P | U },
  { name: 'user write to a 2 MiB page with R/W=0 in the PDE leaf', level: 2, leaf: 'P U', kind: 'write', cpl: 3, expect: P | W | U },
  { name: 'user read of a 1 GiB page (gpa past the memslot: mmio)', level: 3, frame: 0, kind: 'read', cpl: 3, expect: 'ok' },

  // --- execute-disable (4.6.1, 4.7 I/D) ---
  { name: 'supervisor fetch, leaf XD=1, NXE=1', nxe: true, leaf: 'P W U NX', kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'supervisor fetch, PDE XD=1, NXE=1', nxe: true, tables: { 2: 'P W U NX' }, kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'supervisor fetch, PML4E XD=1, NXE=1', nxe: true, tables: { 4: 'P W U NX' }, kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'user fetch, leaf XD=1, NXE=1', nxe: true, leaf: 'P W U NX', kind: 'fetch', cpl: 3, expect: P | U | F },
  { name: 'user fetch from a supervisor page, NXE=1: I/D set', nxe: true, leaf: 'P W', kind: 'fetch', cpl: 3, expect: P | U | F },
  { name: 'user read of an XD=1 page', nxe: true, leaf: 'P W U NX', kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'supervisor fetch, NXE=1, no XD bit on the path', nxe: true, kind: 'fetch', cpl: 0, expect: 'ok' },
  { name: 'PAE: supervisor fetch, leaf XD=1, NXE=1', mode: 'pae', nxe: true, leaf: 'P W U NX', kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'not-present leaf, fetch, NXE=1: I/D alone', nxe: true, leaf: '', kind: 'fetch', cpl: 0, expect: F },
  { name: 'not-present leaf, user write: W|U', leaf: '', kind: 'write', cpl: 3, expect: W | U },
  { name: 'not-present leaf, fetch, NXE=0 SMEP=0: 0', leaf: '', kind: 'fetch', cpl: 0, expect: 0 },

  // --- SMEP (4.6.1) ---
  { name: 'SMEP: supervisor fetch from a user page', smep: true, kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'SMEP: supervisor fetch, PDE U/S=0 (not a user-mode address)', smep: true, tables: { 2: 'P W' }, kind: 'fetch', cpl: 0, expect: 'ok' },
  { name: 'SMEP: user fetch from a user page', smep: true, kind: 'fetch', cpl: 3, expect: 'ok' },
  { name: 'SMEP: supervisor read of a user page', smep: true, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'SMEP: supervisor fetch from a user page, CR0.WP=0', smep: true, wp: false, kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'SMEP: not-present page, NXE=0: I/D set by SMEP', smep: true, leaf: '', kind: 'fetch', cpl: 0, expect: F },
  { name: 'SMEP, 32-bit paging: supervisor fetch from a user page', mode: '32bit', smep: true, kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'SMEP + NXE: supervisor fetch from a user XD=1 page', smep: true, nxe: true, leaf: 'P W U NX', kind: 'fetch', cpl: 0, expect: P | F },
  { name: 'SMEP: user fetch from a supervisor page', smep: true, leaf: 'P W', kind: 'fetch', cpl: 3, expect: P | U | F },

  // --- SMAP: supervisor data accesses to user-mode addresses (4.6.1) ---
  { name: 'SMAP: explicit read, AC=0', smap: true, kind: 'read', cpl: 0, expect: P },
  { name: 'SMAP: explicit read, AC=1', smap: true, ac: true, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'SMAP: implicit read, AC=1', smap: true, ac: true, kind: 'read', cpl: 0, implicit: true, expect: P },
  { name: 'SMAP: implicit read, AC=0', smap: true, kind: 'read', cpl: 0, implicit: true, expect: P },
  { name: 'SMAP: explicit write, AC=0, WP=1', smap: true, kind: 'write', cpl: 0, expect: P | W },
  { name: 'SMAP: explicit write, AC=0, WP=0', smap: true, wp: false, kind: 'write', cpl: 0, expect: P | W },
  { name: 'SMAP: explicit write, AC=1', smap: true, ac: true, kind: 'write', cpl: 0, expect: 'ok' },
  { name: 'SMAP: explicit write, AC=1, R/W=0, WP=1', smap: true, ac: true, leaf: 'P U', kind: 'write', cpl: 0, expect: P | W },
  { name: 'SMAP: explicit write, AC=1, R/W=0, WP=0', smap: true, ac: true, wp: false, leaf: 'P U', kind: 'write', cpl: 0, expect: 'ok' },
  { name: 'SMAP: implicit write, AC=1, WP=0', smap: true, ac: true, wp: false, kind: 'write', cpl: 0, implicit: true, expect: P | W },
  { name: 'SMAP: implicit read at CPL 3 is a supervisor access (no U)', smap: true, ac: true, kind: 'read', cpl: 3, implicit: true, expect: P },
  { name: 'SMAP: supervisor read of a supervisor page, AC=0', smap: true, leaf: 'P W', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'SMAP: supervisor fetch from a user page (SMEP off)', smap: true, kind: 'fetch', cpl: 0, expect: 'ok' },
  { name: 'SMAP: user read of a user page, AC=0', smap: true, kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'SMAP: PDE U/S=0 makes it a supervisor address, AC=0', smap: true, tables: { 2: 'P W' }, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'SMAP, 32-bit paging: explicit read, AC=0', mode: '32bit', smap: true, kind: 'read', cpl: 0, expect: P },
  { name: 'SMAP, PAE paging: explicit write, AC=1', mode: 'pae', smap: true, ac: true, kind: 'write', cpl: 0, expect: 'ok' },
  { name: 'SMAP + SMEP: supervisor fetch from a user page', smap: true, smep: true, ac: true, kind: 'fetch', cpl: 0, expect: P | F },

  // --- protection keys (4.6.2): user-mode addresses, data accesses, IA-32e paging only ---
  { name: 'PK: AD1, user read of key-1 page', pke: true, pkru: 0x4, leaf: 'P W U pk1', kind: 'read', cpl: 3, expect: P | U | PK },
  { name: 'PK: AD1, supervisor read of key-1 user page', pke: true, pkru: 0x4, leaf: 'P W U pk1', kind: 'read', cpl: 0, expect: P | PK },
  { name: 'PK: AD1, user fetch (fetches are not key-checked)', pke: true, pkru: 0x4, leaf: 'P W U pk1', kind: 'fetch', cpl: 3, expect: 'ok' },
  { name: 'PK: WD1, user read', pke: true, pkru: 0x8, leaf: 'P W U pk1', kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'PK: WD1, user write', pke: true, pkru: 0x8, leaf: 'P W U pk1', kind: 'write', cpl: 3, expect: P | W | U | PK },
  { name: 'PK: WD1, supervisor write, CR0.WP=1', pke: true, pkru: 0x8, leaf: 'P W U pk1', kind: 'write', cpl: 0, expect: P | W | PK },
  { name: 'PK: WD1, supervisor write, CR0.WP=0', pke: true, wp: false, pkru: 0x8, leaf: 'P W U pk1', kind: 'write', cpl: 0, expect: 'ok' },
  { name: 'PK: WD1, user write, CR0.WP=0', pke: true, wp: false, pkru: 0x8, leaf: 'P W U pk1', kind: 'write', cpl: 3, expect: P | W | U | PK },
  { name: 'PK: AD1 on a supervisor page is ignored', pke: true, pkru: 0x4, leaf: 'P W pk1', kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'PK: AD2 does not restrict a key-1 page', pke: true, pkru: 0x10, leaf: 'P W U pk1', kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'PK: WD1 and R/W=0, user write: both reported', pke: true, pkru: 0x8, leaf: 'P U pk1', kind: 'write', cpl: 3, expect: P | W | U | PK },
  { name: 'PK: AD1|WD1, user read', pke: true, pkru: 0xc, leaf: 'P W U pk1', kind: 'read', cpl: 3, expect: P | U | PK },
  { name: 'PK: PDE U/S=0, AD1: not a user-mode address, no PK', pke: true, pkru: 0x4, tables: { 2: 'P W' }, leaf: 'P W U pk1', kind: 'read', cpl: 3, expect: P | U },
  { name: 'PK: AD1 + SMAP, supervisor read, AC=0: both reported', pke: true, smap: true, pkru: 0x4, leaf: 'P W U pk1', kind: 'read', cpl: 0, expect: P | PK },
  { name: 'PK: WD1, implicit supervisor write, CR0.WP=1', pke: true, pkru: 0x8, leaf: 'P W U pk1', kind: 'write', cpl: 3, implicit: true, expect: P | W | PK },
  { name: 'PK: key 0 page with AD0', pke: true, pkru: 0x1, kind: 'read', cpl: 3, expect: P | U | PK },
  {
    name: 'PK: CR4.PKE cleared after PKRU.AD1 was set: no key check',
    pke: true,
    pkru: 0x4,
    leaf: 'P W U pk1',
    then: [setReg('cr4', CR4_PAE)],
    kind: 'read',
    cpl: 3,
    expect: 'ok',
  },
  { name: 'PK: PAE paging (not IA-32e), AD0: no key check', mode: 'pae', pke: true, pkru: 0x1, kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'PK, 5-level: AD1, user write', mode: 'long5', pke: true, pkru: 0x4, leaf: 'P W U pk1', kind: 'write', cpl: 3, expect: P | W | U | PK },

  // --- the other modes ---
  { name: '5-level: user write, leaf R/W=0', mode: 'long5', leaf: 'P U', kind: 'write', cpl: 3, expect: P | W | U },
  { name: '5-level: user read, PML5E U/S=0', mode: 'long5', tables: { 5: 'P W' }, kind: 'read', cpl: 3, expect: P | U },
  { name: '32-bit: user read, PDE U/S=0', mode: '32bit', tables: { 2: 'P W' }, kind: 'read', cpl: 3, expect: P | U },
  { name: '32-bit: supervisor write, R/W=0, CR0.WP=1', mode: '32bit', leaf: 'P U', kind: 'write', cpl: 0, expect: P | W },
  { name: '32-bit: supervisor write, R/W=0, CR0.WP=0', mode: '32bit', wp: false, leaf: 'P U', kind: 'write', cpl: 0, expect: 'ok' },
  { name: '32-bit: user write to a read-only 4 MiB page', mode: '32bit', pse: true, level: 2, leaf: 'P U', kind: 'write', cpl: 3, expect: P | W | U },
  { name: 'PAE: user write, PDE R/W=0', mode: 'pae', tables: { 2: 'P U' }, kind: 'write', cpl: 3, expect: P | W | U },
  { name: 'PAE: user read of a 2 MiB page', mode: 'pae', level: 2, kind: 'read', cpl: 3, expect: 'ok' },
  // The SDM sets I/D for 32-bit paging only with SMEP (NXE needs PAE); the contract follows KVM,
  // which sets it whenever EFER.NXE=1 (docs/model-contract.md, kvm-mmu-model.md §5.7, ledger 5).
  { name: '32-bit, EFER.NXE=1: not-present fetch sets I/D (KVM rule)', mode: '32bit', nxe: true, leaf: '', kind: 'fetch', cpl: 0, expect: F },
];

describe.each(BACKENDS)('SDM access rights on %s', (name) => {
  const factory = getBackend(name);
  for (const row of ROWS) {
    for (const tdp of rowHosts(row)) {
      it(`${row.name} [${row.mode ?? 'long4'}, ${tdp}]`, () => {
        const ops = buildWalkRow(row);
        const obs = runOps(factory, rowConfig(row, tdp), ops);
        const setup = obs.slice(0, -2).map((o, i) => `${i}:${o.outcome}`);
        expect(setup, 'every setup op succeeds').toEqual(setup.map((s) => s.replace(/:.*/, ':ok')));
        expect(obs.slice(-2).map(rowResult)).toEqual(expectedRowResults(row));
      });
    }
  }
});
