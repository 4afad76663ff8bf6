// Seed scenarios: corpus/reserved/ — reserved bits that turn a present entry into #PF(P|RSVD).
import { CR4_PSE, EFER_LME, EFER_NXE } from '../../x86/bits.js';
import { makeConfig } from '../config.js';
import { access, gvaToGpa, read, setReg } from '../ops.js';
import { PageTables } from '../page-tables.js';
import { enablePaging } from '../paging-setup.js';
import { mmio, OK, ok, pf, SeedBuilder, value, type SeedScenario } from './seed-scenario.js';

function maxphyaddr36(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000, { leaf: 'P W U b36' }))
    .add(...pt.map(0x401000, 0x8_0000_0000))
    .add(...pt.map(0x402000, 0x202000, { leaf: 'P W U b51' }))
    .add(...pt.map(0x8000000000, 0x201000, { tables: { 2: 'P W U b40' } }))
    .add(...enablePaging('long4', { cr3: 0x10000, nxe: true }))
    .check(access(0x400000, 'read', 0), pf(0x9))
    .check(access(0x400000, 'write', 3), pf(0xf))
    .check(access(0x400000, 'fetch', 0), pf(0x19))
    .check(gvaToGpa(0x401abc, 'read', 0), ok(0x8_0000_0abc, 1))
    .check(access(0x401abc, 'read', 0), mmio(0x8_0000_0abc, 1))
    .check(access(0x402000, 'read', 3), pf(0xd))
    .check(access(0x8000000000, 'read', 0), pf(0x9));
  return b.build(
    'reserved/maxphyaddr-36-high-bit.json',
    'MAXPHYADDR 36: address bits 51:36 of every entry are reserved',
    'Guest MAXPHYADDR 36, 4-level paging, EFER.NXE=1. gva 0x400000 -> PTE with bit 36 set; 0x401000 -> PTE ' +
      'frame 0x800000000 (bit 35, a legal address outside every memslot); 0x402000 -> PTE with bit 51; ' +
      '0x8000000000 -> a PDE (non-leaf) with bit 40. Expected: bit 36 gives #PF 0x9 for a supervisor read, 0xf ' +
      'for a user write (P|W|U|RSVD), 0x19 for a fetch (I/D: NXE=1); gva_to_gpa of 0x401abc is ok with gpa ' +
      '0x800000abc and the access is mmio there; bit 51 in a leaf and bit 40 in a PDE are #PF with RSVD.',
    makeConfig({ tdp: 'ept', maxphyaddr: 36 }),
  );
}

function nxWithoutEferNx(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const X = 0x400000;
  const Y = 0x600000;
  const b = new SeedBuilder()
    .add(...pt.map(X, 0x200000, { leaf: 'P W U NX' }))
    .add(...pt.map(Y, 0x201000, { tables: { 2: 'P W U NX' } }))
    .add(...pt.map(0x800000, 0x202000))
    .add(...enablePaging('long4', { cr3: 0x10000, nxe: false }))
    .check(access(X, 'read', 0), pf(0x9))
    .check(access(X, 'fetch', 0), pf(0x9))
    .check(access(Y, 'read', 3), pf(0xd))
    .check(access(0x800000, 'fetch', 3), ok(0x202000, 1))
    .check(setReg('efer', EFER_LME | EFER_NXE), OK)
    .check(access(X, 'read', 0), ok(0x200000, 1))
    .check(access(X, 'fetch', 0), pf(0x11))
    .check(access(Y, 'fetch', 3), pf(0x15))
    .check(access(Y, 'read', 3), ok(0x201000, 1));
  return b.build(
    'reserved/nx-without-efer-nx.json',
    'XD (bit 63) is reserved while EFER.NXE=0',
    'The nx feature is present but EFER.NXE=0 when 4-level paging turns on. gva 0x400000 has XD in its PTE, ' +
      '0x600000 in its PDE, 0x800000 none. Expected: any access through an XD entry is #PF with RSVD: 0x9 for ' +
      'supervisor read and fetch (no I/D: NXE=0 and SMEP=0), 0xd for a user read; the clean page executes. ' +
      'After EFER.NXE=1 (allowed with paging on; MMU reset) XD is a permission: reads are ok, fetches #PF 0x11 ' +
      '(CPL 0) / 0x15 (CPL 3).',
    makeConfig({ tdp: 'npt' }),
  );
}

function psAtPml4(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000, { tables: { 4: 'P W U PS' } }))
    .add(...pt.map(0x8000000000, 0x201000, { tables: { 4: 'P W U b8' } }))
    .add(...pt.map(0x10000000000, 0x202000))
    .add(...enablePaging('long4', { cr3: 0x10000, nxe: true }))
    .check(access(0x400000, 'read', 0), pf(0x9))
    .check(access(0x400000, 'fetch', 3), pf(0x1d))
    .check(access(0x8000000000, 'read', 0), pf(0x9))
    .check(access(0x10000000000, 'read', 3), ok(0x202000, 1, 4));
  return b.build(
    'reserved/ps-at-pml4.json',
    'PS in a PML4E is reserved; on AMD so is bit 8',
    'AMD host (npt), 4-level paging, EFER.NXE=1. PML4E 0 (gva 0x400000) has PS (bit 7) set, PML4E 1 (gva ' +
      '0x8000000000) has bit 8 set (must be zero on AMD; ignored on Intel), PML4E 2 (gva 0x10000000000) is clean; ' +
      'all lower levels are valid. Expected: the PS entry gives #PF 0x9, a user fetch through it 0x1d ' +
      '(P|RSVD|U|I/D); the bit-8 entry #PF 0x9 on this AMD guest; the clean path translates and sets A at ' +
      'four levels.',
    makeConfig({ tdp: 'npt' }),
  );
}

function pml4eBit8Intel(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x8000000000, 0x201000, { tables: { 4: 'P W U b8' } }))
    .add(...pt.map(0x10000000000, 0x202000, { tables: { 4: 'P W U PS' } }))
    .add(...pt.map(0x400000, 0x200000, { tables: { 3: 'P W U b8', 2: 'P W U b8' } }))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x8000000000, 'read', 3), ok(0x201000, 1, 4))
    .check(access(0x8000000000, 'write', 0), ok(0x201000, 1, 1))
    .check(read(pt.entryGpa(0x8000000000, 4)), value(pt.entryValue(0x8000000000, 4) | 0x20n))
    .check(access(0x10000000000, 'read', 0), pf(0x9))
    .check(access(0x400010, 'read', 3), ok(0x200010, 1, 4));
  return b.build(
    'reserved/pml4e-bit8-intel.json',
    'Bit 8 of a PML4E is ignored on Intel (the AMD counterpart is ps-at-pml4)',
    'Intel host (ept), 4-level paging. PML4E 1 (gva 0x8000000000) has bit 8 set, which Intel ignores in ' +
      'non-leaf entries (AMD requires it to be zero); PML4E 2 (gva 0x10000000000) has PS set, reserved on every ' +
      'vendor; gva 0x400000 has bit 8 in its PDPTE and PDE (ignored). Expected: the bit-8 path translates to ' +
      '0x201000 (A on four levels, then D on the PTE for a write) and the PML4E reads back with bit 8 kept and A added; the PS entry is ' +
      '#PF 0x9; 0x400010 -> 0x200010.',
    makeConfig({ tdp: 'ept' }),
  );
}

function gbpagesAbsent(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x40000000, 0, { level: 3 }))
    .add(...pt.map(0x200000, 0x400000, { level: 2 }))
    .add(...pt.map(0x80001000, 0x201000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x40000000, 'read', 0), pf(0x9))
    .check(access(0x40000000, 'write', 3), pf(0xf))
    .check(access(0x200010, 'read', 3), ok(0x400010, 2, 3))
    .check(access(0x80001000, 'read', 0), ok(0x201000, 1, 3));
  return b.build(
    'reserved/gbpages-absent.json',
    'Without 1-GByte page support, PS in a PDPTE is reserved',
    'The guest lacks the gbpages feature. 4-level paging: PDPTE 1 maps gva 0x40000000 as a 1 GiB page (PS=1) to ' +
      'gpa 0; PDPTE 0 -> PD with a 2 MiB page 0x200000 -> 0x400000; PDPTE 2 -> PD -> PT mapping 0x80001000 -> ' +
      '0x201000. Expected: the 1 GiB entry gives #PF 0x9 (0xf for a user write); 2 MiB pages and PDPTEs that ' +
      'point to a PD work normally.',
    makeConfig({ tdp: 'ept', without: ['gbpages'] }),
  );
}

function pse36Bits21to17(): SeedScenario {
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00400000, 0x400000, { level: 2, leaf: 'P W U b17' }))
    .add(...pt.map(0x00800000, 0x800000, { level: 2, leaf: 'P W U b21' }))
    .add(...pt.map(0x00c00000, 0xc00000, { level: 2, leaf: 'P W U b16' }))
    .add(...pt.map(0x01000000, 0x1000000, { level: 2 }))
    .add(...enablePaging('32bit', { cr3: 0x10000, cr4: CR4_PSE }))
    .check(access(0x00400000, 'read', 0), pf(0x9))
    .check(access(0x00400000, 'write', 3), pf(0xf))
    .check(access(0x00812345, 'read', 3), pf(0xd))
    .check(gvaToGpa(0x00c00010, 'read', 0), ok(0x8_00c0_0010, 2))
    .check(access(0x00c00010, 'read', 0), mmio(0x8_00c0_0010, 2))
    .check(access(0x01000010, 'read', 3), ok(0x1000010, 2, 1))
    .check(setReg('cr4', 0), OK)
    .check(access(0x00400000, 'read', 0), pf(0x0));
  return b.build(
    'reserved/pse36-bits-21-17.json',
    '32-bit 4 MiB pages with PSE-36: PDE bits 21:17 are reserved',
    'MAXPHYADDR 36, pse36 feature, CR4.PSE=1. 4 MiB PDEs: gva 0x400000 with bit 17 set, 0x800000 with bit 21, ' +
      '0xc00000 with bit 16 (PA[35]: gpa 0x800c00000, outside memory), 0x1000000 clean. Expected: bits 17 and ' +
      '21 give #PF with RSVD (0x9 supervisor read, 0xf user write, 0xd user read); bit 16 is an address bit ' +
      '(gva_to_gpa 0x800c00010, the access is mmio); the clean page works. With CR4.PSE=0 bit 7 is ignored and ' +
      'the bit-17 PDE points to a page table at 0x420000 (bits 31:12), which is empty: #PF 0x0, no RSVD.',
    makeConfig({ tdp: 'npt', maxphyaddr: 36 }),
  );
}

export const RESERVED_SCENARIOS: readonly (() => SeedScenario)[] = [
  maxphyaddr36,
  nxWithoutEferNx,
  psAtPml4,
  pml4eBit8Intel,
  gbpagesAbsent,
  pse36Bits21to17,
];
