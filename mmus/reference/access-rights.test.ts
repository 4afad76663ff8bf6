// Access rights (SDM 4.6, 4.6.2) and the resulting #PF error codes (SDM 4.7), table-driven.
// Each expected value is written from the SDM rules by hand; none is computed by the model.
import { describe, expect, it } from 'vitest';
import type { AccessKind } from '../backend.js';
import { TestVm } from './test-support.js';

interface Row {
  name: string;
  /** Low half of the PTE mapping gva 0x10000 (4-level); high half in leafHi (XD = 0x80000000, key k = k << 27). */
  leaf: number;
  leafHi?: number;
  /** Flags of PML4E, PDPTE, PDE (default P|R/W|U/S = 7); highs in upperHi. */
  upper?: readonly [number, number, number];
  upperHi?: readonly [number, number, number];
  kind: AccessKind;
  cpl: 0 | 1 | 2 | 3;
  implicit?: boolean;
  /** CR0.WP (default 0). */
  wp?: boolean;
  smep?: boolean;
  smap?: boolean;
  pke?: boolean;
  /** EFER.NXE (default 1). */
  nxe?: boolean;
  ac?: boolean;
  pkru?: number;
  /** 'ok' or the #PF error code (P=1 W=2 U=4 RSVD=8 I/D=0x10 PK=0x20). */
  expect: 'ok' | number;
}

const XD = 0x80000000;
const KEY1 = 1 << 27;
const AD1 = 0x4; // PKRU bit 2: access-disable for key 1
const WD1 = 0x8; // PKRU bit 3: write-disable for key 1

const rows: Row[] = [
  // U/S and R/W (SDM 4.6.1)
  { name: 'supervisor read of a supervisor page', leaf: 0x1, kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'user read of a supervisor page', leaf: 0x3, kind: 'read', cpl: 3, expect: 0x5 },
  { name: 'user read of a user page', leaf: 0x5, kind: 'read', cpl: 3, expect: 'ok' },
  { name: 'user write to a read-only user page', leaf: 0x5, kind: 'write', cpl: 3, expect: 0x7 },
  { name: 'user write to a read-only user page, WP=0 too', leaf: 0x5, kind: 'write', cpl: 3, wp: false, expect: 0x7 },
  { name: 'user write to a writable user page', leaf: 0x7, kind: 'write', cpl: 3, expect: 'ok' },
  { name: 'user write to a writable supervisor page', leaf: 0x3, kind: 'write', cpl: 3, expect: 0x7 },
  { name: 'supervisor write to a read-only page, WP=0', leaf: 0x1, kind: 'write', cpl: 0, wp: false, expect: 'ok' },
  { name: 'supervisor write to a read-only page, WP=1', leaf: 0x1, kind: 'write', cpl: 0, wp: true, expect: 0x3 },
  { name: 'supervisor write to a read-only user page, WP=0, no SMAP', leaf: 0x5, kind: 'write', cpl: 0, wp: false, expect: 'ok' },
  { name: 'CPL 2 is supervisor: write to a read-only page, WP=1', leaf: 0x5, kind: 'write', cpl: 2, wp: true, expect: 0x3 },
  { name: 'CPL 1 is supervisor: read of a supervisor page', leaf: 0x1, kind: 'read', cpl: 1, expect: 'ok' },
  { name: 'U/S=0 in the PDE makes the address supervisor', leaf: 0x7, upper: [7, 7, 3], kind: 'read', cpl: 3, expect: 0x5 },
  { name: 'U/S=0 in the PML4E makes the address supervisor', leaf: 0x7, upper: [3, 7, 7], kind: 'read', cpl: 3, expect: 0x5 },
  { name: 'R/W=0 in the PDPTE makes the address read-only', leaf: 0x7, upper: [7, 5, 7], kind: 'write', cpl: 3, expect: 0x7 },
  { name: 'R/W=0 in the PML4E, supervisor write WP=1', leaf: 0x7, upper: [5, 7, 7], kind: 'write', cpl: 0, wp: true, expect: 0x3 },
  // Execute-disable (SDM 4.6.1, EFER.NXE=1) and I/D (SDM 4.7)
  { name: 'supervisor fetch from an XD page', leaf: 0x1, leafHi: XD, kind: 'fetch', cpl: 0, expect: 0x11 },
  { name: 'user fetch from an XD user page', leaf: 0x5, leafHi: XD, kind: 'fetch', cpl: 3, expect: 0x15 },
  { name: 'user fetch from a supervisor page', leaf: 0x1, kind: 'fetch', cpl: 3, expect: 0x15 },
  { name: 'user fetch from a user page', leaf: 0x5, kind: 'fetch', cpl: 3, expect: 'ok' },
  { name: 'XD in the PML4E forbids fetches', leaf: 0x1, upperHi: [XD, 0, 0], kind: 'fetch', cpl: 0, expect: 0x11 },
  { name: 'XD in the PDE does not affect reads', leaf: 0x1, upperHi: [0, 0, XD], kind: 'read', cpl: 0, expect: 'ok' },
  { name: 'NXE=0: user fetch from a supervisor page has no I/D', leaf: 0x1, kind: 'fetch', cpl: 3, nxe: false, expect: 0x5 },
  { name: 'NXE=0: supervisor fetch from a user page', leaf: 0x5, kind: 'fetch', cpl: 0, nxe: false, expect: 'ok' },
  // SMEP (SDM 4.6.1)
  { name: 'SMEP: supervisor fetch from a user page', leaf: 0x5, kind: 'fetch', cpl: 0, smep: true, expect: 0x11 },
  { name: 'SMEP: supervisor fetch from a supervisor page', leaf: 0x1, kind: 'fetch', cpl: 0, smep: true, expect: 'ok' },
  { name: 'SMEP: user fetch from a user page', leaf: 0x5, kind: 'fetch', cpl: 3, smep: true, expect: 'ok' },
  { name: 'SMEP: supervisor fetch from a user page, NXE=0 (I/D from SMEP)', leaf: 0x5, kind: 'fetch', cpl: 0, smep: true, nxe: false, expect: 0x11 },
  { name: 'SMEP, NXE=0: user fetch from a supervisor page sets I/D', leaf: 0x1, kind: 'fetch', cpl: 3, smep: true, nxe: false, expect: 0x15 },
  { name: 'SMEP: supervisor read of a user page is not affected', leaf: 0x5, kind: 'read', cpl: 0, smep: true, expect: 'ok' },
  { name: 'SMEP applies regardless of WP=0', leaf: 0x5, kind: 'fetch', cpl: 0, smep: true, wp: false, expect: 0x11 },
  // SMAP (SDM 4.6.1)
  { name: 'SMAP, AC=0: supervisor read of a user page', leaf: 0x5, kind: 'read', cpl: 0, smap: true, expect: 0x1 },
  { name: 'SMAP, AC=1: supervisor read of a user page', leaf: 0x5, kind: 'read', cpl: 0, smap: true, ac: true, expect: 'ok' },
  { name: 'SMAP, AC=1: implicit read of a user page (CPL 3)', leaf: 0x5, kind: 'read', cpl: 3, implicit: true, smap: true, ac: true, expect: 0x1 },
  { name: 'SMAP, AC=0: implicit write of a user page', leaf: 0x7, kind: 'write', cpl: 0, implicit: true, smap: true, expect: 0x3 },
  { name: 'SMAP, AC=0: supervisor write to a writable user page, WP=0', leaf: 0x7, kind: 'write', cpl: 0, smap: true, wp: false, expect: 0x3 },
  { name: 'SMAP, AC=1: supervisor write to a writable user page', leaf: 0x7, kind: 'write', cpl: 0, smap: true, ac: true, expect: 'ok' },
  { name: 'SMAP, AC=1: supervisor write to a read-only user page, WP=1', leaf: 0x5, kind: 'write', cpl: 0, smap: true, ac: true, wp: true, expect: 0x3 },
  { name: 'SMAP, AC=1: supervisor write to a read-only user page, WP=0', leaf: 0x5, kind: 'write', cpl: 0, smap: true, ac: true, wp: false, expect: 'ok' },
  { name: 'SMAP: supervisor fetch from a user page is not a data access', leaf: 0x5, kind: 'fetch', cpl: 0, smap: true, expect: 'ok' },
  { name: 'SMAP: supervisor read of a supervisor page', leaf: 0x1, kind: 'read', cpl: 0, smap: true, expect: 'ok' },
  { name: 'SMAP: user read of a user page', leaf: 0x5, kind: 'read', cpl: 3, smap: true, expect: 'ok' },
  { name: 'implicit access at CPL 3 is supervisor: reads a supervisor page', leaf: 0x1, kind: 'read', cpl: 3, implicit: true, expect: 'ok' },
  { name: 'implicit write at CPL 3 to a read-only page, WP=1: U=0 in the error code', leaf: 0x1, kind: 'write', cpl: 3, implicit: true, wp: true, expect: 0x3 },
  // Protection keys (SDM 4.6.2, PK bit SDM 4.7)
  { name: 'PK: AD for the key, user read', leaf: 0x5, leafHi: KEY1, kind: 'read', cpl: 3, pke: true, pkru: AD1, expect: 0x25 },
  { name: 'PK: WD for the key, user read', leaf: 0x5, leafHi: KEY1, kind: 'read', cpl: 3, pke: true, pkru: WD1, expect: 'ok' },
  { name: 'PK: WD for the key, user write', leaf: 0x7, leafHi: KEY1, kind: 'write', cpl: 3, pke: true, pkru: WD1, expect: 0x27 },
  { name: 'PK: WD, supervisor write to a user page, WP=0', leaf: 0x7, leafHi: KEY1, kind: 'write', cpl: 0, pke: true, wp: false, pkru: WD1, expect: 'ok' },
  { name: 'PK: WD, supervisor write to a user page, WP=1', leaf: 0x7, leafHi: KEY1, kind: 'write', cpl: 0, pke: true, wp: true, pkru: WD1, expect: 0x23 },
  { name: 'PK: AD, supervisor read of a user page', leaf: 0x5, leafHi: KEY1, kind: 'read', cpl: 0, pke: true, pkru: AD1, expect: 0x21 },
  { name: 'PK: AD, user fetch (keys do not apply to fetches)', leaf: 0x5, leafHi: KEY1, kind: 'fetch', cpl: 3, pke: true, pkru: AD1, expect: 'ok' },
  { name: 'PK: AD, supervisor page (keys apply to user pages only)', leaf: 0x1, leafHi: KEY1, kind: 'read', cpl: 0, pke: true, pkru: AD1, expect: 'ok' },
  { name: 'PK: AD, user read of a supervisor page: no PK bit', leaf: 0x1, leafHi: KEY1, kind: 'read', cpl: 3, pke: true, pkru: AD1, expect: 0x5 },
  { name: 'PK: AD and a read-only page, user write: PK with W', leaf: 0x5, leafHi: KEY1, kind: 'write', cpl: 3, pke: true, pkru: AD1, expect: 0x27 },
  { name: 'PK: the key of another entry does not apply', leaf: 0x5, leafHi: 2 << 27, kind: 'read', cpl: 3, pke: true, pkru: AD1, expect: 'ok' },
  { name: 'PK: key 15 AD (PKRU bit 30)', leaf: 0x5, leafHi: 15 << 27, kind: 'read', cpl: 3, pke: true, pkru: 0x40000000, expect: 0x25 },
  { name: 'PK: key 0 AD by default key of a zero entry', leaf: 0x5, kind: 'read', cpl: 3, pke: true, pkru: 0x1, expect: 0x25 },
  { name: 'PK: SMAP fault and AD together: P|PK', leaf: 0x5, leafHi: KEY1, kind: 'read', cpl: 0, pke: true, smap: true, pkru: AD1, expect: 0x21 },
  { name: 'PK: key in an upper entry is ignored', leaf: 0x5, upperHi: [KEY1, KEY1, KEY1], kind: 'read', cpl: 3, pke: true, pkru: AD1, expect: 'ok' },
];

const PG = 0x80000000, PE = 1, WP = 0x10000;
const PAE = 0x20, SMEP = 0x100000, SMAP = 0x200000, PKE = 0x400000;
const LME = 0x100, NXE = 0x800, AC = 0x40000;

describe('access rights, 4-level paging', () => {
  it.each(rows)('$name', (row) => {
    const vm = new TestVm();
    const up = row.upper ?? [7, 7, 7];
    const upHi = row.upperHi ?? [0, 0, 0];
    vm.w64(0x1000, 0x2000 | up[0], upHi[0]);
    vm.w64(0x2000, 0x3000 | up[1], upHi[1]);
    vm.w64(0x3000, 0x4000 | up[2], upHi[2]);
    vm.w64(0x4000 + 8 * 0x10, 0x100000 | row.leaf, row.leafHi ?? 0);
    const cr4 = PAE | (row.smep ? SMEP : 0) | (row.smap ? SMAP : 0) | (row.pke ? PKE : 0);
    expect(vm.set('cr4', cr4)).toBe('ok');
    expect(vm.set('efer', LME | (row.nxe === false ? 0 : NXE))).toBe('ok');
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE | (row.wp ? WP : 0))).toBe('ok');
    if (row.ac) expect(vm.set('rflags', AC)).toBe('ok');
    if (row.pkru !== undefined) expect(vm.set('pkru', row.pkru)).toBe('ok');
    const o = vm.access(0x10123, row.kind, row.cpl, row.implicit ?? false);
    if (row.expect === 'ok') {
      expect(o).toMatchObject({ outcome: 'ok', gpa: 0x100123, level: 1 });
    } else {
      expect(o).toMatchObject({ outcome: 'page_fault', errorCode: row.expect, address: { lo: 0x10123, hi: 0 }, to: 'L1', events: [] });
    }
  });
});

describe('protection keys outside IA-32e mode', () => {
  it('PAE paging with CR4.PKE: keys are not checked (SDM 4.6.2: IA-32e mode only)', () => {
    const vm = new TestVm();
    vm.w64(0x1000, 0x2001); // PDPTE0
    vm.w64(0x2000, 0x3007); // PDE
    vm.w64(0x3000 + 8 * 0x10, 0x100005); // user PTE; its key field does not exist in PAE (62:M reserved)
    expect(vm.set('cr4', PAE | PKE)).toBe('ok');
    expect(vm.set('pkru', 0x1)).toBe('ok'); // AD for key 0
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    expect(vm.access(0x10000, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x100000 });
    // Bits 62:59 set in a PAE PTE are reserved (SDM table 4-11), not a key.
    vm.w64(0x3000 + 8 * 0x10, 0x100005, KEY1);
    expect(vm.access(0x10000, 'read', 3)).toMatchObject({ outcome: 'page_fault', errorCode: 0xd });
  });

  it('CR4.PKE cleared after PKRU is loaded: keys are not checked', () => {
    const vm = new TestVm();
    vm.w64(0x1000, 0x2007);
    vm.w64(0x2000, 0x3007);
    vm.w64(0x3000, 0x4007);
    vm.w64(0x4000, 0x100005, KEY1);
    expect(vm.set('cr4', PAE | PKE)).toBe('ok');
    expect(vm.set('pkru', AD1)).toBe('ok');
    expect(vm.set('cr4', PAE)).toBe('ok');
    expect(vm.set('efer', LME)).toBe('ok');
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    expect(vm.access(0x0, 'read', 3)).toMatchObject({ outcome: 'ok', gpa: 0x100000 });
  });
});
