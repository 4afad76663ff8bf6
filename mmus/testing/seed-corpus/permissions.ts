// Seed scenarios: corpus/permissions/ — U/S, R/W with CR0.WP, NX, SMEP, SMAP (AC, implicit), PKU.
import { CR4_PAE, CR4_PKE, CR4_SMAP, CR4_SMEP, EFER_LME, EFER_NXE, RFLAGS_AC, RFLAGS_FIXED } from '../../x86/bits.js';
import { makeConfig } from '../config.js';
import { access, gvaToGpa, read, setReg } from '../ops.js';
import { PageTables } from '../page-tables.js';
import { cr0Paging, enablePaging } from '../paging-setup.js';
import { OK, GP, ok, pf, SeedBuilder, value, type SeedScenario } from './seed-scenario.js';

function userSupervisor(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000, { leaf: 'P W U', tables: { 2: 'P W' } }))
    .add(...pt.map(0x800000, 0x201000, { leaf: 'P W U' }))
    .add(...pt.map(0x801000, 0x202000, { leaf: 'P U' }))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 3), pf(0x5))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1))
    .check(access(0x800000, 'read', 3), ok(0x201000, 1))
    .check(access(0x800000, 'write', 3), ok(0x201000, 1))
    .check(access(0x801000, 'write', 3), pf(0x7))
    .check(access(0x801000, 'read', 3), ok(0x202000, 1))
    .check(access(0x801000, 'write', 1), pf(0x3))
    .check(access(0x800000, 'fetch', 3), ok(0x201000, 1))
    .check(access(0x400000, 'fetch', 3), pf(0x5))
    .check(gvaToGpa(0x400000, 'read', 3), pf(0x5))
    .check(gvaToGpa(0x400000, 'read', 2), ok(0x200000, 1));
  return b.build(
    'permissions/user-supervisor.json',
    'U/S and R/W: rights are the AND over every level',
    '4-level paging, CR0.WP=1, EFER.NXE=0. gva 0x400000 -> 0x200000 has U/S=1 in the PTE but U/S=0 in its PDE ' +
      '(a supervisor-mode address); 0x800000 -> 0x201000 is a writable user page; 0x801000 -> 0x202000 a ' +
      'read-only user page. Expected: user read of 0x400000 #PF 0x5 (P|U) while CPL 0 may read it; the user ' +
      'page reads and writes at CPL 3; user write to the read-only page #PF 0x7, CPL 1 write to it #PF 0x3 ' +
      '(WP=1); user fetch from 0x800000 ok, from 0x400000 #PF 0x5 without I/D (NXE=0, SMEP=0); gva_to_gpa ' +
      'gives the same answers (CPL 3 fault, CPL 2 ok).',
    makeConfig({ tdp: 'npt' }),
  );
}

function wpToggle(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const sup = 0x600000;
  const usr = 0x601000;
  const b = new SeedBuilder()
    .add(...pt.map(sup, 0x200000, { leaf: 'P' }))
    .add(...pt.map(usr, 0x201000, { leaf: 'P U' }))
    .add(...enablePaging('long4', { cr3: 0x10000, wp: false }))
    .check(access(sup, 'write', 0), ok(0x200000, 1, 4))
    .check(read(pt.entryGpa(sup, 1)), value(pt.entryValue(sup, 1) | 0x60n))
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(sup, 'write', 0), pf(0x3))
    .check(access(usr, 'write', 3), pf(0x7))
    .check(setReg('cr0', cr0Paging(false)), OK)
    .check(access(sup + 8, 'write', 0), ok(0x200008, 1, 0))
    .check(access(usr, 'write', 3), pf(0x7))
    .check(access(usr, 'write', 0), ok(0x201000, 1, 1));
  return b.build(
    'permissions/wp-toggle.json',
    'CR0.WP toggled with paging on: supervisor writes to read-only pages',
    '4-level paging, SMAP off. gva 0x600000 -> 0x200000 is a read-only supervisor page, 0x601000 -> 0x201000 a ' +
      'read-only user page. Paging turns on with CR0.WP=0: a CPL-0 write to the read-only page succeeds and ' +
      'sets A on four levels and D on the PTE. Setting WP (only WP changes: walker re-initialised, no flush) ' +
      'makes the same write #PF 0x3, and a user write #PF 0x7. Clearing WP again: the supervisor write ' +
      'succeeds, the user write still faults (0x7: WP never relaxes user writes), a CPL-0 write to the ' +
      'read-only user page succeeds (sets its D).',
    makeConfig({ tdp: 'ept' }),
  );
}

function nx(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const X = 0x400000;
  const Y = 0x600000;
  const Z = 0x800000;
  const K = 0x8000000000;
  const b = new SeedBuilder()
    .add(...pt.map(X, 0x200000, { leaf: 'P W U NX' }))
    .add(...pt.map(Y, 0x201000, { tables: { 2: 'P W U NX' } }))
    .add(...pt.map(Z, 0x202000))
    .add(...pt.map(K, 0x203000, { tables: { 4: 'P W U NX' } }))
    .add(...enablePaging('long4', { cr3: 0x10000, nxe: true }))
    .check(access(X, 'fetch', 0), pf(0x11))
    .check(access(X, 'fetch', 3), pf(0x15))
    .check(access(X, 'read', 3), ok(0x200000, 1))
    .check(access(Y, 'fetch', 0), pf(0x11))
    .check(access(Z, 'fetch', 3), ok(0x202000, 1))
    .check(access(K, 'fetch', 0), pf(0x11))
    .check(setReg('efer', EFER_LME), OK)
    .check(access(Z, 'fetch', 0), ok(0x202000, 1))
    .check(access(X, 'read', 0), pf(0x9))
    .check(access(X, 'fetch', 3), pf(0xd))
    .check(setReg('efer', EFER_LME | EFER_NXE), OK)
    .check(access(X, 'fetch', 0), pf(0x11));
  return b.build(
    'permissions/nx.json',
    'Execute-disable at each level, and EFER.NXE turned off under paging',
    '4-level paging with EFER.NXE=1. gva 0x400000 has XD in the PTE, 0x600000 in its PDE, 0x8000000000 in its ' +
      'PML4E; 0x800000 has no XD. Expected: fetches through any XD entry #PF with I/D: 0x11 at CPL 0, 0x15 at ' +
      'CPL 3; reads are ok; the clean page is executable. Clearing EFER.NXE (LME unchanged, allowed with ' +
      'paging on; MMU reset) turns bit 63 into a reserved bit: the clean page still executes, a read of the XD ' +
      'page is #PF 0x9 (P|RSVD), a user fetch #PF 0xd (no I/D: NXE=0, SMEP=0). Setting NXE again gives 0x11.',
    makeConfig({ tdp: 'npt' }),
  );
}

function smep(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const U = 0x400000;
  const S = 0x600000;
  const MIXED = 0x800000;
  const b = new SeedBuilder()
    .add(...pt.map(U, 0x200000))
    .add(...pt.map(S, 0x201000, { leaf: 'P W' }))
    .add(...pt.map(MIXED, 0x202000, { leaf: 'P W U', tables: { 2: 'P W' } }))
    .add(...enablePaging('long4', { cr3: 0x10000, cr4: CR4_SMEP }))
    .check(access(U, 'fetch', 0), pf(0x11))
    .check(access(S, 'fetch', 0), ok(0x201000, 1))
    .check(access(MIXED, 'fetch', 0), ok(0x202000, 1))
    .check(access(U, 'fetch', 3), ok(0x200000, 1))
    .check(access(U, 'read', 0), ok(0x200000, 1))
    .check(access(0xa00000, 'fetch', 0), pf(0x10))
    .check(setReg('cr4', CR4_PAE), OK)
    .check(access(U, 'fetch', 0), ok(0x200000, 1))
    .check(access(0xa00000, 'fetch', 0), pf(0x0))
    .check(setReg('cr4', CR4_PAE | CR4_SMEP), OK)
    .check(setReg('cr0', cr0Paging(false)), OK)
    .check(access(U, 'fetch', 0), pf(0x11));
  return b.build(
    'permissions/smep.json',
    'SMEP: supervisor fetches from user-mode addresses',
    '4-level paging, CR4.SMEP=1, EFER.NXE=0. gva 0x400000 is a user page, 0x600000 a supervisor page, 0x800000 ' +
      'has U/S=1 in the PTE but 0 in the PDE (a supervisor-mode address). Expected: CPL-0 fetch from the user ' +
      'page #PF 0x11 (I/D set because SMEP=1 even though NXE=0); fetches from the other two are ok; a user ' +
      'fetch and a supervisor read of the user page are ok; a supervisor fetch of the unmapped 0xa00000 is ' +
      '#PF 0x10 (I/D alone). Clearing SMEP (MMU reset): the fetch is ok and the not-present fault has no I/D ' +
      '(0x0). With SMEP again and CR0.WP=0 the fetch faults again with 0x11 (WP does not matter to SMEP).',
    makeConfig({ tdp: 'ept' }),
  );
}

function smapAc(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const U = 0x400000;
  const URO = 0x401000;
  const S = 0x600000;
  const b = new SeedBuilder()
    .add(...pt.map(U, 0x200000))
    .add(...pt.map(URO, 0x201000, { leaf: 'P U' }))
    .add(...pt.map(S, 0x202000, { leaf: 'P W' }))
    .add(...enablePaging('long4', { cr3: 0x10000, cr4: CR4_SMAP }))
    .check(access(U, 'read', 0), pf(0x1))
    .check(access(U, 'write', 0), pf(0x3))
    .check(access(U, 'fetch', 0), ok(0x200000, 1))
    .check(access(S, 'read', 0), ok(0x202000, 1))
    .check(access(U, 'read', 3), ok(0x200000, 1))
    .check(setReg('rflags', RFLAGS_AC | RFLAGS_FIXED), OK)
    .check(access(U, 'read', 0), ok(0x200000, 1))
    .check(access(U, 'write', 0), ok(0x200000, 1))
    .check(access(URO, 'write', 0), pf(0x3))
    .check(setReg('rflags', RFLAGS_FIXED), OK)
    .check(access(U, 'read', 0), pf(0x1));
  return b.build(
    'permissions/smap-ac.json',
    'SMAP with RFLAGS.AC: explicit supervisor data accesses to user pages',
    '4-level paging, CR4.SMAP=1, CR0.WP=1, SMEP off. gva 0x400000 user writable, 0x401000 user read-only, ' +
      '0x600000 supervisor. With AC=0: CPL-0 read of the user page #PF 0x1, write #PF 0x3, fetch ok (SMAP ' +
      'covers data only), reading the supervisor page and a CPL-3 read are ok. After RFLAGS.AC=1 (0x40002): the ' +
      'supervisor read and write of the user page are ok, the write to the read-only user page still #PF 0x3 ' +
      '(WP=1). AC=0 again: the read faults again (0x1).',
    makeConfig({ tdp: 'npt' }),
  );
}

function smapImplicit(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const U = 0x400000;
  const URO = 0x401000;
  const S = 0x600000;
  const b = new SeedBuilder()
    .add(...pt.map(U, 0x200000))
    .add(...pt.map(URO, 0x201000, { leaf: 'P U' }))
    .add(...pt.map(S, 0x202000, { leaf: 'P W' }))
    .add(...enablePaging('long4', { cr3: 0x10000, cr4: CR4_SMAP, wp: false }))
    .check(setReg('rflags', RFLAGS_AC | RFLAGS_FIXED), OK)
    .check(access(U, 'read', 0), ok(0x200000, 1))
    .check(access(U, 'read', 0, true), pf(0x1))
    .check(access(U, 'read', 3, true), pf(0x1))
    .check(access(U, 'write', 0, true), pf(0x3))
    .check(access(URO, 'write', 0), ok(0x201000, 1))
    .check(access(URO, 'write', 0, true), pf(0x3))
    .check(access(S, 'read', 3, true), ok(0x202000, 1))
    .check(access(S, 'write', 3, true), ok(0x202000, 1))
    .check(access(U, 'read', 3), ok(0x200000, 1));
  return b.build(
    'permissions/smap-implicit.json',
    'SMAP and implicit supervisor accesses: RFLAGS.AC does not help',
    '4-level paging, CR4.SMAP=1, CR0.WP=0, RFLAGS.AC=1. gva 0x400000 user writable, 0x401000 user read-only, ' +
      '0x600000 supervisor. Implicit accesses (descriptor tables and the like) are supervisor accesses whatever ' +
      'the CPL and SMAP ignores AC for them. Expected: explicit CPL-0 read of the user page ok; implicit reads ' +
      'at CPL 0 and CPL 3 #PF 0x1 (no U bit: supervisor access); implicit write #PF 0x3; explicit CPL-0 write to ' +
      'the read-only user page ok (AC=1, WP=0) but implicit #PF 0x3; implicit accesses to the supervisor page ' +
      'are ok at CPL 3; an ordinary user read of the user page is ok.',
    makeConfig({ tdp: 'ept' }),
  );
}

function pkuAdWd(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const K1 = 0x400000;
  const K2 = 0x401000;
  const S1 = 0x600000;
  const b = new SeedBuilder()
    .add(...pt.map(K1, 0x200000, { leaf: 'P W U pk1' }))
    .add(...pt.map(K2, 0x201000, { leaf: 'P W U pk2' }))
    .add(...pt.map(S1, 0x202000, { leaf: 'P W pk1' }))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(setReg('pkru', 0x4), GP)
    .check(setReg('cr4', CR4_PAE | CR4_PKE), OK)
    .check(setReg('pkru', 0x4), OK)
    .check(access(K1, 'read', 3), pf(0x25))
    .check(access(K1, 'read', 0), pf(0x21))
    .check(access(K1, 'fetch', 3), ok(0x200000, 1))
    .check(access(K2, 'read', 3), ok(0x201000, 1))
    .check(access(S1, 'read', 0), ok(0x202000, 1))
    .check(setReg('pkru', 0x8), OK)
    .check(access(K1, 'read', 3), ok(0x200000, 1))
    .check(access(K1, 'write', 3), pf(0x27))
    .check(access(K1, 'write', 0), pf(0x23))
    .check(setReg('cr0', cr0Paging(false)), OK)
    .check(access(K1, 'write', 0), ok(0x200000, 1))
    .check(access(K1, 'write', 3), pf(0x27))
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(K1, 'write', 0), pf(0x23))
    .check(setReg('pkru', 0x20), OK)
    .check(access(K1, 'write', 3), ok(0x200000, 1))
    .check(access(K2, 'write', 3), pf(0x27))
    .check(setReg('cr4', CR4_PAE), OK)
    .check(access(K2, 'write', 3), ok(0x201000, 1));
  return b.build(
    'permissions/pku-ad-wd.json',
    'Protection keys: PKRU access-disable and write-disable, with CR0.WP variants',
    '4-level paging, CR0.WP=1. gva 0x400000 user page with key 1, 0x401000 user page with key 2, 0x600000 ' +
      'supervisor page with key 1 (keys in PTE bits 62:59). WRPKRU before CR4.PKE is #GP. With PKE and ' +
      'PKRU=0x4 (AD1): user read of key 1 #PF 0x25 (P|U|PK), supervisor read #PF 0x21, fetch ok (keys gate data ' +
      'only), key 2 and the supervisor page unaffected. PKRU=0x8 (WD1): reads ok, user write #PF 0x27, ' +
      'supervisor write #PF 0x23 while WP=1; with WP=0 the supervisor write is ok but the user write still ' +
      'faults; WP=1 again restores 0x23. PKRU=0x20 (WD2) frees key 1 and blocks key 2 (0x27). Clearing CR4.PKE ' +
      'drops key checks.',
    makeConfig({ tdp: 'npt' }),
  );
}

export const PERMISSION_SCENARIOS: readonly (() => SeedScenario)[] = [
  userSupervisor,
  wpToggle,
  nx,
  smep,
  smapAc,
  smapImplicit,
  pkuAdWd,
];
