// Seed scenarios: corpus/modes/ — paging off, 32-bit, 4-level and 5-level paging (PAE: modes-pae.ts).
import { CR4_PAE, CR4_PSE } from '../../x86/bits.js';
import { makeConfig, SLOT0 } from '../config.js';
import { access, gvaToGpa, read, setReg, write } from '../ops.js';
import { PageTables } from '../page-tables.js';
import { cr0Paging, CR0_PROTECTED, enablePaging } from '../paging-setup.js';
import { GP, mmio, OK, ok, pf, SeedBuilder, value, type SeedScenario } from './seed-scenario.js';

const A = 0x20n;
const D = 0x40n;

function pagingOff(): SeedScenario {
  const b = new SeedBuilder()
    .check(access(0x1234, 'read', 0), ok(0x1234, 0, 0))
    .check(access(0x1_0000_5678, 'write', 0), ok(0x5678, 0, 0))
    .check(access(0x3fff000, 'fetch', 3), ok(0x3fff000, 0, 0))
    .check(access(0x4000000, 'read', 0), mmio(0x4000000, 0))
    .check(gvaToGpa(0xdeadbeef, 'read', 3), ok(0xdeadbeef, 0))
    .check(setReg('cr0', CR0_PROTECTED), OK)
    .check(access(0x2000, 'read', 0), ok(0x2000, 0, 0));
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  b.add(...pt.map(0x2000, 0x300000))
    .check(setReg('cr3', 0x10000), OK)
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(0x2010, 'read', 0), ok(0x300010, 1, 2))
    .check(access(0x1234, 'read', 0), pf(0))
    .check(setReg('cr0', CR0_PROTECTED), OK)
    .check(access(0x2010, 'read', 0), ok(0x2010, 0, 0));
  return b.build(
    'modes/paging-off.json',
    'paging off: identity translation, 32-bit truncation, paging on and off again',
    'From reset (CR0=0x60000010, paging off) every access translates gva -> gpa unchanged at level 0 with no ' +
      'permission checks (a CPL-3 fetch is fine), the gva truncated to 32 bits (0x100005678 -> 0x5678); a gpa ' +
      'past the 64 MiB memslot is mmio; gva_to_gpa of 0xdeadbeef is ok even outside memory. CR0=PE|ET keeps ' +
      'paging off. Then a 32-bit PD at 0x10000 (PT at 0x11000) maps gva 0x2000 -> 0x300000; with CR0.PG=1 ' +
      'gva 0x2010 -> 0x300010 (A set in PDE and PTE) and the unmapped 0x1234 gives #PF error code 0. Clearing ' +
      'PG (a guest TLB flush) brings back the identity: 0x2010 -> 0x2010.',
    makeConfig({ tdp: 'ept' }),
  );
}

function bit32_4k(): SeedScenario {
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00400000, 0x200000, { leaf: 'P W U' }))
    .add(...pt.map(0x00401000, 0x201000, { leaf: 'P U' }))
    .add(...pt.map(0xc0000000, 0x202000, { leaf: 'P W' }))
    .add(...enablePaging('32bit', { cr3: 0x10000, wp: true }))
    .check(access(0x00400abc, 'read', 3), ok(0x200abc, 1, 2))
    .check(access(0x00400abc, 'write', 3), ok(0x200abc, 1, 1))
    .check(read(pt.entryGpa(0x00400000, 1), 4), value(pt.entryValue(0x00400000, 1) | A | D))
    .check(read(pt.entryGpa(0x00400000, 2), 4), value(pt.entryValue(0x00400000, 2) | A))
    .check(access(0x00401000, 'write', 3), pf(0x7))
    .check(access(0xc0000010, 'read', 3), pf(0x5))
    .check(access(0xc0000010, 'write', 0), ok(0x202010, 1, 2))
    .check(access(0x00402000, 'read', 0), pf(0x0))
    .check(access(0x80000000, 'read', 3), pf(0x4))
    .check(gvaToGpa(0x00401004, 'read', 3), ok(0x201004, 1, 1))
    .check(access(0x1_0040_0abc, 'read', 3), ok(0x200abc, 1, 0));
  return b.build(
    'modes/32bit-4k.json',
    '32-bit paging with 4 KiB pages',
    'CR4=0, CR0=PG|WP|PE|ET. PD at 0x10000 with 4-byte entries; PTs from 0x11000. gva 0x400000 -> 0x200000 ' +
      '(user, writable), 0x401000 -> 0x201000 (user, read-only), 0xc0000000 -> 0x202000 (supervisor, writable). ' +
      'Expected: user read 0x400abc -> 0x200abc sets A in PDE and PTE (two set_ad), the user write sets D in the ' +
      'PTE only; reading the entries back shows PTE 0x200067 and PDE with A. User write to the read-only page ' +
      '-> #PF 0x7, user read of the supervisor page -> #PF 0x5, supervisor write to it is ok, an unmapped PTE ' +
      '-> #PF 0x0, an unmapped PDE at CPL 3 -> #PF 0x4, gva_to_gpa of the read-only page is ok (sets its A). ' +
      'A gva above 4 GiB is truncated (EFER.LMA=0): 0x100400abc -> 0x200abc.',
    makeConfig({ tdp: 'npt' }),
  );
}

function bit32_4mPse(): SeedScenario {
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00800000, 0x400000, { level: 2 }))
    .add(...pt.map(0x00c00000, 0x200000))
    .add(...enablePaging('32bit', { cr3: 0x10000, cr4: CR4_PSE }))
    .check(access(0x00923456, 'read', 3), ok(0x523456, 2, 1))
    .check(access(0x00bffffc, 'write', 0), ok(0x7ffffc, 2, 1))
    .check(read(pt.entryGpa(0x00800000, 2), 4), value(pt.entryValue(0x00800000, 2) | A | D))
    .check(access(0x00c00010, 'read', 0), ok(0x200010, 1, 2))
    .check(setReg('cr4', 0), OK)
    .check(access(0x00923456, 'read', 3), pf(0x4))
    .check(access(0x00c00010, 'read', 0), ok(0x200010, 1, 0))
    .check(setReg('cr4', CR4_PSE), OK)
    .check(access(0x00923456, 'read', 3), ok(0x523456, 2, 0));
  return b.build(
    'modes/32bit-4m-pse.json',
    '32-bit paging with 4 MiB pages (CR4.PSE), and PSE turned off under paging',
    'PD at 0x10000: PDE 2 is a 4 MiB page (PS=1) gva 0x800000 -> gpa 0x400000; PDE 3 points to a PT at 0x11000 ' +
      'mapping 0xc00000 -> 0x200000. With CR4.PSE=1: 0x923456 -> 0x523456 at level 2 (A on the PDE), a write ' +
      'sets D on the PDE (0x4000e7), the 4 KiB page works as usual. Clearing CR4.PSE with paging on (allowed, ' +
      'MMU reset) makes bit 7 of a PDE ignored: PDE 2 now points to a page table at 0x400000 whose entries are ' +
      'zero, so the user read of 0x923456 is #PF 0x4; the 4 KiB mapping is unaffected. Setting PSE again ' +
      'restores the 4 MiB translation.',
    makeConfig({ tdp: 'ept' }),
  );
}

function bit32Pse36(): SeedScenario {
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00400000, 0x1_0000_0000, { level: 2 }))
    .add(...pt.map(0x00800000, 0xf_0000_0000, { level: 2 }))
    .add(...pt.map(0x00c00000, 0x00c00000, { level: 2 }))
    .add(...enablePaging('32bit', { cr3: 0x10000, cr4: CR4_PSE }))
    .check(gvaToGpa(0x00412345, 'read', 3), ok(0x1_0001_2345, 2, 1))
    .check(access(0x00412345, 'write', 3), ok(0x1_0001_2345, 2, 1))
    .check(read(pt.entryGpa(0x00400000, 2), 4), value(pt.entryValue(0x00400000, 2) | A | D))
    .check(write(0x1_0001_2340, 0x1122334455667788n, 8), OK)
    .check(read(0x1_0001_2340, 8), value(0x1122334455667788n))
    .check(access(0x00812345, 'read', 0), mmio(0xf_0001_2345, 2))
    .check(access(0x00c00004, 'read', 0), ok(0xc00004, 2, 1));
  return b.build(
    'modes/32bit-pse36.json',
    '32-bit paging, 4 MiB pages above 4 GiB through PSE-36',
    'MAXPHYADDR 36 with the pse36 feature; memslot 1 holds 4 MiB at gpa 0x100000000. PD at 0x10000 with 4 MiB ' +
      'PDEs: PDE 1 (gva 0x400000) has bits 31:22 = 0 and bits 16:13 = 0x1, i.e. PA[35:32] = 1 -> gpa ' +
      '0x100000000 (PDE value 0x2087); PDE 2 (gva 0x800000) has bits 16:13 = 0xf -> gpa 0xf00000000 (no ' +
      'memslot); PDE 3 maps 0xc00000 to itself. Expected: gva_to_gpa 0x412345 -> 0x100012345 at level 2, a user ' +
      'write there is ok and sets D (PDE becomes 0x20e7), memory at 0x100012340 is ordinary RAM; 0x812345 is mmio ' +
      'at gpa 0xf00012345; 0xc00004 -> 0xc00004.',
    makeConfig({
      tdp: 'npt',
      maxphyaddr: 36,
      memslots: [SLOT0, { slot: 1, gpa: 0x1_0000_0000, size: 0x400000, flags: [] }],
    }),
  );
}

function long4_4k(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const user = 0x7f0000001000n;
  const kernel = 0xffff800000002000n;
  const b = new SeedBuilder()
    .add(...pt.map(user, 0x200000, { leaf: 'P W U' }))
    .add(...pt.map(kernel, 0x201000, { leaf: 'P W' }))
    .add(...pt.map(0x400000, 0x202000, { leaf: 'P U' }))
    .add(...enablePaging('long4', { cr3: 0x10000, nxe: true }))
    .check(access(user + 0xabcn, 'read', 3), ok(0x200abc, 1, 4))
    .check(access(user + 0xabcn, 'write', 3), ok(0x200abc, 1, 1))
    .check(read(pt.entryGpa(user, 1)), value(pt.entryValue(user, 1) | A | D))
    .check(access(kernel + 8n, 'write', 0), ok(0x201008, 1, 4))
    .check(access(kernel + 8n, 'read', 3), pf(0x5))
    .check(access(0x400000, 'write', 3), pf(0x7))
    .check(access(0x400000, 'read', 3), ok(0x202000, 1, 4))
    .check(access(0x0000800000000000n, 'read', 0), GP)
    .check(access(user + 0x1000n, 'read', 3), pf(0x4))
    .check(gvaToGpa(kernel + 0x10n, 'write', 0), ok(0x201010, 1, 0));
  return b.build(
    'modes/long4-4k.json',
    '4-level paging with 4 KiB pages, both canonical halves',
    'PML4 at 0x10000, tables from 0x11000. gva 0x7f0000001000 -> 0x200000 (user, writable), kernel gva ' +
      '0xffff800000002000 -> 0x201000 (supervisor), 0x400000 -> 0x202000 (user, read-only). EFER.LME|NXE, CR4.PAE, ' +
      'CR0.PG|WP. Expected: the first user read sets A at all four levels (four set_ad), the write sets D in the ' +
      'PTE, read back as 0x200067; the kernel page is writable at CPL 0 and #PF 0x5 at CPL 3; user write to the ' +
      'read-only page #PF 0x7, user read of it ok; the non-canonical 0x800000000000 is #GP; the unmapped ' +
      'neighbour 0x7f0000002000 is #PF 0x4; gva_to_gpa of the kernel page is ok.',
    makeConfig({ tdp: 'npt' }),
  );
}

function long4_2m1g(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x40000000, 0, { level: 3 }))
    .add(...pt.map(0x80200000, 0x400000, { level: 2 }))
    .add(...pt.map(0x80000000, 0x200000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x40123456, 'read', 3), ok(0x123456, 3, 2))
    .check(access(0x43000000, 'read', 3), ok(0x3000000, 3, 0))
    .check(access(0x45000000, 'write', 3), { outcome: 'mmio', gpa: 0x5000000, level: 3, setAd: 1 })
    .check(access(0x80234567, 'read', 0), ok(0x434567, 2, 2))
    .check(access(0x80000010, 'read', 0), ok(0x200010, 1, 2))
    .check(access(0x40000000, 'fetch', 0), ok(0, 3, 0));
  return b.build(
    'modes/long4-2m-1g.json',
    '4-level paging with 1 GiB and 2 MiB pages',
    'gbpages feature present. PML4 at 0x10000. PDPTE 1 is a 1 GiB page gva 0x40000000 -> gpa 0; PDPTE 2 -> PD ' +
      'whose PDE 1 is a 2 MiB page 0x80200000 -> 0x400000 and PDE 0 -> PT mapping 0x80000000 -> 0x200000. ' +
      'Expected: 0x40123456 -> 0x123456 at level 3 (A on PML4E and PDPTE), 0x43000000 -> 0x3000000 inside the ' +
      '64 MiB slot; a write at 0x45000000 translates to 0x5000000, past the slot: mmio at level 3, after the ' +
      'walk set D on the PDPTE; 0x80234567 -> 0x434567 at level 2; 0x80000010 -> 0x200010 at level 1; a fetch ' +
      'from the 1 GiB page is allowed (no NX).',
    makeConfig({ tdp: 'ept' }),
  );
}

function long5La57(): SeedScenario {
  const pt = new PageTables('long5', 0x10000, 0x11000);
  const low = 0x00f0000000001000n;
  const high = 0xff00000000002000n;
  const b = new SeedBuilder()
    .add(...pt.map(low, 0x200000))
    .add(...pt.map(high, 0x201000, { leaf: 'P W' }))
    .add(...pt.map(0x3000, 0x202000))
    .add(...enablePaging('long5', { cr3: 0x10000, nxe: true }))
    .check(access(low + 0x10n, 'read', 3), ok(0x200010, 1, 5))
    .check(access(high + 0x20n, 'write', 0), ok(0x201020, 1, 5))
    .check(access(0x3000, 'read', 0), ok(0x202000, 1, 5))
    .check(access(0x0100000000000000n, 'read', 0), GP)
    .check(access(0x0080000000000000n, 'read', 0), pf(0x0))
    .check(setReg('cr4', CR4_PAE), GP)
    .check(gvaToGpa(high, 'read', 0), ok(0x201000, 1, 0))
    .check(access(low + 0x20n, 'write', 3), ok(0x200020, 1, 1));
  return b.build(
    'modes/long5-la57.json',
    '5-level paging (CR4.LA57) with 57-bit addresses',
    'la57 feature, MAXPHYADDR 52 (so the TDP root is 5-level too). CR4.PAE|LA57 set before CR0.PG with ' +
      'EFER.LME. PML5 at 0x10000. gva 0x00f0000000001000 (PML5 index 0xf0: not canonical under 4-level paging) ' +
      '-> 0x200000; 0xff00000000002000 (PML5 index 0x100) -> 0x201000 supervisor; 0x3000 -> 0x202000. Expected: ' +
      'each first access sets A at five levels; 0x0100000000000000 (bit 56 set, bits 63:57 clear) is ' +
      'non-canonical -> #GP; 0x0080000000000000 is canonical but its PML5E is empty -> #PF 0x0; clearing LA57 ' +
      'in long mode is #GP and 5-level paging stays (a user write to the low page sets D).',
    makeConfig({ tdp: 'ept', maxphyaddr: 52 }),
  );
}

export const MODE_SCENARIOS: readonly (() => SeedScenario)[] = [
  pagingOff,
  bit32_4k,
  bit32_4mPse,
  bit32Pse36,
  long4_4k,
  long4_2m1g,
  long5La57,
];
