// Seed scenarios: corpus/transitions/ — mode changes and the #GP rules of CR0/CR3/CR4/EFER writes.
import { CR0_ET, CR0_NW, CR0_PG, CR4_LA57, CR4_PAE, CR4_PCIDE, EFER_LME, EFER_LMA, EFER_NXE } from '../../x86/bits.js';
import { makeConfig } from '../config.js';
import { access, invlpg, invpcid, setReg } from '../ops.js';
import { PageTables } from '../page-tables.js';
import { cr0Paging, CR0_PROTECTED, enablePaging } from '../paging-setup.js';
import { GP, OK, ok, pf, SeedBuilder, type SeedScenario } from './seed-scenario.js';

const KERNEL = 0xffff800000001000n;
const NONCANONICAL = 0x0000800000000000n;

function enterLongMode(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(KERNEL, 0x200000, { leaf: 'P W' }))
    .add(...pt.map(0x1000, 0x201000))
    .check(setReg('efer', EFER_LME), OK)
    .check(setReg('cr3', 0x10000), OK)
    .check(setReg('cr0', cr0Paging(true)), GP)
    .check(setReg('cr4', CR4_PAE), OK)
    .check(setReg('cr0', (CR0_PG | CR0_ET) >>> 0), GP)
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(KERNEL + 0x10n, 'read', 0), ok(0x200010, 1, 4))
    .check(access(0x1000, 'read', 3), ok(0x201000, 1, 4))
    .check(access(NONCANONICAL, 'read', 0), GP)
    .check(setReg('cr4', 0), GP)
    .check(setReg('efer', 0), GP)
    .check(setReg('cr0', (cr0Paging(true) | CR0_NW) >>> 0), GP)
    .check(access(0x1000, 'read', 3), ok(0x201000, 1, 0));
  return b.build(
    'transitions/enter-long-mode.json',
    'Entering IA-32e mode: EFER.LME, then CR4.PAE, then CR0.PG',
    'PML4 at 0x10000 maps kernel gva 0xffff800000001000 -> 0x200000 and 0x1000 -> 0x201000. From reset: ' +
      'EFER.LME=1 and CR3 are accepted with paging off; CR0.PG with LME=1 but CR4.PAE=0 is #GP; after CR4.PAE, ' +
      'CR0 with PG but not PE is #GP; CR0=PG|WP|PE|ET succeeds and sets EFER.LMA (4-level paging). Expected: ' +
      'both mappings translate (A set at four levels each), 0x800000000000 is non-canonical -> #GP (so LMA is ' +
      'on); in long mode clearing CR4.PAE is #GP, clearing EFER.LME with paging on is #GP, CR0.NW without CD ' +
      'is #GP, and the translation still works afterwards.',
    makeConfig({ tdp: 'ept' }),
  );
}

function leaveLongMode(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const pd32 = new PageTables('32bit', 0x30000, 0x31000);
  const b = new SeedBuilder()
    .add(...pt.map(KERNEL, 0x200000, { leaf: 'P W' }))
    .add(...pd32.map(0x00400000, 0x300000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(KERNEL, 'read', 0), ok(0x200000, 1))
    .check(setReg('cr0', CR0_PROTECTED), OK)
    .check(access(0x1_0000_2000, 'read', 0), ok(0x2000, 0))
    .check(setReg('efer', 0), OK)
    .check(setReg('cr4', 0), OK)
    .check(setReg('cr3', 0x30000), OK)
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(0x00400010, 'read', 3), ok(0x300010, 1, 2))
    .check(access(KERNEL, 'read', 0), { outcome: 'page_fault', errorCode: 0, address: 0x1000 });
  return b.build(
    'transitions/leave-long-mode.json',
    'Leaving IA-32e mode: CR0.PG=0 (compatibility mode), then 32-bit paging',
    'Starts in 4-level paging (PML4 at 0x10000, kernel gva 0xffff800000001000 -> 0x200000). CS.L is 0 in this ' +
      'model, so clearing CR0.PG is legal: EFER.LMA drops, the guest TLB is flushed and paging is off, so a gva ' +
      'above 4 GiB is truncated (0x100002000 -> 0x2000, level 0). Then EFER.LME and CR4.PAE are cleared, CR3 ' +
      'points to a 32-bit PD at 0x30000 (gva 0x400000 -> 0x300000) and CR0.PG turns 32-bit paging on. ' +
      'Expected: 0x400010 -> 0x300010; the old kernel gva is truncated to 0x1000, whose PDE is empty: #PF 0x0 ' +
      'with address 0x1000.',
    makeConfig({ tdp: 'npt' }),
  );
}

function paeTo32bit(): SeedScenario {
  const pae = new PageTables('pae', 0x10000, 0x11000);
  const pd32 = new PageTables('32bit', 0x30000, 0x31000);
  const b = new SeedBuilder()
    .add(...pae.map(0x00400000, 0x200000))
    .add(...pd32.map(0x00400000, 0x300000))
    .add(...pd32.map(0x00001000, 0x301000))
    .add(...enablePaging('pae', { cr3: 0x10000 }))
    .check(access(0x00400010, 'read', 0), ok(0x200010, 1))
    .check(setReg('cr4', 0), OK)
    .check(setReg('cr3', 0x30000), OK)
    .check(access(0x00400010, 'read', 0), ok(0x300010, 1))
    .check(access(0x00001000, 'read', 0), ok(0x301000, 1))
    .check(setReg('cr4', CR4_PAE), GP)
    .check(access(0x00400010, 'read', 0), ok(0x300010, 1))
    .check(setReg('cr3', 0x10000), OK)
    .check(setReg('cr4', CR4_PAE), OK)
    .check(access(0x00400010, 'read', 0), ok(0x200010, 1));
  return b.build(
    'transitions/pae-to-32bit.json',
    'PAE paging to 32-bit paging and back by toggling CR4.PAE with paging on',
    'PAE hierarchy at 0x10000 maps gva 0x400000 -> 0x200000; a 32-bit PD at 0x30000 maps 0x400000 -> 0x300000 and ' +
      '0x1000 -> 0x301000. Clearing CR4.PAE with CR0.PG=1 and EFER.LMA=0 is legal (no PDPTR load, MMU reset), ' +
      'then CR3 moves to the 32-bit PD (no PDPTR load outside PAE paging). Expected: 0x400010 -> 0x300010 and ' +
      '0x1000 -> 0x301000 through 4-byte entries. Setting CR4.PAE again loads PDPTRs from CR3 = the 32-bit PD, ' +
      'whose first 8 bytes (PDE 0 with R/W and U/S set) are an invalid present PDPTE -> #GP, 32-bit paging ' +
      'stays. With CR3 back on the PDPT, CR4.PAE succeeds and 0x400010 -> 0x200010 again.',
    makeConfig({ tdp: 'ept' }),
  );
}

function la57InLongModeGp(): SeedScenario {
  const pml4 = new PageTables('long4', 0x10000, 0x11000);
  const pml5 = new PageTables('long5', 0x20000, 0x21000);
  const high = 0x00f0000000001000n;
  const b = new SeedBuilder()
    .add(...pml4.map(0x7f0000001000n, 0x200000))
    .add(...pml5.map(high, 0x201000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(setReg('cr4', CR4_PAE | CR4_LA57), GP)
    .check(access(0x7f0000001000n, 'read', 3), ok(0x200000, 1))
    .check(access(high, 'read', 0), GP)
    .check(setReg('cr0', CR0_PROTECTED), OK)
    .check(setReg('cr4', CR4_PAE | CR4_LA57), OK)
    .check(setReg('cr3', 0x20000), OK)
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(high, 'read', 0), ok(0x201000, 1))
    .check(access(0x7f0000001000n, 'read', 3), pf(0x4))
    .check(setReg('cr4', CR4_PAE), GP)
    .check(access(high + 0x800n, 'write', 3), ok(0x201800, 1));
  return b.build(
    'transitions/cr4-la57-in-long-mode-gp.json',
    'CR4.LA57 cannot change while EFER.LMA=1',
    'la57 feature. A PML4 at 0x10000 maps 0x7f0000001000 -> 0x200000; a separate PML5 at 0x20000 maps ' +
      '0x00f0000000001000 -> 0x201000. In 4-level paging setting CR4.LA57 is #GP and nothing changes: the ' +
      '4-level mapping works and the 57-bit address is non-canonical (#GP). After CR0.PG=0 (LMA=0) LA57 may be ' +
      'set; CR3 -> PML5 and CR0.PG=1 (LME still 1) enter 5-level paging. Expected: the 57-bit gva -> 0x201000, ' +
      'the old user gva is unmapped in the PML5 (#PF 0x4), and clearing LA57 in long mode is #GP, ' +
      'leaving 5-level paging in place (a user write to the 57-bit gva still translates).',
    makeConfig({ tdp: 'npt' }),
  );
}

function pcideAndNoflush(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...enablePaging('long4', { cr3: 0x10005 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1))
    .check(setReg('cr4', CR4_PAE | CR4_PCIDE), GP)
    .check(setReg('cr3', 0x10000), OK)
    .check(setReg('cr4', CR4_PAE | CR4_PCIDE), OK)
    .check(setReg('cr3', 0x10001), OK)
    .check(setReg('cr3', 0x8000000000010002n), OK)
    .check(access(0x400008, 'read', 0), ok(0x200008, 1))
    .check(invpcid(0, 2, 0x400000), OK)
    .check(invpcid(0, 1, 0x400000), OK)
    .check(invpcid(0, 2, NONCANONICAL), GP)
    .check(invpcid(4, 0, 0), GP)
    .check(invpcid(1, 0x1000, 0), GP)
    .check(invpcid(2, 0, 0), OK)
    .check(invpcid(3, 0, 0), OK)
    .check(invlpg(NONCANONICAL), OK)
    .check(invlpg(0x400000), OK)
    .check(setReg('cr0', CR0_PROTECTED), GP)
    .check(setReg('cr4', CR4_PAE), OK)
    .check(setReg('cr3', 0x8000000000010000n), GP)
    .check(invpcid(0, 1, 0x400000), GP)
    .check(invpcid(0, 0, 0x400000), OK)
    .check(access(0x400010, 'read', 0), ok(0x200010, 1));
  return b.build(
    'transitions/pcide-and-noflush.json',
    'CR4.PCIDE, PCIDs in CR3, the NOFLUSH bit, INVPCID and INVLPG',
    'pcid feature, 4-level paging with CR3=0x10005 (low bits are PWT/PCD/ignored while PCIDE=0); gva 0x400000 -> ' +
      '0x200000. Expected: setting CR4.PCIDE with CR3[11:0]=5 is #GP, after CR3=0x10000 it succeeds. CR3=0x10001 ' +
      '(PCID 1) flushes; CR3 with bit 63 (NOFLUSH) and PCID 2 is accepted without a flush and bit 63 is not ' +
      'stored; translation works. INVPCID type 0 for the active PCID 2 flushes the gva, for PCID 1 does nothing, ' +
      'with a non-canonical gva is #GP; type 4 and PCID 0x1000 are #GP; types 2 and 3 flush everything; INVLPG of ' +
      'a non-canonical gva is a no-op. Clearing CR0.PG with PCIDE=1 is #GP. After PCIDE 1->0 (flush), CR3 bit 63 ' +
      'is reserved (#GP) and INVPCID type 0 with a non-zero PCID is #GP, PCID 0 is fine.',
    makeConfig({ tdp: 'ept' }),
  );
}

function eferLmeWithPagingGp(): SeedScenario {
  const pd32 = new PageTables('32bit', 0x10000, 0x11000);
  const pml4 = new PageTables('long4', 0x20000, 0x21000);
  const b = new SeedBuilder()
    .add(...pd32.map(0x400000, 0x200000))
    .add(...pml4.map(0x400000, 0x201000))
    .add(...enablePaging('32bit', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1))
    .check(setReg('efer', EFER_LME), GP)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1))
    .check(setReg('efer', EFER_NXE), OK)
    .check(setReg('efer', 0x2), GP)
    .check(setReg('efer', EFER_LMA), OK)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1))
    .check(setReg('cr0', CR0_PROTECTED), OK)
    .check(setReg('efer', EFER_LME), OK)
    .check(setReg('cr4', CR4_PAE), OK)
    .check(setReg('cr3', 0x20000), OK)
    .check(setReg('cr0', cr0Paging(true)), OK)
    .check(access(0x400000, 'read', 0), ok(0x201000, 1))
    .check(setReg('efer', EFER_NXE), GP)
    .check(setReg('efer', EFER_LME | EFER_NXE), OK)
    .check(access(0x400000, 'read', 0), ok(0x201000, 1));
  return b.build(
    'transitions/efer-lme-with-paging-gp.json',
    'EFER.LME cannot change while CR0.PG=1; EFER.LMA is read-only',
    'A 32-bit PD at 0x10000 maps gva 0x400000 -> 0x200000; a PML4 at 0x20000 maps it -> 0x201000. With 32-bit ' +
      'paging on: setting EFER.LME is #GP and translation is unchanged; EFER.NXE may change (MMU reset); an ' +
      'undefined EFER bit (bit 1) is #GP; writing LMA alone is accepted but ignored, so the walk is still 32-bit ' +
      '(0x200000). With paging off LME may be set; CR4.PAE, CR3 -> PML4 and CR0.PG enter long mode (0x201000). ' +
      'There, clearing LME (writing NXE alone) is #GP, while LME|NXE is fine.',
    makeConfig({ tdp: 'npt' }),
  );
}

export const TRANSITION_SCENARIOS: readonly (() => SeedScenario)[] = [
  enterLongMode,
  leaveLongMode,
  paeTo32bit,
  la57InLongModeGp,
  pcideAndNoflush,
  eferLmeWithPagingGp,
];
