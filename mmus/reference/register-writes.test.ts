// Register-write checks (SDM 2.5, 2.2.1, 4.1.3, 4.4.1, 4.10.1; model-contract "Register writes").
// Expected outcomes are written from those rules, not computed by the model.
import { describe, expect, it } from 'vitest';
import type { CpuFeature, Reg } from '../backend.js';
import { ALL_FEATURES, TestVm } from './test-support.js';

type Step = readonly ['set', Reg, number, number?] | readonly ['mem', number, number, number?];

interface Row {
  name: string;
  features?: readonly CpuFeature[];
  setup?: readonly Step[];
  write: readonly [Reg, number, number?];
  expect: 'ok' | 'gp';
  /** Register values after the write (defaults: untouched fields not checked). */
  after?: { cr0?: number; cr3?: [number, number]; cr4?: number; efer?: number; pkru?: number; rflags?: number };
}

// Bits used below (SDM 2.5, 2.2.1).
const PE = 0x1, ET = 0x10, WP = 0x10000, NW = 0x20000000, CD = 0x40000000, PG = 0x80000000;
const PSE = 0x10, PAE = 0x20, PGE = 0x80, OSFXSR = 0x200, UMIP = 0x800, LA57 = 0x1000, VMXE = 0x2000;
const SMXE = 0x4000, PCIDE = 0x20000, SMEP = 0x100000, SMAP = 0x200000, PKE = 0x400000, CET = 0x800000, PKS = 0x1000000;
const SCE = 0x1, LME = 0x100, LMA = 0x400, NXE = 0x800;

/** 4-level paging on (CR3 = 0x1000); tables need not exist for register tests. */
const LONG: readonly Step[] = [['set', 'cr4', PAE], ['set', 'efer', LME], ['set', 'cr3', 0x1000], ['set', 'cr0', PG | PE]];
/** A valid PDPT at 0x1000 (PDPTE0 present → 0x2000) and CR3 pointing at it, paging still off. */
const PDPT_OK: readonly Step[] = [['mem', 0x1000, 0x2001], ['set', 'cr3', 0x1000], ['set', 'cr4', PAE]];
/** PAE paging on with the valid PDPT. */
const PAE_ON: readonly Step[] = [...PDPT_OK, ['set', 'cr0', PG | PE]];

const rows: Row[] = [
  // --- CR0 ---
  { name: 'cr0: bits 63:32 → gp', write: ['cr0', PE, 1], expect: 'gp' },
  { name: 'cr0: NW without CD → gp', write: ['cr0', NW | PE], expect: 'gp' },
  { name: 'cr0: PG without PE → gp', write: ['cr0', PG], expect: 'gp' },
  { name: 'cr0: ET forced to 1', write: ['cr0', PE], expect: 'ok', after: { cr0: PE | ET } },
  { name: 'cr0: undefined bits 15:6, 17, 28:19 cleared, AM (18) kept', write: ['cr0', 0x1ffeffc1], expect: 'ok', after: { cr0: PE | ET | 0x40000 } },
  { name: 'cr0: 32-bit paging on', write: ['cr0', PG | PE | WP], expect: 'ok', after: { cr0: PG | PE | WP | ET, efer: 0 } },
  { name: 'cr0: PG with LME but PAE=0 → gp', setup: [['set', 'efer', LME]], write: ['cr0', PG | PE], expect: 'gp', after: { efer: LME } },
  { name: 'cr0: PG with LME and PAE activates IA-32e (LMA)', setup: LONG.slice(0, 3), write: ['cr0', PG | PE], expect: 'ok', after: { efer: LME | LMA } },
  { name: 'cr0: PG 1→0 in IA-32e mode clears LMA', setup: LONG, write: ['cr0', PE], expect: 'ok', after: { efer: LME } },
  { name: 'cr0: PG 1→0 with PCIDE → gp', setup: [...LONG, ['set', 'cr4', PAE | PCIDE]], write: ['cr0', PE], expect: 'gp', after: { efer: LME | LMA } },
  { name: 'cr0: PAE paging on with a valid PDPT', setup: PDPT_OK, write: ['cr0', PG | PE], expect: 'ok' },
  { name: 'cr0: PAE paging on, PDPTE with bit 1 (R/W) → gp', setup: [['mem', 0x1000, 0x2003], ...PDPT_OK.slice(1)], write: ['cr0', PG | PE], expect: 'gp', after: { cr0: CD | NW | ET } },
  { name: 'cr0: PAE paging on, PDPTE with bit 7 (PS) → gp', setup: [['mem', 0x1008, 0x2081], ...PDPT_OK], write: ['cr0', PG | PE], expect: 'gp' },
  { name: 'cr0: PAE paging on, PDPTE with bit M=46 → gp', setup: [['mem', 0x1018, 0x2001, 0x4000], ...PDPT_OK], write: ['cr0', PG | PE], expect: 'gp' },
  { name: 'cr0: PAE paging on, PDPTE with bit 45 → ok', setup: [['mem', 0x1018, 0x2001, 0x2000], ...PDPT_OK], write: ['cr0', PG | PE], expect: 'ok' },
  { name: 'cr0: PAE paging on, PDPTE with bit 63 → gp', setup: [['mem', 0x1018, 0x2001, 0x80000000], ...PDPT_OK], write: ['cr0', PG | PE], expect: 'gp' },
  { name: 'cr0: PAE paging on, not-present PDPTE with junk → ok', setup: [['mem', 0x1018, 0xfffffffe, 0xffffffff], ...PDPT_OK], write: ['cr0', PG | PE], expect: 'ok' },
  { name: 'cr0: PAE paging on, PDPT outside memslots → gp', setup: [['set', 'cr3', 0x8000000], ['set', 'cr4', PAE]], write: ['cr0', PG | PE], expect: 'gp' },
  { name: 'cr0: PAE paging, CD change reloads PDPTEs (now bad) → gp', setup: [...PAE_ON, ['mem', 0x1000, 0x2003]], write: ['cr0', PG | PE | CD], expect: 'gp', after: { cr0: PG | PE | ET } },
  { name: 'cr0: PAE paging, WP change does not reload', setup: [...PAE_ON, ['mem', 0x1000, 0x2003]], write: ['cr0', PG | PE | WP], expect: 'ok' },
  // --- CR3 ---
  { name: 'cr3: bit M=46 → gp', write: ['cr3', 0x1000, 0x4000], expect: 'gp', after: { cr3: [0, 0] } },
  { name: 'cr3: bit 45 → ok', write: ['cr3', 0x1000, 0x2000], expect: 'ok', after: { cr3: [0x1000, 0x2000] } },
  { name: 'cr3: bit 63 without PCIDE → gp', write: ['cr3', 0x1000, 0x80000000], expect: 'gp' },
  { name: 'cr3: bit 63 with PCIDE is NOFLUSH, not stored', setup: [...LONG, ['set', 'cr4', PAE | PCIDE]], write: ['cr3', 0x2005, 0x80000000], expect: 'ok', after: { cr3: [0x2005, 0] } },
  { name: 'cr3: PAE paging, new PDPT bad → gp', setup: [...PAE_ON, ['mem', 0x3000, 0x2005]], write: ['cr3', 0x3000], expect: 'gp', after: { cr3: [0x1000, 0] } },
  { name: 'cr3: PAE paging, same CR3 reloads (PDPT now bad) → gp', setup: [...PAE_ON, ['mem', 0x1000, 0x2005]], write: ['cr3', 0x1000], expect: 'gp' },
  { name: 'cr3: PAE paging, PDPT at CR3[31:5] (offset 0x20)', setup: [...PAE_ON, ['mem', 0x1000, 0x2005], ['mem', 0x1020, 0x2001]], write: ['cr3', 0x1020], expect: 'ok' },
  { name: 'cr3: 32-bit paging, any table → ok', setup: [['set', 'cr0', PG | PE]], write: ['cr3', 0x7fff000], expect: 'ok' },
  // --- CR4 ---
  { name: 'cr4: bits 63:32 → gp', write: ['cr4', 0, 1], expect: 'gp' },
  { name: 'cr4: PKS not exposed → gp', write: ['cr4', PKS], expect: 'gp' },
  { name: 'cr4: CET → gp', write: ['cr4', CET], expect: 'gp' },
  { name: 'cr4: VMXE → gp', write: ['cr4', VMXE], expect: 'gp' },
  { name: 'cr4: SMXE → gp', write: ['cr4', SMXE], expect: 'gp' },
  { name: 'cr4: UMIP → gp', write: ['cr4', UMIP], expect: 'gp' },
  { name: 'cr4: bit 15 (reserved) → gp', write: ['cr4', 0x8000], expect: 'gp' },
  { name: 'cr4: SMEP without the feature → gp', features: ['nx'], write: ['cr4', SMEP], expect: 'gp' },
  { name: 'cr4: SMAP without the feature → gp', features: ['nx'], write: ['cr4', SMAP], expect: 'gp' },
  { name: 'cr4: PKE without the feature → gp', features: ['nx'], write: ['cr4', PKE], expect: 'gp' },
  { name: 'cr4: LA57 without the feature → gp', features: ['nx'], write: ['cr4', LA57], expect: 'gp' },
  { name: 'cr4: SMEP|SMAP|PKE|LA57 with the features', write: ['cr4', SMEP | SMAP | PKE | LA57 | PSE | PGE], expect: 'ok', after: { cr4: SMEP | SMAP | PKE | LA57 | PSE | PGE } },
  { name: 'cr4: IA-32e mode, PAE=0 → gp', setup: LONG, write: ['cr4', 0], expect: 'gp', after: { cr4: PAE } },
  { name: 'cr4: IA-32e mode, LA57 change → gp', setup: LONG, write: ['cr4', PAE | LA57], expect: 'gp' },
  { name: 'cr4: PCIDE without the feature → gp', features: ['nx'], setup: LONG, write: ['cr4', PAE | PCIDE], expect: 'gp' },
  { name: 'cr4: PCIDE outside IA-32e mode → gp', write: ['cr4', PCIDE], expect: 'gp' },
  { name: 'cr4: PCIDE with CR3[11:0] ≠ 0 → gp', setup: [...LONG, ['set', 'cr3', 0x1001]], write: ['cr4', PAE | PCIDE], expect: 'gp' },
  { name: 'cr4: PCIDE in IA-32e mode with CR3[11:0] = 0', setup: LONG, write: ['cr4', PAE | PCIDE], expect: 'ok' },
  { name: 'cr4: PAE paging, PGE change reloads PDPTEs (now bad) → gp', setup: [...PAE_ON, ['mem', 0x1000, 0x2003]], write: ['cr4', PAE | PGE], expect: 'gp', after: { cr4: PAE } },
  { name: 'cr4: PAE paging, SMEP change reloads PDPTEs (now bad) → gp', setup: [...PAE_ON, ['mem', 0x1000, 0x2003]], write: ['cr4', PAE | SMEP], expect: 'gp' },
  { name: 'cr4: PAE paging, OSFXSR change does not reload', setup: [...PAE_ON, ['mem', 0x1000, 0x2003]], write: ['cr4', PAE | OSFXSR], expect: 'ok' },
  { name: 'cr4: 32-bit → PAE paging with a bad PDPT → gp', setup: [['mem', 0x1000, 0x2003], ['set', 'cr3', 0x1000], ['set', 'cr0', PG | PE]], write: ['cr4', PAE], expect: 'gp', after: { cr4: 0 } },
  { name: 'cr4: PCIDE 0→1 gp leaves PDPTEs alone', setup: [...PAE_ON, ['mem', 0x1000, 0x2003]], write: ['cr4', PAE | PGE | PCIDE], expect: 'gp' },
  // --- EFER ---
  { name: 'efer: bits 63:32 → gp', write: ['efer', 0, 1], expect: 'gp' },
  { name: 'efer: bit 1 → gp', write: ['efer', 0x2], expect: 'gp' },
  { name: 'efer: NXE without nx → gp', features: ['pse36'], write: ['efer', NXE], expect: 'gp' },
  { name: 'efer: SCE|NXE with nx', write: ['efer', SCE | NXE], expect: 'ok', after: { efer: SCE | NXE } },
  { name: 'efer: LMA is read-only', write: ['efer', LMA | LME], expect: 'ok', after: { efer: LME } },
  { name: 'efer: LME change with paging on → gp', setup: LONG, write: ['efer', 0], expect: 'gp', after: { efer: LME | LMA } },
  { name: 'efer: LME set with 32-bit paging on → gp', setup: [['set', 'cr0', PG | PE]], write: ['efer', LME], expect: 'gp' },
  { name: 'efer: NXE change with paging on keeps LMA', setup: LONG, write: ['efer', LME | NXE], expect: 'ok', after: { efer: LME | LMA | NXE } },
  // --- PKRU / RFLAGS ---
  { name: 'pkru: CR4.PKE=0 → gp', write: ['pkru', 4], expect: 'gp' },
  { name: 'pkru: with CR4.PKE', setup: [['set', 'cr4', PKE]], write: ['pkru', 0xc], expect: 'ok', after: { pkru: 0xc } },
  { name: 'pkru: above 32 bits → gp', setup: [['set', 'cr4', PKE]], write: ['pkru', 0, 1], expect: 'gp' },
  { name: 'rflags: bits 63:32 → gp', write: ['rflags', 0, 1], expect: 'gp' },
  { name: 'rflags: AC, bit 1 reads as 1', write: ['rflags', 0x40000], expect: 'ok', after: { rflags: 0x40002 } },
];

describe('register writes', () => {
  it.each(rows)('$name', (row) => {
    const vm = new TestVm({ features: row.features ?? ALL_FEATURES });
    for (const s of row.setup ?? []) {
      if (s[0] === 'set') expect(vm.set(s[1], s[2], s[3] ?? 0), `setup ${s.join(' ')}`).toBe('ok');
      else vm.w64(s[1], s[2], s[3] ?? 0);
    }
    const before = vm.b.state();
    const outcome = vm.set(row.write[0], row.write[1], row.write[2] ?? 0);
    expect(outcome).toBe(row.expect);
    const st = vm.b.state();
    if (outcome === 'gp') expect(st).toEqual(before);
    const a = row.after ?? {};
    if (a.cr0 !== undefined) expect(st.cr0 >>> 0).toBe(a.cr0 >>> 0);
    if (a.cr3 !== undefined) expect([st.cr3.lo, st.cr3.hi]).toEqual(a.cr3);
    if (a.cr4 !== undefined) expect(st.cr4).toBe(a.cr4);
    if (a.efer !== undefined) expect(st.efer).toBe(a.efer);
    if (a.pkru !== undefined) expect(st.pkru).toBe(a.pkru);
    if (a.rflags !== undefined) expect(st.rflags).toBe(a.rflags);
  });
});

describe('PDPTE registers', () => {
  // PAE tables: PDPT 0x1000 → PD 0x2000 → PT 0x3000 → page 0x5000 for gva 0x0; PDPTE1 → PD 0x6000 → 2 MiB page.
  function paeVm(tdp: 'ept' | 'npt'): TestVm {
    const vm = new TestVm({ tdp });
    vm.w64(0x1000, 0x2001);
    vm.w64(0x1008, 0x6001);
    vm.w64(0x2000, 0x3003);
    vm.w64(0x3000, 0x5003);
    vm.w64(0x6000, 0x200083);
    for (const [reg, v] of [['cr3', 0x1000], ['cr4', PAE], ['cr0', PG | PE]] as const) expect(vm.set(reg, v)).toBe('ok');
    return vm;
  }

  it('Intel: the walk uses the PDPTE registers loaded by MOV CR3, not memory (SDM 4.4.1)', () => {
    const vm = paeVm('ept');
    expect(vm.gvaToGpa(0x40000000).gpa).toBe(0x200000);
    vm.w64(0x1008, 0); // clear PDPTE1 in memory only
    expect(vm.gvaToGpa(0x40000000).gpa).toBe(0x200000);
    expect(vm.set('cr3', 0x1000)).toBe('ok'); // reload
    expect(vm.gvaToGpa(0x40000000)).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });

  it('AMD (npt): the PDPTEs are re-read from memory at each walk (model-contract)', () => {
    const vm = paeVm('npt');
    expect(vm.gvaToGpa(0x40000000).gpa).toBe(0x200000);
    vm.w64(0x1008, 0);
    expect(vm.gvaToGpa(0x40000000)).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });

  it('AMD (npt): a failed re-read keeps the registers', () => {
    const vm = paeVm('npt');
    vm.w64(0x1000, 0x2003); // PDPTE0 now invalid (R/W reserved): re-read fails as a whole
    vm.w64(0x1008, 0);
    expect(vm.gvaToGpa(0x40000000).gpa).toBe(0x200000);
    expect(vm.gvaToGpa(0x0).gpa).toBe(0x5000);
  });

  it('a failed CR3 load leaves the old PDPTE registers in use', () => {
    const vm = paeVm('ept');
    vm.w64(0x8000, 0x2003);
    expect(vm.set('cr3', 0x8000)).toBe('gp');
    expect(vm.gvaToGpa(0x40000000).gpa).toBe(0x200000);
  });
});
