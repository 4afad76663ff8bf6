// Seed scenarios: corpus/memslots/ — memslot changes (delete, move, flags) and what they zap,
// MMIO outside memory, read-only slots, dirty logging.
import type { MemslotSpec } from '../../backend.js';
import { makeConfig, SLOT0 } from '../config.js';
import { access, gvaToGpa, memslot, read, setReg, write } from '../ops.js';
import { PageTables } from '../page-tables.js';
import { enablePaging } from '../paging-setup.js';
import { mmio, OK, ok, pf, REJECTED, SeedBuilder, value, type Expect, type SeedScenario } from './seed-scenario.js';

const SLOT1: MemslotSpec = { slot: 1, gpa: 0x4000000, size: 0x10000, flags: [] };
const MMIO: Expect = { outcome: 'mmio' };

/** An expectation plus the event types a KVM-fidelity backend must report, in order. */
function withEvents(e: Expect, ...events: string[]): Expect {
  return { ...e, events };
}
const AD4 = ['set_ad', 'set_ad', 'set_ad', 'set_ad'];

function deleteZaps(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x4000000))
    .add(...pt.map(0x401000, 0x4001000))
    .add(...pt.map(0x403000, 0x4003000))
    .add(...pt.map(0x40f000, 0x400f000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x403000, 'read', 0), withEvents(ok(0x4003000, 1), ...AD4, 'map'))
    .check(access(0x40f000, 'read', 0), withEvents(ok(0x400f000, 1), 'set_ad', 'map'))
    .check(access(0x400000, 'write', 0), withEvents(ok(0x4000000, 1), 'set_ad', 'map'))
    .check(access(0x401000, 'read', 0), withEvents(ok(0x4001000, 1), 'set_ad', 'map'))
    .check(memslot('delete', 1), withEvents(OK, 'zap', 'zap', 'zap', 'zap', 'flush'))
    .check(access(0x400000, 'read', 0), withEvents(mmio(0x4000000, 1)))
    .check(memslot('delete', 1), withEvents(REJECTED))
    .check(memslot('delete', 2), REJECTED)
    .check(memslot('add', 2, { gpa: 0x5000000, size: 0x1000 }), OK)
    .check(memslot('delete', 2), withEvents(OK))
    .check(memslot('add', 1, { gpa: 0x4000000, size: 0x10000 }), withEvents(OK))
    .check(memslot('add', 2, { gpa: 0x4008000, size: 0x1000 }), REJECTED)
    .check(access(0x401000, 'read', 0), withEvents(ok(0x4001000, 1), 'map'))
    .check(access(0x403000, 'write', 0), withEvents(ok(0x4003000, 1), 'set_ad', 'map'));
  return b.build(
    'memslots/delete-zaps.json',
    'Deleting a memslot zaps its SPTEs; the gpa becomes MMIO',
    'Slot 0 (64 MiB) holds the 4-level tables; slot 1 is 64 KiB at gpa 0x4000000. gva 0x400000, 0x401000, ' +
      '0x403000 and 0x40f000 map to slot 1 pages 0, 1, 3 and 15 (its last page). Expected: the four accesses ' +
      'each build one TDP leaf (a map event after the walk\'s set_ad events). Deleting slot 1 zaps the four ' +
      'leaves in ascending gfn order (0x4000, 0x4001, 0x4003, 0x400f, reason memslot) and requests one remote ' +
      'flush; the gva then translates to an ' +
      'mmio gpa. Deleting it again (or the missing slot 2) is rejected; deleting a slot that has no SPTEs has ' +
      'no event. Slot 1 is re-added (an overlapping add is then rejected): the next accesses build fresh ' +
      'SPTEs (map), the write also setting D in its PTE.',
    makeConfig({ tdp: 'ept', memslots: [SLOT0, SLOT1] }),
  );
}

function moveZapsAndRemaps(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x4000000))
    .add(...pt.map(0x401000, 0x8000000))
    .add(...pt.map(0x402000, 0x400f000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(write(0x4000010, 0xcafef00d, 4), OK)
    .check(access(0x400010, 'read', 0), withEvents(ok(0x4000010, 1), ...AD4, 'map'))
    .check(access(0x402000, 'write', 0), withEvents(ok(0x400f000, 1), 'set_ad', 'map'))
    .check(access(0x401010, 'read', 0), withEvents(mmio(0x8000010, 1), 'set_ad'))
    .check(memslot('move', 1, { gpa: 0x3ff0000 }), withEvents(REJECTED))
    .check(access(0x400010, 'read', 0), withEvents(ok(0x4000010, 1)))
    .check(memslot('move', 1, { gpa: 0x8000000 }), withEvents(OK, 'zap', 'zap', 'flush'))
    .check(access(0x400010, 'read', 0), withEvents(mmio(0x4000010, 1)))
    .check(access(0x401010, 'read', 0), withEvents(ok(0x8000010, 1), 'map'))
    .check(read(0x8000010, 4), value(0xcafef00d))
    .check(read(0x4000010, 4), MMIO)
    .check(access(0x401010, 'write', 3), withEvents(ok(0x8000010, 1), 'set_ad'))
    .check(access(0x400010, 'write', 3), withEvents(mmio(0x4000010, 1), 'set_ad'));
  return b.build(
    'memslots/move-zaps-and-remaps.json',
    'Moving a memslot zaps the old range; its contents appear at the new gpa',
    'Slot 1 (64 KiB) starts at gpa 0x4000000 and holds 0xcafef00d at 0x4000010. gva 0x400000 -> 0x4000000 (slot ' +
      '1 page 0), gva 0x402000 -> 0x400f000 (its last page), gva 0x401000 -> 0x8000000 (nothing there yet: mmio). ' +
      'Expected: a move onto 0x3ff0000 overlaps slot 0 ' +
      'and is rejected with nothing zapped (the old SPTE still serves the access). Moving to 0x8000000 zaps the ' +
      'two leaves (gfn 0x4000 and 0x400f) and requests a remote flush; afterwards gva 0x400010 is mmio and gva 0x401010 ' +
      'reaches the moved slot (new SPTE), where a read returns 0xcafef00d; the old gpa is mmio. Writes through both gvas then set D in their PTEs: ' +
      'the moved page is writable RAM, the old gpa is mmio.',
    makeConfig({ tdp: 'npt', memslots: [SLOT0, SLOT1] }),
  );
}

function mmioOutsideSlot(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const FAR = 0x8000000000;
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x5000000))
    .add(...pt.map(FAR, 0x201000))
    .add(...pt.setEntry(FAR, 4, 0x6000000n | 0x7n))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(gvaToGpa(0x400010, 'read', 0), ok(0x5000010, 1, 4))
    .check(access(0x400010, 'read', 0), withEvents(mmio(0x5000010, 1)))
    .check(access(0x400010, 'write', 3), withEvents(mmio(0x5000010, 1), 'set_ad'))
    .check(write(0x5000000, 1, 4), MMIO)
    .check(read(0x5000000, 4), MMIO)
    .check(access(FAR, 'read', 3), pf(0x4))
    .check(gvaToGpa(FAR, 'write', 0), pf(0x2))
    .check(setReg('cr3', 0x7000000), OK)
    .check(access(0x400000, 'read', 0), pf(0x0));
  return b.build(
    'memslots/mmio-outside-slot.json',
    'Guest-physical addresses outside every memslot: mmio for data, not-present for page tables',
    'One 64 MiB slot. gva 0x400000 -> gpa 0x5000000, past the slot. PML4E 1 (gva 0x8000000000) points to a PDPT ' +
      'at gpa 0x6000000, also outside memory. Expected: gva_to_gpa gives 0x5000010 (ok, the walk does not care, and it sets ' +
      'A on four levels); reads and writes through it are mmio with the gpa and level 1 and build no SPTE (the ' +
      'write still sets D); guest stores and reads at 0x5000000 are mmio. A walk that reads a table outside memory fails as ' +
      'not present: #PF 0x4 for a user read, 0x2 for a supervisor write. CR3 pointing outside memory is legal and ' +
      'every walk then faults with #PF 0x0.',
    makeConfig({ tdp: 'ept' }),
  );
}

function readonlySlotWriteMmio(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const ro: MemslotSpec = { ...SLOT1, flags: ['readonly'] };
  const b = new SeedBuilder()
    .add(...pt.map(0x400000, 0x4000000))
    .check(write(0x4000000, 0xdead, 4), MMIO)
    .check(read(0x4000000, 4), value(0))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(0x400000, 'read', 0), withEvents(ok(0x4000000, 1), ...AD4, 'map'))
    .check(access(0x400000, 'write', 0), withEvents(mmio(0x4000000, 1), 'set_ad'))
    .check(access(0x400000, 'fetch', 0), withEvents(ok(0x4000000, 1)))
    .check(memslot('flags', 1, { flags: [] }), withEvents(REJECTED))
    .check(memslot('flags', 1, { flags: ['readonly', 'dirty_log'] }), withEvents(OK))
    .check(access(0x400000, 'write', 3), mmio(0x4000000, 1))
    .check(access(0x400000, 'read', 3), ok(0x4000000, 1));
  return b.build(
    'memslots/readonly-slot-write-mmio.json',
    'A read-only memslot: reads map it, writes exit as mmio',
    'Slot 1 (64 KiB at gpa 0x4000000) is read-only; gva 0x400000 maps its first page. Expected: a guest store ' +
      'to it is mmio and the page still reads 0. Through paging: a read builds a read-only SPTE (map), a write ' +
      'is mmio (after the walk set D in the PTE), a fetch uses the existing SPTE. Changing the readonly flag is ' +
      'rejected; enabling dirty logging on the read-only slot is accepted and write-protects nothing (no ' +
      'writable SPTE). Writes stay mmio, reads ok.',
    makeConfig({ tdp: 'npt', memslots: [SLOT0, ro] }),
  );
}

function dirtyLogWrprot(): SeedScenario {
  const pt = new PageTables('long4', 0x10000, 0x11000);
  const p0 = 0x400000;
  const p1 = 0x401000;
  const p2 = 0x402000;
  const b = new SeedBuilder()
    .add(...pt.map(p0, 0x4000000))
    .add(...pt.map(p1, 0x4001000))
    .add(...pt.map(p2, 0x4002000))
    .add(...enablePaging('long4', { cr3: 0x10000 }))
    .check(access(p0, 'write', 0), withEvents(ok(0x4000000, 1), ...AD4, 'map'))
    .check(access(p1, 'read', 0), withEvents(ok(0x4001000, 1), 'set_ad', 'map'))
    .check(memslot('flags', 1, { flags: ['dirty_log'] }), withEvents(OK, 'wrprot', 'wrprot', 'flush'))
    .check(access(p0, 'write', 0), withEvents(ok(0x4000000, 1), 'dirty'))
    .check(access(p2, 'read', 0), withEvents(ok(0x4002000, 1), 'set_ad', 'map', 'dirty'))
    .check(access(p2, 'write', 0), withEvents(ok(0x4002000, 1), 'set_ad'))
    .check(access(p1, 'write', 0), withEvents(ok(0x4001000, 1), 'set_ad', 'dirty'))
    .check(access(p1, 'write', 0), withEvents(ok(0x4001000, 1)))
    .check(memslot('flags', 1, { flags: [] }), withEvents(OK))
    .check(access(p0, 'write', 0), withEvents(ok(0x4000000, 1)));
  return b.build(
    'memslots/dirty-log-wrprot.json',
    'Dirty logging: enabling it write-protects SPTEs, the next write is logged',
    'Slot 1 (64 KiB at gpa 0x4000000) without flags; gva 0x400000/0x401000/0x402000 -> its pages 0/1/2. Expected: ' +
      'a write to page 0 and a read of page 1 each build a writable SPTE (map). Enabling dirty_log ' +
      'write-protects both (wrprot for gfn 0x4000 then 0x4001) and requests a remote flush. The next write to ' +
      'page 0 restores W and logs the gfn (dirty, no map). A read of page 2 in the logged slot maps it ' +
      'writable and logs it at once (map, dirty: make_spte logs every writable SPTE); the write that follows ' +
      'only sets D in the PTE (set_ad); the first write to page 1 restores W and logs it (dirty); a second ' +
      'write has no event. Disabling dirty logging has no event and writes ' +
      'stay silent.',
    makeConfig({ tdp: 'ept', memslots: [SLOT0, SLOT1] }),
  );
}

export const MEMSLOT_SCENARIOS: readonly (() => SeedScenario)[] = [
  deleteZaps,
  moveZapsAndRemaps,
  mmioOutsideSlot,
  readonlySlotWriteMmio,
  dirtyLogWrprot,
];
