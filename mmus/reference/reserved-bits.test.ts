// Reserved bits per paging mode and level (SDM 4.3 table 4-4..4-6, 4.4.2 tables 4-9..4-11,
// 4.5.4 tables 4-15..4-20; APM 5.3.3 for AMD's bit 8), plus the large-page address forms.
// Expectations are written by hand from those tables: RSVD faults as error code P|RSVD (0x9).
import { describe, expect, it } from 'vitest';
import type { AccessKind, CpuFeature } from '../backend.js';
import type { U64 } from '../x86/u64.js';
import { ALL_FEATURES, TestVm } from './test-support.js';

type Mode = '32' | 'pae' | '4' | '5';

interface Path {
  cr3: number;
  gva: U64;
  /** level → [gpa of the entry on the path, default entry value (low half)]. */
  entries: Record<number, readonly [number, number]>;
  size: 4 | 8;
}

// Default path in each mode maps the gva to gpa 0x100123 through 4 KiB pages, P|R/W|U/S everywhere.
const LONG_ENTRIES = { 4: [0x1008, 0x2007], 3: [0x2008, 0x3007], 2: [0x3008, 0x4007], 1: [0x4008, 0x100007] } as const;
const PATHS: Record<Mode, Path> = {
  // gva 0x00410123: PD index 1, PT index 0x10.
  '32': { cr3: 0x1000, gva: { lo: 0x00410123, hi: 0 }, entries: { 2: [0x1004, 0x2007], 1: [0x2040, 0x100007] }, size: 4 },
  // gva 0x40210123: PDPTE index 1, PD index 1, PT index 0x10.
  pae: { cr3: 0x1000, gva: { lo: 0x40210123, hi: 0 }, entries: { 3: [0x1008, 0x2001], 2: [0x2008, 0x3007], 1: [0x3080, 0x100007] }, size: 8 },
  // gva 0x80_4020_1123: index 1 at every level.
  '4': { cr3: 0x1000, gva: { lo: 0x40201123, hi: 0x80 }, entries: LONG_ENTRIES, size: 8 },
  // gva 0x1_0080_4020_1123: index 1 at every level, PML5 at 0x5000.
  '5': { cr3: 0x5000, gva: { lo: 0x40201123, hi: 0x10080 }, entries: { 5: [0x5008, 0x1007], ...LONG_ENTRIES }, size: 8 },
};

interface Row {
  name: string;
  mode: Mode;
  /** Entry to replace: its level on the path and new value. */
  level: number;
  lo: number;
  hi?: number;
  maxphyaddr?: number;
  features?: readonly CpuFeature[];
  amd?: boolean;
  /** EFER.NXE (default 1; ignored without the nx feature). */
  nxe?: boolean;
  /** CR4.PSE for 32-bit paging (default 1). */
  pse?: boolean;
  kind?: AccessKind;
  cpl?: 0 | 3;
  /** A #PF error code, or the translation [gpa, level]. */
  expect: number | readonly [number, number];
}

const NO_GB = ALL_FEATURES.filter((f) => f !== 'gbpages');
const NO_PSE36 = ALL_FEATURES.filter((f) => f !== 'pse36');
const G4 = 2 ** 32;

const rows: Row[] = [
  // ---- 4-level (M = 46 unless stated) ----
  { name: '4: PTE bit 46 = M', mode: '4', level: 1, lo: 0x100007, hi: 0x4000, expect: 0x9 },
  { name: '4: PTE bit 45 < M is address', mode: '4', level: 1, lo: 0x100007, hi: 0x2000, expect: [0x2000 * G4 + 0x100123, 1] },
  { name: '4: PTE bit 51', mode: '4', level: 1, lo: 0x100007, hi: 0x80000, expect: 0x9 },
  { name: '4: PTE bit 52 ignored', mode: '4', level: 1, lo: 0x100007, hi: 0x100000, expect: [0x100123, 1] },
  { name: '4: PTE bits 62:52 ignored (PKE=0)', mode: '4', level: 1, lo: 0x100007, hi: 0x7ff00000, expect: [0x100123, 1] },
  { name: '4: PTE XD with NXE=1', mode: '4', level: 1, lo: 0x100007, hi: 0x80000000, expect: [0x100123, 1] },
  { name: '4: PTE XD with NXE=0', mode: '4', level: 1, lo: 0x100007, hi: 0x80000000, nxe: false, expect: 0x9 },
  { name: '4: PDE XD with NXE=0', mode: '4', level: 2, lo: 0x4007, hi: 0x80000000, nxe: false, expect: 0x9 },
  { name: '4: PML4E XD with NXE=0', mode: '4', level: 4, lo: 0x2007, hi: 0x80000000, nxe: false, expect: 0x9 },
  { name: '4: PML4E XD without the nx feature', mode: '4', level: 4, lo: 0x2007, hi: 0x80000000, features: ['gbpages'], expect: 0x9 },
  { name: '4: PML4E bit 51', mode: '4', level: 4, lo: 0x2007, hi: 0x80000, expect: 0x9 },
  { name: '4: PML4E PS', mode: '4', level: 4, lo: 0x2087, expect: 0x9 },
  { name: '4: PML4E bit 8, Intel (ignored)', mode: '4', level: 4, lo: 0x2107, expect: [0x100123, 1] },
  { name: '4: PML4E bit 8, AMD', mode: '4', level: 4, lo: 0x2107, amd: true, expect: 0x9 },
  { name: '4: PDPTE bit 8, AMD (ignored)', mode: '4', level: 3, lo: 0x3107, amd: true, expect: [0x100123, 1] },
  { name: '4: PDE bit 8 (ignored)', mode: '4', level: 2, lo: 0x4107, expect: [0x100123, 1] },
  { name: '4: 1 GiB page', mode: '4', level: 3, lo: 0x40000087, expect: [0x40201123, 3] },
  { name: '4: 1 GiB page without GBPAGES', mode: '4', level: 3, lo: 0x40000087, features: NO_GB, expect: 0x9 },
  { name: '4: 1 GiB page bit 13', mode: '4', level: 3, lo: 0x40002087, expect: 0x9 },
  { name: '4: 1 GiB page bit 29', mode: '4', level: 3, lo: 0x60000087, expect: 0x9 },
  { name: '4: 1 GiB page bit 12 (PAT)', mode: '4', level: 3, lo: 0x40001087, expect: [0x40201123, 3] },
  { name: '4: 1 GiB page bit 46', mode: '4', level: 3, lo: 0x40000087, hi: 0x4000, expect: 0x9 },
  { name: '4: 1 GiB page bit 32 is address', mode: '4', level: 3, lo: 0x40000087, hi: 0x1, expect: [G4 + 0x40201123, 3] },
  { name: '4: 2 MiB page', mode: '4', level: 2, lo: 0x200087, expect: [0x201123, 2] },
  { name: '4: 2 MiB page bit 13', mode: '4', level: 2, lo: 0x202087, expect: 0x9 },
  { name: '4: 2 MiB page bit 20', mode: '4', level: 2, lo: 0x300087, expect: 0x9 },
  { name: '4: 2 MiB page bit 12 (PAT)', mode: '4', level: 2, lo: 0x201087, expect: [0x201123, 2] },
  { name: '4: 2 MiB page bit 21 is address', mode: '4', level: 2, lo: 0x400087, expect: [0x401123, 2] },
  { name: '4: PDE (table) bits 20:13 are address: empty table → not present', mode: '4', level: 2, lo: 0x1fe007, expect: 0x0 },
  { name: '4: not-present PTE with every other bit set → P=0', mode: '4', level: 1, lo: 0xfffffffe, hi: 0xffffffff, expect: 0x0 },
  { name: '4: RSVD on a write', mode: '4', level: 1, lo: 0x100007, hi: 0x4000, kind: 'write', expect: 0xb },
  { name: '4: RSVD on a user fetch', mode: '4', level: 1, lo: 0x100007, hi: 0x4000, kind: 'fetch', cpl: 3, expect: 0x1d },
  { name: '4: RSVD beats a U/S violation', mode: '4', level: 1, lo: 0x100003, hi: 0x4000, cpl: 3, expect: 0xd },
  { name: '4: M=36, bit 36', mode: '4', level: 1, lo: 0x100007, hi: 0x10, maxphyaddr: 36, expect: 0x9 },
  { name: '4: M=36, bit 35', mode: '4', level: 1, lo: 0x100007, hi: 0x8, maxphyaddr: 36, expect: [0x8 * G4 + 0x100123, 1] },
  { name: '4: M=52, bit 51', mode: '4', level: 1, lo: 0x100007, hi: 0x80000, maxphyaddr: 52, expect: [0x80000 * G4 + 0x100123, 1] },
  // ---- 5-level ----
  { name: '5: 4 KiB path', mode: '5', level: 1, lo: 0x100007, expect: [0x100123, 1] },
  { name: '5: PML5E PS', mode: '5', level: 5, lo: 0x1087, expect: 0x9 },
  { name: '5: PML5E bit 8, Intel (ignored)', mode: '5', level: 5, lo: 0x1107, expect: [0x100123, 1] },
  { name: '5: PML5E bit 8, AMD', mode: '5', level: 5, lo: 0x1107, amd: true, expect: 0x9 },
  { name: '5: PML5E bit 63 with NXE=0', mode: '5', level: 5, lo: 0x1007, hi: 0x80000000, nxe: false, expect: 0x9 },
  { name: '5: PML5E bit 46', mode: '5', level: 5, lo: 0x1007, hi: 0x4000, expect: 0x9 },
  { name: '5: PML4E PS', mode: '5', level: 4, lo: 0x2087, expect: 0x9 },
  { name: '5: 1 GiB page', mode: '5', level: 3, lo: 0x40000087, expect: [0x40201123, 3] },
  // ---- PAE (M = 46) ----
  { name: 'pae: 4 KiB path', mode: 'pae', level: 1, lo: 0x100007, expect: [0x100123, 1] },
  { name: 'pae: PTE bit 52 (62:M reserved)', mode: 'pae', level: 1, lo: 0x100007, hi: 0x100000, expect: 0x9 },
  { name: 'pae: PTE bit 62', mode: 'pae', level: 1, lo: 0x100007, hi: 0x40000000, expect: 0x9 },
  { name: 'pae: PTE bit 46', mode: 'pae', level: 1, lo: 0x100007, hi: 0x4000, expect: 0x9 },
  { name: 'pae: PTE bit 45 is address', mode: 'pae', level: 1, lo: 0x100007, hi: 0x2000, expect: [0x2000 * G4 + 0x100123, 1] },
  { name: 'pae: PTE XD with NXE=0', mode: 'pae', level: 1, lo: 0x100007, hi: 0x80000000, nxe: false, expect: 0x9 },
  { name: 'pae: PTE XD with NXE=1', mode: 'pae', level: 1, lo: 0x100007, hi: 0x80000000, expect: [0x100123, 1] },
  { name: 'pae: PDE bit 62', mode: 'pae', level: 2, lo: 0x3007, hi: 0x40000000, expect: 0x9 },
  { name: 'pae: 2 MiB page', mode: 'pae', level: 2, lo: 0x200087, expect: [0x210123, 2] },
  { name: 'pae: 2 MiB page bit 13', mode: 'pae', level: 2, lo: 0x202087, expect: 0x9 },
  { name: 'pae: 2 MiB page bit 12 (PAT)', mode: 'pae', level: 2, lo: 0x201087, expect: [0x210123, 2] },
  { name: 'pae: PDE bit 8, AMD (ignored)', mode: 'pae', level: 2, lo: 0x3107, amd: true, expect: [0x100123, 1] },
  // ---- 32-bit ----
  { name: '32: 4 KiB path', mode: '32', level: 1, lo: 0x100007, expect: [0x100123, 1] },
  { name: '32: PTE with every bit set (no reserved bits)', mode: '32', level: 1, lo: 0xffffffff, expect: [0xfffff123, 1] },
  { name: '32: 4 MiB page', mode: '32', level: 2, lo: 0x00400083, expect: [0x410123, 2] },
  { name: '32: 4 MiB page bit 12 (PAT)', mode: '32', level: 2, lo: 0x00401083, expect: [0x410123, 2] },
  { name: '32: PSE-36 bit 13 → PA bit 32', mode: '32', level: 2, lo: 0x00402083, expect: [G4 + 0x410123, 2] },
  { name: '32: PSE-36 bits 16:13 → PA[35:32]', mode: '32', level: 2, lo: 0x0041e083, expect: [0xf * G4 + 0x410123, 2] },
  { name: '32: PSE-36, bit 17', mode: '32', level: 2, lo: 0x00420083, expect: 0x9 },
  { name: '32: PSE-36, bit 21', mode: '32', level: 2, lo: 0x00600083, expect: 0x9 },
  { name: '32: PSE-36 with M=40, bit 17 still reserved (ledger 6)', mode: '32', level: 2, lo: 0x00420083, maxphyaddr: 40, expect: 0x9 },
  { name: '32: no PSE-36, bit 13', mode: '32', level: 2, lo: 0x00402083, features: NO_PSE36, expect: 0x9 },
  { name: '32: no PSE-36, bit 16', mode: '32', level: 2, lo: 0x00410083, features: NO_PSE36, expect: 0x9 },
  { name: '32: CR4.PSE=0, PS ignored: PDE is a table', mode: '32', level: 2, lo: 0x2087, pse: false, expect: [0x100123, 1] },
  { name: '32: CR4.PSE=0, PS with bit 17: table at 0x22000 (empty)', mode: '32', level: 2, lo: 0x22087, pse: false, expect: 0x0 },
  { name: '32: PTE PAT bit 7', mode: '32', level: 1, lo: 0x100087, expect: [0x100123, 1] },
];

const PG = 0x80000000, PE = 1, PSE = 0x10, PAE = 0x20, LA57 = 0x1000, LME = 0x100, NXE = 0x800;

function setUp(row: Row): TestVm {
  const vm = new TestVm({ tdp: row.amd ? 'npt' : 'ept', maxphyaddr: row.maxphyaddr, features: row.features ?? ALL_FEATURES });
  const path = PATHS[row.mode];
  for (const [lvl, [gpa, v]] of Object.entries(path.entries)) {
    const lo = Number(lvl) === row.level ? row.lo : v;
    const hi = Number(lvl) === row.level ? row.hi ?? 0 : 0;
    if (path.size === 4) vm.w32(gpa, lo);
    else vm.w64(gpa, lo, hi);
  }
  const nx = (row.features ?? ALL_FEATURES).includes('nx');
  const nxe = nx && row.nxe !== false ? NXE : 0;
  const steps: [Parameters<TestVm['set']>[0], number][] =
    row.mode === '32' ? [['cr4', row.pse === false ? 0 : PSE], ['efer', nxe]]
    : row.mode === 'pae' ? [['cr4', PAE], ['efer', nxe]]
    : [['cr4', PAE | (row.mode === '5' ? LA57 : 0)], ['efer', LME | nxe]];
  for (const [reg, v] of [...steps, ['cr3', path.cr3], ['cr0', PG | PE]] as const) {
    expect(vm.set(reg, v), `${reg}`).toBe('ok');
  }
  return vm;
}

describe('reserved bits and page sizes', () => {
  it.each(rows)('$name', (row) => {
    const vm = setUp(row);
    const o = vm.gvaToGpa(PATHS[row.mode].gva, row.kind ?? 'read', row.cpl ?? 0);
    if (typeof row.expect === 'number') {
      expect(o).toMatchObject({ outcome: 'page_fault', errorCode: row.expect, events: [] });
    } else {
      expect(o).toMatchObject({ outcome: 'ok', gpa: row.expect[0], level: row.expect[1] });
    }
  });
});
