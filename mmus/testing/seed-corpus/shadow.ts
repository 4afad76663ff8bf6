// Seed scenarios: corpus/shadow/ — shadow paging (host tdp "none", docs/model-contract-shadow.md):
// shadow roots per guest mode, unsync level-1 pages and their syncs, write-tracked upper levels
// (pte_write, misaligned and flooding zaps), prev_roots with PCIDs, the CR0.WP = 0 trick, MMIO
// SPTEs and memslot generations, dirty logging, the memslot zap of everything, aliased tables.
// Expectations pin only what every backend must agree on: where KVM may legally return a stale
// translation (an unsync SPTE the guest did not invalidate), only the outcome is pinned.
import type { Config, MemslotSpec } from '../../backend.js';
import { CR0_ET, CR0_PE, CR0_PG, CR4_PAE, CR4_PCIDE, CR4_PSE, EFER_LME } from '../../x86/bits.js';
import { makeConfig, SLOT0 } from '../config.js';
import { access, invlpg, memslot, read, setReg, write } from '../ops.js';
import { entryBits, PageTables } from '../page-tables.js';
import { enablePaging } from '../paging-setup.js';
import { GP, mmio, OK, ok, pf, SeedBuilder, type Expect, type SeedScenario } from './seed-scenario.js';

const CHECK = { op: 'check' } as const;
/** An access whose translation KVM may serve stale (an unsync SPTE): only the outcome is pinned. */
const OK_ANY: Expect = { outcome: 'ok' };

/** A shadow-paging host (Intel, no EPT): eptAd and mbec must be false. */
function shadowConfig(memslots: readonly MemslotSpec[] = [SLOT0]): Config {
  const c = makeConfig({ tdp: 'ept', memslots });
  return { ...c, host: { tdp: 'none', eptAd: false, mbec: false } };
}

function long4Roots(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...pt.map(0x401000, 0x201000, { leaf: 'P U' }))
    .add(...pt.map(0x7f0000000000n, 0x202000, { leaf: 'P W' }))
    .add(...pt.map(0x40000000, 0x600000, { level: 2 }))
    .check(CHECK, OK)
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400010, 'read', 3), ok(0x200010, 1, 4))
    .check(access(0x400010, 'write', 3), ok(0x200010, 1, 1))
    .check(access(0x401000, 'write', 3), pf(0x7))
    .check(access(0x7f0000000008n, 'read', 3), pf(0x5))
    .check(access(0x7f0000000008n, 'write', 0), ok(0x202008, 1, 4))
    .check(access(0x40123000, 'read', 0), ok(0x723000, 2, 2))
    .check(CHECK, OK)
    .check(access(0x400010, 'read', 3), ok(0x200010, 1, 0));
  return b.build(
    'shadow/long4-root.json',
    'Shadow paging, 4-level guest: one root shadow page for CR3, child pages per guest table',
    'Host tdp none (KVM shadow MMU). PML4 at 0x10000 maps 0x400000 -> 0x200000 (user rw), 0x401000 -> 0x201000 ' +
      '(user ro), 0x7f0000000000 -> 0x202000 (supervisor rw) and 0x40000000 as a 2 MiB page -> 0x600000. KVM path: ' +
      'the service step after CR0.PG loads a level-4 root (sp gfn 0x10); each first access faults into ' +
      'KVM, walks the guest tables (set_ad) and fetch builds shadow pages for PDPT, PD and PT (sp events) then ' +
      'the leaf SPTE (map); the 2 MiB guest page is shadowed by a direct level-1 page. A write to the user ro ' +
      'page and a user read of the supervisor page are #PF; the next read of 0x400010 runs on the shadow ' +
      'tables without KVM. The first check (paging still off) lists the four direct roots, the second the ' +
      'level-4 root and every shadow page below it.',
    shadowConfig(),
  );
}

function paeRoots(): SeedScenario {
  const pt = new PageTables('pae', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00400000, 0x200000))
    .add(...pt.map(0xc0001000, 0x201000))
    .add(...pt.map(0xc0200000, 0x400000, { level: 2 }))
    .add(...enablePaging('pae', { cr3: 0x10000 }))
    .check(access(0x00400004, 'read', 0), ok(0x200004, 1, 2))
    .check(access(0xc0001000, 'write', 3), ok(0x201000, 1, 2))
    .check(access(0x40000000, 'read', 0), pf(0x0))
    .check(access(0x80000000, 'write', 3), pf(0x6))
    .check(access(0xc0234567, 'read', 0), ok(0x434567, 2, 1))
    .check(CHECK, OK)
    .check(setReg('cr3', 0x10000), OK)
    .check(access(0x00400004, 'read', 0), ok(0x200004, 1, 0))
    .check(CHECK, OK);
  return b.build(
    'shadow/pae-roots.json',
    'Shadow paging, PAE guest: four roots, one per present cached PDPTE',
    'Host tdp none. PDPT at 0x10000 with PDPTE 0 (gva 0..1 GiB) and PDPTE 3 (3..4 GiB) present: 0x400000 -> ' +
      '0x200000, 0xc0001000 -> 0x201000 and 0xc0200000 as a 2 MiB page -> 0x400000. KVM path: the root load ' +
      'makes two level-2 root pages (gfn = each PDPTE\'s PD) and leaves roots 1 and 2 not present, so ' +
      'accesses below 0x40000000..0xbfffffff shadow-fault and the walk fails not-present (#PF 0x0, 0x6). A ' +
      'CR3 write (same value) reloads the PDPTRs and frees the special roots; the next access reloads them ' +
      '(found in the hash, no new sp) and translates again. check ops list root 0..3 (1 and 2 none).',
    shadowConfig(),
  );
}

function pse32Roots(): SeedScenario {
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x00001000, 0x201000))
    .add(...pt.map(0x40400000, 0x800000, { level: 2 }))
    .add(...pt.map(0xc0002000, 0x202000, { leaf: 'P W' }))
    .add(...enablePaging('32bit', { cr3: 0x10000, cr4: CR4_PSE }))
    .check(access(0x00001abc, 'read', 3), ok(0x201abc, 1, 2))
    .check(access(0x40555555, 'write', 3), ok(0x955555, 2, 1))
    .check(access(0xc0002000, 'write', 0), ok(0x202000, 1, 2))
    .check(access(0xc0002000, 'read', 3), pf(0x5))
    .check(access(0x80000000, 'read', 0), pf(0x0))
    .check(CHECK, OK)
    .check(write(pt.entryGpa(0x00001000, 1), 0x203000n | entryBits('P W U A'), 4), OK)
    .check(access(0x00001abc, 'read', 3), OK_ANY)
    .check(invlpg(0x00001000), OK)
    .check(access(0x00001abc, 'read', 3), ok(0x203abc, 1, 0));
  return b.build(
    'shadow/32bit-pse-roots.json',
    'Shadow paging, 32-bit guest with PSE: four quadrant roots on one page directory',
    'Host tdp none. 32-bit PD at 0x10000 (CR4.PSE): 0x1000 -> 0x201000 (4 KiB), 0x40400000 -> 0x800000 (a 4 MiB ' +
      'page) and 0xc0002000 -> 0x202000 (supervisor). KVM path: four level-2 roots with gfn 0x10, quadrants ' +
      '0..3 (has_4_byte_gpte); the 4 MiB guest page is shadowed by direct pages (level 2 guest leaf); the 4 KiB ' +
      'PT gets a level-1 page with quadrant bits from the gva. A 4-byte guest store to the PTE of 0x1000 goes ' +
      'to a gfn with a level-1 shadow page only: it goes unsync, so the next access may still see 0x201abc ' +
      '(the architecture allows it: no INVLPG yet); INVLPG syncs that SPTE and the access sees 0x203abc.',
    shadowConfig(),
  );
}

function pagingOffDirect(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .check(access(0x1234, 'read', 0), ok(0x1234, 0))
    .check(access(0x40001000, 'write', 0), ok(0x40001000, 0))
    .check(access(0xc0000008, 'read', 3), ok(0xc0000008, 0))
    .check(access(0x3000000, 'fetch', 0), mmio(0x3000000, 0))
    .check(CHECK, OK)
    .add(...pt.map(0x1000, 0x2000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x1234, 'read', 0), ok(0x2234, 1, 4))
    .check(setReg('cr0', CR0_PE | CR0_ET), OK)
    .check(access(0x1234, 'read', 0), ok(0x1234, 0))
    .check(CHECK, OK);
  return b.build(
    'shadow/paging-off-direct.json',
    'Shadow paging with guest paging off: four direct roots (identity map)',
    'Host tdp none, slot 0 = 32 MiB at 0, slot 1 = 8 KiB at 1 GiB, slot 2 = 4 KiB at 3 GiB. KVM path: with CR0.PG = 0 the root ' +
      'is four direct level-2 pages (gfn i << 18, access ACC_ALL, no walk): each access builds direct ' +
      'level-1 pages and an SPTE for gfn = gva (level 0 in observations); a gpa outside every memslot gets an ' +
      'MMIO SPTE (mmio_spte) and is mmio. Turning 4-level paging on resets the MMU and loads a level-4 ' +
      'shadow root; clearing CR0.PG again (LMA drops, flush guest) goes back to the direct roots, found in ' +
      'the hash. check lists root 0..3 (direct) or the level-4 root.',
    shadowConfig([
      { slot: 0, gpa: 0, size: 0x2000000, flags: [] },
      { slot: 1, gpa: 0x40000000, size: 0x2000, flags: [] },
      { slot: 2, gpa: 0xc0000000, size: 0x1000, flags: [] },
    ]),
  );
}

function unsyncStaleInvlpg(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...pt.map(0x401000, 0x201000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(access(0x401000, 'write', 0), ok(0x201000, 1, 1))
    .check(CHECK, OK)
    .add(...pt.setEntry(0x400000, 1, 0x300000n | entryBits('P W U A D')))
    .check(CHECK, OK)
    .check(access(0x400008, 'read', 0), OK_ANY)
    .check(access(0x400008, 'write', 0), OK_ANY)
    .check(invlpg(0x400000), OK)
    .check(access(0x400008, 'read', 0), ok(0x300008, 1, 0))
    .add(...pt.setEntry(0x401000, 1, 0n))
    .check(setReg('cr3', 0x10000), OK)
    .check(access(0x401000, 'read', 0), pf(0x0))
    .check(CHECK, OK);
  return b.build(
    'shadow/unsync-stale-invlpg.json',
    'Guest store to a live level-1 page table: unsync, stale SPTE, INVLPG syncs it',
    'Host tdp none. One PT maps 0x400000 -> 0x200000 and 0x401000 -> 0x201000. KVM path: the accesses build ' +
      'a level-1 shadow page for the PT (write-protected, as every shadowed table). The guest then stores a ' +
      'new PTE for 0x400000 (-> 0x300000): the PT\'s gfn has only a level-1 shadow page, so ' +
      'mmu_try_to_unsync_pages marks it unsync (unsync event) and the store lands without any zap. The next ' +
      'read and write of 0x400008 may run on the stale SPTE (0x200008: allowed by the architecture, no ' +
      'invalidation yet). INVLPG syncs that one SPTE (map, flush) and the access sees 0x300008. Clearing the ' +
      'other PTE and reloading CR3 (KVM_REQ_MMU_SYNC: sync of the unsync page drops the SPTE, zap reason sync) ' +
      'makes 0x401000 fault.',
    shadowConfig(),
  );
}

function pteWriteLevel2(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const other = new PageTables('long4', 0x20000, 0x21000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...other.map(0x400000, 0x500000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(CHECK, OK)
    .check(write(pt.entryGpa(0x400000, 2), other.entryValue(0x400000, 2) | 0x20n), OK)
    .check(access(0x400000, 'read', 0), ok(0x500000, 1, 1))
    .check(write(pt.entryGpa(0x400000, 2), 0n), OK)
    .check(access(0x400000, 'read', 0), pf(0x0))
    .check(CHECK, OK);
  return b.build(
    'shadow/pte-write-level2.json',
    'Guest store to a shadowed page directory: emulated, zaps the SPTE of that gpte (pte_write)',
    'Host tdp none. PML4 at 0x10000 maps 0x400000 -> 0x200000 through a PD; a second hierarchy at 0x20000 has ' +
      'a PT mapping the same gva -> 0x500000. KVM path: the PD has a level-2 shadow page, so its gfn is ' +
      'write-tracked: the guest store replacing the PDE (pointing it to the other PT, A set) is emulated and ' +
      'kvm_mmu_track_write zaps the shadow PDE (zap reason pte_write, flush remote); the next access ' +
      'refaults, creates a level-1 page for the new PT and maps 0x500000 (the PT\'s PTE gets A). Clearing the ' +
      'PDE zaps it again and the access faults not-present.',
    shadowConfig(),
  );
}

function misalignedWrite(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...pt.map(0x600000, 0x201000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(access(0x600000, 'read', 0), ok(0x201000, 1, 2))
    .check(CHECK, OK)
    .check(write(pt.entryGpa(0x400000, 2) + 2, (pt.entryValue(0x400000, 2) >> 16n) & 0xffffn, 2), OK)
    .check(CHECK, OK)
    .check(access(0x600000, 'read', 0), ok(0x201000, 1, 0))
    .check(access(0x400000, 'write', 3), ok(0x200000, 1, 1));
  return b.build(
    'shadow/misaligned-write.json',
    'A 2-byte guest store into a shadowed page directory: misaligned, the whole shadow page is zapped',
    'Host tdp none. Two PTs under one PD map 0x400000 -> 0x200000 and 0x600000 -> 0x201000. KVM path: the ' +
      'PD is write-tracked (level-2 shadow page); a 2-byte store at PDE 2 + 2 (bits 31:16 of the PDE, rewritten ' +
      'with their own value: the translation does not change) is emulated, and detect_write_misaligned (fewer than 4 bytes) ' +
      'zaps the PD\'s shadow page (zap_sp misaligned, with its children unlinked; flush remote). The next ' +
      'accesses refault: new PD shadow page (sp), the PTs\' pages are found in the hash, SPTEs rebuilt.',
    shadowConfig(),
  );
}

function writeFlooding(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const pd = (gva: number) => pt.entryGpa(gva, 2);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(write(pd(0x400000) + 8 * 100, 0n), OK)
    .check(write(pd(0x400000) + 8 * 101, 0n), OK)
    .check(CHECK, OK)
    .check(write(pd(0x400000) + 8 * 102, 0n), OK)
    .check(CHECK, OK)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 0))
    .check(write(pd(0x400000) + 8 * 103, 0n), OK)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 0));
  return b.build(
    'shadow/write-flooding.json',
    'Three guest stores to an unused shadowed page directory: write flooding zaps it',
    'Host tdp none. One PD maps 0x400000 -> 0x200000. KVM path: after the first access the PD has a level-2 ' +
      'shadow page; three emulated stores to PDEs 100..102 (zero over zero, nothing mapped there) with no ' +
      'access in between raise its write_flooding_count to 3, and the third zaps it (zap_sp flood, flush ' +
      'remote). The access rebuilds it (a new sp), clearing the count on its path, so one more store only ' +
      'zaps the PDE 103 SPTE (not present: no event).',
    shadowConfig(),
  );
}

function cr3PcidSwitching(): SeedScenario {
  const a = new PageTables('long4', 0x10000, 0x11000);
  const b2 = new PageTables('long4', 0x20000, 0x21000);
  const c = new PageTables('long4', 0x30000, 0x31000);
  const b = new SeedBuilder()
    .add(...a.map(0x400000, 0x200000))
    .add(...b2.map(0x400000, 0x300000))
    .add(...c.map(0x400000, 0x400000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(setReg('cr4', CR4_PAE | CR4_PCIDE), OK)
    .check(setReg('cr3', 0x10001), OK)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(setReg('cr3', 0x8000000000020002n), OK)
    .check(access(0x400000, 'read', 0), ok(0x300000, 1, 4))
    .check(setReg('cr3', 0x8000000000030003n), OK)
    .check(access(0x400000, 'read', 0), ok(0x400000, 1, 4))
    .check(CHECK, OK)
    .check(setReg('cr3', 0x8000000000010001n), OK)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 0))
    .check(setReg('cr3', 0x8000000000020002n), OK)
    .check(access(0x400000, 'read', 0), ok(0x300000, 1, 0))
    .add(...b2.setEntry(0x400000, 1, 0x380000n | entryBits('P W U A D')))
    .check(setReg('cr3', 0x8000000000030003n), OK)
    .check(setReg('cr3', 0x20002), OK)
    .check(access(0x400000, 'read', 0), ok(0x380000, 1, 0))
    .check(setReg('cr3', 0x8000000000010001n), OK)
    .check(access(0x400000, 'write', 0), ok(0x200000, 1, 1))
    .check(CHECK, OK);
  return b.build(
    'shadow/cr3-pcid-switching.json',
    'CR3 switches among three address spaces with PCIDs and NOFLUSH: prev_roots',
    'Host tdp none. Three PML4s (0x10000, 0x20000, 0x30000) map 0x400000 to 0x200000, 0x300000 and 0x400000. ' +
      'CR4.PCIDE = 1; CR3 loads use PCIDs 1, 2, 3, the later ones with NOFLUSH (bit 63). KVM path: ' +
      'kvm_mmu_new_pgd fast switch: each level-4 root is cached in prev_roots (three slots, keyed by pgd and ' +
      'role), so switching back finds the root (no sp, no walk: the second round of accesses runs on the ' +
      'shadow tables). The guest edits space 2\'s PTE (its PT goes unsync), switches away with NOFLUSH and ' +
      'back WITHOUT NOFLUSH: kvm_invalidate_pcid(2) requests MMU_SYNC, the service step syncs the root and ' +
      'the access sees 0x380000. Space 1\'s write sets D.',
    shadowConfig(),
  );
}

function cr0Wp0SupervisorWrite(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000, { leaf: 'P U' }))
    .add(...enablePaging('long4', { cr3: 0x10000, wp: false }))
    .check(access(0x400010, 'write', 0), ok(0x200010, 1, 4))
    .check(CHECK, OK)
    .check(access(0x400010, 'read', 3), ok(0x200010, 1, 0))
    .check(access(0x400010, 'write', 3), pf(0x7))
    .check(access(0x400010, 'write', 0), ok(0x200010, 1, 0))
    .check(setReg('cr0', (CR0_PG | CR0_PE | CR0_ET | 0x10000) >>> 0), OK)
    .check(access(0x400010, 'write', 0), pf(0x3))
    .check(access(0x400010, 'read', 3), ok(0x200010, 1, 0))
    .check(CHECK, OK);
  return b.build(
    'shadow/cr0-wp0-supervisor-write.json',
    'CR0.WP = 0: a supervisor write to a read-only user page, then a user access',
    'Host tdp none, CR0.WP = 0. 0x400000 -> 0x200000 is a user read-only page. KVM path: the supervisor write ' +
      'is allowed by the guest walk (WP = 0) and gets a writable SPTE by the CR0.WP = 0 trick: WRITE is ' +
      'granted and USER removed (a kernel-only writable SPTE, role cr0_wp = 0), D set in the PTE. The user read ' +
      'then faults on the SPTE (no U), KVM walks again and remaps it user read-only; a user write is #PF 0x7; ' +
      'a supervisor write flips the SPTE back. Setting CR0.WP resets the MMU (WP is in the role): the ' +
      'supervisor write is now #PF 0x3 and the user read works.',
    shadowConfig(),
  );
}

function mmioThenMemslotAdd(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x4000000))
    .add(...pt.map(0x401000, 0x201000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400010, 'read', 0), mmio(0x4000010, 1))
    .check(access(0x400018, 'read', 0), mmio(0x4000018, 1))
    .check(CHECK, OK)
    .check(memslot('add', 1, { gpa: 0x4000000, size: 0x10000 }), OK)
    .check(access(0x400010, 'read', 0), ok(0x4000010, 1, 0))
    .check(access(0x401000, 'read', 0), ok(0x201000, 1, 1))
    .check(memslot('add', 2, { gpa: 0x4008000, size: 0x1000 }), { outcome: 'rejected' })
    .check(access(0x400010, 'write', 0), ok(0x4000010, 1, 1))
    .check(CHECK, OK);
  return b.build(
    'shadow/mmio-then-memslot-add.json',
    'An MMIO SPTE for a gpa outside every memslot, then a memslot add there',
    'Host tdp none, slot 0 = 64 MiB at 0. 0x400000 -> 0x4000000 (no memslot yet). KVM path: the walk succeeds, ' +
      'the gfn is in no memslot: an MMIO SPTE is installed (mmio_spte), outcome mmio; the second read hits ' +
      'the MMIO SPTE of the current generation (mmio, no walk). Adding slot 1 at 0x4000000 bumps the ' +
      'memslot generation: the stale MMIO SPTE faults into KVM again and is replaced by a normal SPTE (map). A ' +
      'rejected overlapping add changes nothing; the final write sets D and maps the page writable. (A write ' +
      'that hits the MMIO SPTE made by a read would not walk, so not set D: see the report of issue 4.)',
    shadowConfig(),
  );
}

/** The PTE of 0x400000 in mmioWriteWithoutWalk (PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000). */
const LEAF_400000 = 0x13000;

function mmioWriteWithoutWalk(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x4000000, { leaf: 'P' }))
    .add(...enablePaging('long4', { cr3: 0x10000, wp: false }))
    .check(access(0x400010, 'read', 0), mmio(0x4000010, 1))
    .check(setReg('cr3', 0x10000), OK)
    .check(access(0x400020, 'write', 0), mmio(0x4000020, 1))
    .check(memslot('move', 0, { gpa: 0 }), OK)
    .check(access(0x400028, 'write', 0), mmio(0x4000028, 1))
    .add(read(LEAF_400000, 8))
    .check(CHECK, OK);
  return b.build(
    'shadow/mmio-write-without-walk.json',
    'CR0.WP = 0: a supervisor write served by an MMIO SPTE made by a read, without a walk, so no D (ledger)',
    'Host tdp none, slot 0 = 64 MiB at 0, CR0.WP = 0. 0x400000 -> 0x4000000 (no memslot), leaf P only (read-only, ' +
      'supervisor, clean). KVM path: the read walks (A on every level) and installs an MMIO SPTE; MOV CR3 with ' +
      'the same value flushes the TLB but KVM keeps the SPTE; with WP = 0 its recorded rights permit a ' +
      'supervisor write, so the write is emulated as MMIO from the SPTE without walking and the leaf keeps ' +
      'D = 0. The reference allows it (model-contract "Architectural TLB", ledger: a cached translation ' +
      'towards a gpa outside every memslot may serve a write with D = 0; the translation stays valid after ' +
      'a MOV CR3 made in its own state). A memslot move of slot 0 to its own gpa changes nothing (no zap, no ' +
      'new generation, and the reference keeps its history), so the second write is served the same way. ' +
      'The final read of the PTE compares guest memory across backends (the reference takes back its D ' +
      'when a KVM model took the no-walk path).',
    shadowConfig(),
  );
}

function dirtyLogging(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const slot1: MemslotSpec = { slot: 1, gpa: 0x4000000, size: 0x10000, flags: [] };
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x4000000))
    .add(...pt.map(0x401000, 0x4001000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'write', 0), ok(0x4000000, 1, 4))
    .check(access(0x401000, 'read', 0), ok(0x4001000, 1, 1))
    .check(memslot('flags', 1, { flags: ['dirty_log'] }), OK)
    .check(CHECK, OK)
    .check(access(0x400000, 'read', 0), ok(0x4000000, 1, 0))
    .check(access(0x400000, 'write', 0), ok(0x4000000, 1, 0))
    .check(access(0x401000, 'write', 0), ok(0x4001000, 1, 1))
    .check(memslot('flags', 1, { flags: [] }), OK)
    .check(access(0x401000, 'write', 0), ok(0x4001000, 1, 0))
    .check(CHECK, OK);
  return b.build(
    'shadow/dirty-log.json',
    'Dirty logging enabled on a slot with writable shadow SPTEs, then writes',
    'Host tdp none. Page tables in slot 0; 0x400000 and 0x401000 map to pages 0 and 1 of slot 1 (0x4000000). ' +
      'KVM path: the first write makes a writable SPTE (PTE dirty), the read a read-only one (clean PTE). ' +
      'Enabling dirty_log write-protects the writable leaf (wrprot gfn 0x4000, flush remote); a read still runs ' +
      'on the SPTE, the write faults into KVM, walks (nothing to set) and maps it writable again (map, dirty). ' +
      'The write to page 1 sets D and maps it writable (map, dirty). Disabling the log changes no SPTE.',
    shadowConfig([SLOT0, slot1]),
  );
}

function memslotDeleteZapAll(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const slot1: MemslotSpec = { slot: 1, gpa: 0x4000000, size: 0x10000, flags: [] };
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...pt.map(0x401000, 0x4000000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(access(0x401000, 'write', 0), ok(0x4000000, 1, 1))
    .check(CHECK, OK)
    .check(memslot('delete', 1), OK)
    .check(CHECK, OK)
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 0))
    .check(access(0x401000, 'read', 0), mmio(0x4000000, 1))
    .check(memslot('add', 1, { gpa: 0x4000000, size: 0x10000 }), OK)
    .check(access(0x401000, 'read', 0), ok(0x4000000, 1, 0))
    .check(CHECK, OK);
  return b.build(
    'shadow/memslot-delete-zap-all.json',
    'Deleting a memslot zaps every shadow page (the default fast zap quirk)',
    'Host tdp none. Tables and 0x400000 -> 0x200000 in slot 0; 0x401000 -> 0x4000000 in slot 1. KVM path: ' +
      'deleting slot 1 zaps every shadow page (zap_sp memslot in ascending gfn, level, role: root, PDPT, PD, ' +
      'PT; flush remote), the root becomes invalid, the service step frees it and loads a new root (sp). The ' +
      'next accesses rebuild the path (sp, map); the deleted gpa is mmio (an MMIO SPTE). Re-adding slot 1 ' +
      'bumps the generation: the MMIO SPTE is stale and the access maps the page.',
    shadowConfig([SLOT0, slot1]),
  );
}

function aliasedPageTables(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x200000))
    .add(...pt.map(0x401000, 0x201000))
    // PDE 3 (gva 0x600000) points to the PT of PDE 2 (gva 0x400000): one guest table, two walks.
    .add(write(pt.entryGpa(0x600000, 2), pt.entryValue(0x400000, 2)))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 4))
    .check(access(0x601000, 'read', 0), ok(0x201000, 1, 2))
    .check(CHECK, OK)
    .add(...pt.setEntry(0x400000, 1, 0x300000n | entryBits('P W U A D')))
    .check(access(0x600000, 'read', 0), OK_ANY)
    .check(access(0x400000, 'read', 0), OK_ANY)
    .check(invlpg(0x600000), OK)
    .check(access(0x600000, 'read', 0), ok(0x300000, 1, 0))
    .check(access(0x400000, 'read', 0), ok(0x300000, 1, 0))
    .check(CHECK, OK);
  return b.build(
    'shadow/aliased-page-tables.json',
    'Two PDEs share one guest page table: an unsync shadow page serves both walks',
    'Host tdp none. PDE 2 (gva 0x400000) and PDE 3 (gva 0x600000) point to the same PT, whose PTEs 0 and 1 map ' +
      '0x200000 and 0x201000. KVM path: both shadow PDEs link the same level-1 shadow page (same gfn and role). ' +
      'The guest rewrites PTE 0 (-> 0x300000) with a plain store: the page goes unsync. 0x600000 was never ' +
      'accessed, yet KVM may translate it to 0x200000 through the shared SPTE built for 0x400000 (the SDM ' +
      'allows it: that translation was valid before the store, a speculative TLB fill); the reference lists ' +
      'it as an alternative. INVLPG 0x600000 syncs the SPTE in the shared page, which fixes both aliases.',
    shadowConfig(),
  );
}

function efer32LongModeCheck(): SeedScenario {
  // A small one for the check op across a mode change with shadow roots of two kinds.
  const pae = new PageTables('pae', 0x10000, 0x11000);
  const long = new PageTables('long4', 0x20000, 0x21000);
  const b = new SeedBuilder()
    .add(...pae.map(0x400000, 0x200000))
    .add(...long.map(0x400000, 0x300000))
    .add(...enablePaging('pae', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), ok(0x200000, 1, 2))
    .check(CHECK, OK)
    .check(setReg('efer', EFER_LME), GP)
    .check(setReg('cr0', CR0_PE | CR0_ET), OK)
    .check(setReg('efer', EFER_LME), OK)
    .check(setReg('cr3', 0x20000), OK)
    .check(setReg('cr0', (CR0_PG | CR0_PE | CR0_ET) >>> 0), OK)
    .check(access(0x400000, 'read', 0), ok(0x300000, 1, 4))
    .check(CHECK, OK);
  return b.build(
    'shadow/pae-to-long-mode.json',
    'From PAE shadow roots to a 4-level shadow root through paging off',
    'Host tdp none. A PAE hierarchy (PDPT 0x10000) maps 0x400000 -> 0x200000, a 4-level one (PML4 0x20000) ' +
      '-> 0x300000. KVM path: PAE roots (one level-2 page for the one present PDPTE); EFER.LME with ' +
      'paging on is #GP; CR0.PG = 0 resets the MMU to direct roots; LME, CR3 and CR0.PG enter IA-32e mode ' +
      '(MMU reset, a level-4 root). check dumps each kind of root.',
    shadowConfig(),
  );
}

export const SHADOW_SCENARIOS: readonly (() => SeedScenario)[] = [
  long4Roots,
  paeRoots,
  pse32Roots,
  pagingOffDirect,
  unsyncStaleInvlpg,
  pteWriteLevel2,
  misalignedWrite,
  writeFlooding,
  cr3PcidSwitching,
  cr0Wp0SupervisorWrite,
  mmioThenMemslotAdd,
  mmioWriteWithoutWalk,
  dirtyLogging,
  memslotDeleteZapAll,
  aliasedPageTables,
  efer32LongModeCheck,
];
