// Seed scenarios: corpus/modes/ for PAE paging — 2 MiB pages and the PDPTE registers (load, cache,
// #GP on reserved bits, AMD's re-read).
import { CR4_PAE, CR4_PGE } from '../../x86/bits.js';
import { makeConfig } from '../config.js';
import { access, gvaToGpa, read, setReg, write } from '../ops.js';
import { PageTables } from '../page-tables.js';
import { cr0Paging, enablePaging } from '../paging-setup.js';
import { GP, OK, ok, pf, SeedBuilder, value, type SeedScenario } from './seed-scenario.js';

function pae2m(): SeedScenario {
  const pt = new PageTables('pae', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00200000, 0x400000, { level: 2 }))
    .add(...pt.map(0x40001000, 0x200000))
    .add(...pt.map(0xc0000000, 0x600000, { level: 2, leaf: 'P W NX' }))
    .add(...enablePaging('pae', { cr3: 0x10000, nxe: true }))
    .check(access(0x002abcde, 'read', 3), ok(0x4abcde, 2, 1))
    .check(access(0x40001008, 'write', 3), ok(0x200008, 1, 2))
    .check(access(0xc0000100, 'fetch', 0), pf(0x11))
    .check(access(0xc0000100, 'read', 0), ok(0x600100, 2, 1))
    .check(access(0xc0000100, 'read', 3), pf(0x5))
    .check(access(0x80000000, 'read', 0), pf(0x0))
    .check(read(0x10000, 8), value(pt.entryValue(0x00200000, 3)));
  return b.build(
    'modes/pae-2m.json',
    'PAE paging with 2 MiB and 4 KiB pages and execute-disable',
    'PDPT at 0x10000 (PDPTEs have only P set), PDs and PTs from 0x11000. PDPTE 0 -> PD with a 2 MiB page gva ' +
      '0x200000 -> 0x400000; PDPTE 1 -> PD -> PT mapping 0x40001000 -> 0x200000; PDPTE 3 -> PD with a supervisor ' +
      '2 MiB page 0xc0000000 -> 0x600000 with XD=1; PDPTE 2 not present. EFER.NXE=1, CR0.WP=1. Expected: user read ' +
      '0x2abcde -> 0x4abcde level 2 (one set_ad: the PDE; PDPTEs are never written), user write 0x40001008 -> ' +
      '0x200008 (A on the PDE, A|D on the PTE), supervisor fetch from the XD page -> #PF 0x11 (P|I/D), ' +
      'supervisor read of it ok, user read of it #PF 0x5, 0x80000000 (PDPTE 2 not present) #PF 0x0; the PDPTE ' +
      'in memory is unchanged (no A bit).',
    makeConfig({ tdp: 'ept' }),
  );
}

function paePdptrCached(): SeedScenario {
  const pt = new PageTables('pae', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x40000000, 0x300000))
    .add(...pt.map(0x00001000, 0x301000));
  const pdpte1 = pt.entryValue(0x40000000, 3);
  b.add(...enablePaging('pae', { cr3: 0x10000 }))
    .check(access(0x40000000, 'read', 0), ok(0x300000, 1))
    .check(write(0x10008, 0, 8), OK)
    .check(access(0x40000000, 'read', 0), ok(0x300000, 1))
    .check(gvaToGpa(0x40000010, 'read', 0), ok(0x300010, 1))
    .check(setReg('cr3', 0x10000), OK)
    .check(access(0x40000000, 'read', 0), pf(0x0))
    .check(access(0x00001000, 'read', 0), ok(0x301000, 1))
    .check(write(0x10008, pdpte1, 8), OK)
    .check(access(0x40000000, 'read', 0), pf(0x0))
    .check(setReg('cr3', 0x10000), OK)
    .check(access(0x40000000, 'read', 0), ok(0x300000, 1));
  return b.build(
    'modes/pae-pdptr-cached.json',
    'PAE PDPTE registers are cached (Intel): editing the PDPT needs a CR3 reload',
    'Intel host (ept). PDPT at 0x10000: PDPTE 1 -> PD -> PT mapping gva 0x40000000 -> 0x300000, PDPTE 0 maps ' +
      '0x1000 -> 0x301000. After paging is on, the guest clears PDPTE 1 in memory without reloading CR3: the ' +
      'translation is unchanged (0x40000000 -> 0x300000, also for gva_to_gpa), because walks use the PDPTE ' +
      'registers loaded at CR0.PG. MOV CR3 with the same value reloads them (always, in PAE mode): now ' +
      '0x40000000 is #PF 0x0 while PDPTE 0 still works. Restoring PDPTE 1 in memory is again invisible until ' +
      'the next CR3 load, after which 0x40000000 -> 0x300000 again.',
    makeConfig({ tdp: 'ept' }),
  );
}

function paePdptrRereadNpt(): SeedScenario {
  const pt = new PageTables('pae', 0x10000, 0x11000);
  const other = new PageTables('pae', 0x18000, 0x19000);
  const b = new SeedBuilder().add(...pt.map(0x40000000, 0x300000)).add(...other.map(0x40000000, 0x302000));
  const pdA = pt.entryValue(0x40000000, 3);
  const pdB = other.entryValue(0x40000000, 3);
  b.add(...enablePaging('pae', { cr3: 0x10000 }))
    .check(access(0x40000000, 'read', 0), ok(0x300000, 1))
    .check(write(0x10008, 0, 8), OK)
    .check(access(0x40000000, 'read', 0), pf(0x0))
    .check(write(0x10008, pdB, 8), OK)
    .check(access(0x40000000, 'read', 0), ok(0x302000, 1))
    .check(write(0x10008, pdA | 0x2n, 8), OK)
    .check(access(0x40000000, 'read', 0), ok(0x302000, 1))
    .check(setReg('cr3', 0x10000), GP)
    .check(write(0x10008, pdA, 8), OK)
    .check(access(0x40000000, 'read', 0), ok(0x300000, 1));
  return b.build(
    'modes/pae-pdptr-reread-npt.json',
    'PAE PDPTEs on an AMD host: re-read from memory at every walk, a failed re-read keeps the old ones',
    'AMD host (npt). PDPT at 0x10000, PDPTE 1 -> PD A mapping gva 0x40000000 -> 0x300000. A second hierarchy ' +
      'built under a scratch PDPT at 0x18000 provides PD B mapping the same gva -> 0x302000. KVM on SVM re-reads ' +
      'the PDPTEs from guest memory at the start of each op that walks (a PDPTR load; a failed load keeps the ' +
      'cached values). Expected: clearing PDPTE 1 in memory makes 0x40000000 #PF 0x0 at once (no CR3 reload), ' +
      'pointing it at PD B gives 0x302000; writing PD A with R/W=1 (reserved in a PDPTE) fails the re-read so ' +
      'the cached PD B entry stays in use (0x302000), and MOV CR3 fails with #GP; fixing the entry gives ' +
      '0x300000 again.',
    makeConfig({ tdp: 'npt' }),
  );
}

function paePdptrInvalidGp(): SeedScenario {
  const pt = new PageTables('pae', 0x10000, 0x11000);
  const b = new SeedBuilder().add(...pt.map(0x00001000, 0x300000));
  const pdpte0 = pt.entryValue(0x1000, 3);
  b.add(...pt.setEntry(0x1000, 3, pdpte0 | 0x2n))
    .add(write(0x10018, 0xfffffffffffffffen, 8))
    .check(setReg('cr3', 0x10000), OK)
    .check(setReg('cr4', CR4_PAE), OK)
    .check(setReg('cr0', cr0Paging(true)), GP)
    .check(access(0x1000, 'read', 0), ok(0x1000, 0))
    .add(...pt.setEntry(0x1000, 3, pdpte0))
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(0x1000, 'read', 0), ok(0x300000, 1))
    .check(write(0x10010, 0x8000000000000001n, 8), OK)
    .check(setReg('cr3', 0x10000), GP)
    .check(access(0x1000, 'read', 0), ok(0x300000, 1))
    .check(setReg('cr4', CR4_PAE | CR4_PGE), GP)
    .check(write(0x10010, 0, 8), OK)
    .check(setReg('cr4', CR4_PAE | CR4_PGE), OK)
    .check(access(0x80000000, 'read', 0), pf(0x0))
    .check(access(0xc0000000, 'read', 0), pf(0x0));
  return b.build(
    'modes/pae-pdptr-invalid-gp.json',
    'PAE PDPTE reserved bits make the PDPTR load fail with #GP (CR0, CR3, CR4 writes)',
    'PDPT at 0x10000: PDPTE 0 -> PD -> PT mapping gva 0x1000 -> 0x300000 but with R/W (bit 1, reserved in a ' +
      'PDPTE) set; PDPTE 3 is not present but has every other bit set (ignored: only present PDPTEs are ' +
      'checked). Expected: CR3 and CR4.PAE load fine with paging off, CR0.PG=1 fails with #GP and paging stays ' +
      'off (0x1000 -> 0x1000 at level 0). With PDPTE 0 fixed paging turns on: 0x1000 -> 0x300000. A present ' +
      'PDPTE 2 with XD (bit 63, reserved) makes MOV CR3 (same value) #GP and a CR4.PGE toggle #GP, the old ' +
      'PDPTE registers staying in use; after clearing PDPTE 2 the PGE toggle loads them: 0x80000000 and ' +
      '0xc0000000 are #PF 0x0.',
    makeConfig({ tdp: 'ept' }),
  );
}

export const PAE_SCENARIOS: readonly (() => SeedScenario)[] = [
  pae2m,
  paePdptrCached,
  paePdptrRereadNpt,
  paePdptrInvalidGp,
];
