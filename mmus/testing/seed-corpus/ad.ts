// Seed scenarios: corpus/ad/ — accessed and dirty bits written by the guest page walk.
import { CR4_PSE } from '../../x86/bits.js';
import { makeConfig, SLOT0 } from '../config.js';
import { access, gvaToGpa, read, write } from '../ops.js';
import { PageTables, type Wide } from '../page-tables.js';
import { enablePaging } from '../paging-setup.js';
import { ok, pf, SeedBuilder, value, type Expect, type SeedScenario } from './seed-scenario.js';

const A = 0x20n;
const D = 0x40n;

/** read of one entry expecting its built value with `bits` added. */
function entryIs(pt: PageTables, gva: Wide, level: number, bits: bigint, size: 4 | 8 = 8): [ReturnType<typeof read>, Expect] {
  return [read(pt.entryGpa(gva, level), size), value(pt.entryValue(gva, level) | bits)];
}

function accessedDirty4Level(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const P1 = 0x400000;
  const P2 = 0x401000;
  const BIG = 0x40000000;
  const b = new SeedBuilder()
    .add(...pt.map(P1, 0x200000))
    .add(...pt.map(P2, 0x201000))
    .add(...pt.map(BIG, 0x600000, { level: 2 }))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(P1, 'read', 3), ok(0x200000, 1, 4))
    .check(...entryIs(pt, P1, 4, A))
    .check(...entryIs(pt, P1, 3, A))
    .check(...entryIs(pt, P1, 2, A))
    .check(...entryIs(pt, P1, 1, A))
    .check(access(P1, 'write', 3), ok(0x200000, 1, 1))
    .check(...entryIs(pt, P1, 1, A | D))
    .check(access(P1, 'write', 3), ok(0x200000, 1, 0))
    .check(access(P2, 'write', 3), ok(0x201000, 1, 1))
    .check(...entryIs(pt, P2, 1, A | D))
    .check(...entryIs(pt, P2, 2, A))
    .check(access(BIG + 0x1234, 'read', 0), ok(0x601234, 2, 2))
    .check(access(BIG, 'write', 0), ok(0x600000, 2, 1))
    .check(...entryIs(pt, BIG, 2, A | D))
    .check(...entryIs(pt, BIG, 3, A))
    .check(gvaToGpa(P2, 'read', 0), ok(0x201000, 1, 0));
  return b.build(
    'ad/accessed-dirty-4level.json',
    '4-level paging: A on every level, D on the leaf only',
    'EPT host with A/D. PML4 at 0x10000; gva 0x400000 -> 0x200000 and 0x401000 -> 0x201000 share a PT, ' +
      '0x40000000 -> 0x600000 is a 2 MiB page under PDPTE 1. Every entry starts with A=D=0. Expected: the first ' +
      'read sets A at PML4E, PDPTE, PDE and PTE (four set_ad, top down), each read back with bit 5; the first ' +
      'write sets D on the PTE only (one set_ad), a second write changes nothing; a write to the neighbour ' +
      'page sets A|D in its PTE in one update; the 2 MiB page gets A on its PDPTE and PDE, then D on the PDE ' +
      '(the leaf) but never on the PDPTE; gva_to_gpa of a fully marked page writes nothing.',
    makeConfig({ tdp: 'ept', eptAd: true }),
  );
}

function accessedDirty32bit(): SeedScenario {
  const pt = new PageTables('32bit', 0x10000, 0x11000);
  const P1 = 0x400000;
  const BIG = 0x800000;
  const b = new SeedBuilder()
    .add(...pt.map(P1, 0x200000))
    .add(...pt.map(BIG, 0x800000, { level: 2 }))
    .add(...enablePaging('32bit', { cr3: 0x10000, cr4: CR4_PSE }))
    .check(access(P1, 'read', 0), ok(0x200000, 1, 2))
    .check(...entryIs(pt, P1, 2, A, 4))
    .check(...entryIs(pt, P1, 1, A, 4))
    .check(access(P1, 'write', 0), ok(0x200000, 1, 1))
    .check(...entryIs(pt, P1, 1, A | D, 4))
    .check(...entryIs(pt, P1, 2, A, 4))
    .check(access(BIG + 0x10, 'write', 3), ok(0x800010, 2, 1))
    .check(...entryIs(pt, BIG, 2, A | D, 4))
    .check(access(BIG, 'fetch', 0), ok(0x800000, 2, 0));
  return b.build(
    'ad/accessed-dirty-32bit.json',
    '32-bit paging: A/D in 4-byte entries, 4 KiB and 4 MiB pages',
    'CR4.PSE=1. PD at 0x10000: PDE 1 -> PT mapping gva 0x400000 -> 0x200000; PDE 2 is a 4 MiB page 0x800000 -> ' +
      '0x800000. All A/D clear. Expected: a read sets A on PDE and PTE (two 4-byte set_ad), a write then sets D ' +
      'on the PTE only (the PDE keeps D clear); the first access to the 4 MiB page is a write, which sets A and D ' +
      'on its PDE in one update; a later fetch changes nothing.',
    makeConfig({ tdp: 'npt' }),
  );
}

function adNotSetOnFault(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const RO = 0x400000;
  const NXP = 0x402000;
  const NP = 0x8000000000;
  const RSV = 0x10000000000;
  const b = new SeedBuilder()
    .add(...pt.map(RO, 0x200000, { leaf: 'P U' }))
    .add(...pt.map(NXP, 0x203000, { leaf: 'P W U NX' }))
    .add(...pt.map(NP, 0x201000, { leaf: '' }))
    .add(...pt.map(RSV, 0x202000, { leaf: 'P W U b51' }))
    .add(...enablePaging('long4', { cr3: 0x10000, nxe: true }))
    .check(access(RO, 'write', 3), pf(0x7, 0))
    .check(...entryIs(pt, RO, 4, 0n))
    .check(...entryIs(pt, RO, 1, 0n))
    .check(access(NP, 'read', 3), pf(0x4, 0))
    .check(...entryIs(pt, NP, 4, 0n))
    .check(...entryIs(pt, NP, 2, 0n))
    .check(access(RSV, 'read', 0), pf(0x9, 0))
    .check(...entryIs(pt, RSV, 4, 0n))
    .check(access(NXP, 'fetch', 3), pf(0x15, 0))
    .check(...entryIs(pt, NXP, 1, 0n))
    .check(access(RO, 'read', 3), ok(0x200000, 1, 4))
    .check(access(NXP, 'read', 3), ok(0x203000, 1, 1));
  return b.build(
    'ad/ad-not-set-on-fault.json',
    'A faulting walk writes no accessed or dirty bit',
    '4-level paging, EFER.NXE=1, CR0.WP=1, all A/D clear. gva 0x400000 -> read-only user page, 0x402000 -> ' +
      'user page with XD (same PT), 0x8000000000 -> a path whose PTE is not present, 0x10000000000 -> a PTE with ' +
      'reserved bit 51. Expected: a user write to the read-only page (#PF 0x7), a read through the not-present ' +
      'PTE (#PF 0x4), a read through the reserved PTE (#PF 0x9) and a user fetch from the XD page (#PF 0x15) ' +
      'produce no set_ad event and leave every entry on their paths unchanged in memory (upper levels too). ' +
      'The first successful read then sets A on four levels; a read of the XD page sets A on its PTE.',
    makeConfig({ tdp: 'ept' }),
  );
}

function adReadonlySlot(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const G = 0x400000;
  const b = new SeedBuilder()
    .add(...pt.map(G, 0x4000000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(G, 'read', 3), ok(0x4000000, 1, 4))
    .check(access(G, 'write', 3), { outcome: 'mmio', gpa: 0x4000000, level: 1, setAd: 1 })
    .check(...entryIs(pt, G, 1, A | D))
    .check(write(0x4000000, 0x1234, 4), { outcome: 'mmio' })
    .check(read(0x4000000, 4), value(0))
    .check(access(G + 4, 'write', 0), { outcome: 'mmio', gpa: 0x4000004, level: 1, setAd: 0 })
    .check(access(G, 'fetch', 0), ok(0x4000000, 1, 0));
  return b.build(
    'ad/ad-readonly-slot.json',
    'A/D bits for a page in a read-only memslot: the walk still marks the gptes',
    'Page tables live in the writable slot 0; memslot 1 (gpa 0x4000000, 1 MiB) is read-only (ROM) and gva ' +
      '0x400000 maps to its first page. Expected: a read is ok and sets A at four levels; a write walks ' +
      'successfully, so it sets D in the PTE (in writable memory) and then ends as mmio because the target slot ' +
      'is read-only; the ROM keeps its contents (a guest store is mmio, the read returns 0). Note: format v1 ' +
      'cannot fill a read-only slot with data, so gptes that themselves live in ROM (never updated, contract) ' +
      'cannot be expressed yet.',
    makeConfig({ tdp: 'npt', memslots: [SLOT0, { slot: 1, gpa: 0x4000000, size: 0x100000, flags: ['readonly'] }] }),
  );
}

export const AD_SCENARIOS: readonly (() => SeedScenario)[] = [
  accessedDirty4Level,
  accessedDirty32bit,
  adNotSetOnFault,
  adReadonlySlot,
];
