// Speculative translations (model-contract "Speculative translations"; SDM 4.10.2.3): every
// translation valid at some moment since the last invalidation covering it is an alternative,
// whether or not an access used it. Expectations are written by hand from the rule.
import { describe, expect, it } from 'vitest';
import type { Observation, Op } from '../backend.js';
import { MAX_STATES } from './history.js';
import { brief, TestVm } from './test-support.js';

const PG = 0x80000000, PE = 1, WP = 0x10000, PAE = 0x20, PGE = 0x80, PCIDE = 0x20000, SMAP = 0x200000;
const LME = 0x100, NXE = 0x800;
const P = 1, W = 2, U = 4, A = 0x20, D = 0x40, G = 0x100;
const NOFLUSH = 0x80000000;

const PD = 0x3000;
const PT = 0x4000;
const OLD = 0x100000;
const NEW = 0x200000;
/** gva 0 walks PDE 0 → PT; gva ALIAS walks PDE 1 → the same PT (both use PTE 0). */
const ALIAS = 0x200000;

/** 4-level paging; PDE 0 and PDE 1 both point to PT; PTE 0 maps OLD with `leaf`. */
function aliased(vm: TestVm, leaf: number, cr4 = 0, pde1 = PT | P | W | U | A): void {
  vm.w64(0x1000, 0x2000 | P | W | U | A);
  vm.w64(0x2000, PD | P | W | U | A);
  vm.w64(PD, PT | P | W | U | A);
  vm.w64(PD + 8, pde1);
  vm.w64(PT, OLD | leaf);
  expect(vm.set('cr4', PAE | cr4)).toBe('ok');
  expect(vm.set('efer', LME | NXE)).toBe('ok');
  expect(vm.set('cr3', 0x1000)).toBe('ok');
  expect(vm.set('cr0', PG | PE | WP)).toBe('ok');
}

const alts = (o: Observation): string[] => (o.alternatives ?? []).map(brief);
const op = (vm: TestVm, o: Op): Observation => vm.b.apply(o);
const invlpg = (vm: TestVm, gva: number): Observation => op(vm, { op: 'invlpg', gva: { lo: gva, hi: 0 } });

describe('a translation valid at some moment is allowed, used or not', () => {
  it('aliased page tables: the old PTE through the second PDE is an alternative, the fresh walk primary', () => {
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A | D);
    expect(brief(vm.access(0x10))).toBe('ok 100010 L1'); // through PDE 0
    vm.w64(PT, NEW | P | W | U | A | D);
    const o = vm.access(ALIAS + 0x10); // through PDE 1: never accessed before
    expect(o).toEqual({ outcome: 'ok', gpa: NEW + 0x10, level: 1, events: [], alternatives: [{ outcome: 'ok', gpa: OLD + 0x10, level: 1, events: [] }] });
  });

  it('holds for every host: the SDM does not depend on how the VMM maps memory', () => {
    for (const tdp of ['ept', 'npt', 'none'] as const) {
      const vm = new TestVm({ tdp });
      aliased(vm, P | W | U | A | D);
      vm.w64(PT, NEW | P | W | U | A | D);
      expect(alts(vm.access(ALIAS)), tdp).toEqual(['ok 100000 L1']);
    }
  });

  it('a not-present PTE now: the fault is primary, the old translation an alternative, and the fault removes nothing', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, 0);
    const o = vm.access(ALIAS, 'read', 3);
    expect(brief(o)).toBe('#PF 4');
    expect(alts(o)).toEqual(['ok 100000 L1']);
    expect(alts(vm.access(ALIAS, 'read', 3))).toEqual(['ok 100000 L1']);
  });

  it('every intermediate value counts, not only the first and the last', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, 0x300000 | P | W | U | A | D);
    vm.w64(PT, 0); // not present in between: no translation from this state
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(ALIAS)).sort()).toEqual(['ok 100000 L1', 'ok 300000 L1']);
  });

  it('upper levels change too: an old PDE pointing to another table gives that table\'s translation', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(0x5000, 0x400000 | P | W | U | A | D); // PTE 0 of another table
    vm.w64(PD + 8, 0x5000 | P | W | U | A); // PDE 1 now points there
    vm.w64(PD + 8, PT | P | W | U | A); // and back
    expect(alts(vm.access(ALIAS))).toEqual(['ok 400000 L1']); // OLD is the fresh walk again
  });
});

describe('invalidations remove what was valid before them', () => {
  it('INVLPG of the page removes the old translation; INVLPG of the other alias does not', () => {
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A | D);
    vm.access(0);
    vm.w64(PT, NEW | P | W | U | A | D);
    invlpg(vm, 0x0);
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    invlpg(vm, ALIAS + 0x800);
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
    // What is valid after the INVLPG stays allowed: the edit after it is a new possibility.
    vm.w64(PT, OLD | P | W | U | A | D);
    expect(alts(vm.access(ALIAS))).toEqual(['ok 200000 L1']);
  });

  it('MOV CR3 with PCIDE = 0 removes non-global translations, even with the same value', () => {
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('global translations survive MOV CR3; a CR4.PGE toggle removes them', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D | G, PGE);
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr4', PAE)).toBe('ok');
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('PCIDs: NOFLUSH keeps a PCID\'s translations; a flushing load of that PCID removes them', () => {
    const vm = new TestVm({ tdp: 'ept' });
    aliased(vm, P | W | U | A | D);
    expect(vm.set('cr4', PAE | PCIDE)).toBe('ok');
    expect(vm.set('cr3', 0x1001)).toBe('ok'); // PCID 1
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(vm.set('cr3', 0x1002, NOFLUSH)).toBe('ok'); // PCID 2: PCID 1's translations are not its own
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
    expect(vm.set('cr3', 0x1001, NOFLUSH)).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr3', 0x1002)).toBe('ok'); // flushes PCID 2 only
    expect(vm.set('cr3', 0x1001, NOFLUSH)).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr3', 0x1001)).toBe('ok');
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('ledger, shadow paging: another PCID\'s moments count (KVM shares shadow pages across PCIDs) until the current PCID invalidates the page', () => {
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A | D);
    expect(vm.set('cr4', PAE | PCIDE)).toBe('ok');
    expect(vm.set('cr3', 0x1001)).toBe('ok'); // PCID 1
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(vm.set('cr3', 0x1002, NOFLUSH)).toBe('ok'); // PCID 2 never had OLD, but KVM may serve it
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    invlpg(vm, ALIAS); // PCID 2 invalidates the page: KVM syncs the shared page
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('INVPCID type 0 removes (PCID, page); a global translation of another PCID serves any PCID', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D | G, PGE);
    expect(vm.set('cr4', PAE | PGE | PCIDE)).toBe('ok');
    expect(vm.set('cr3', 0x1001)).toBe('ok');
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(vm.set('cr3', 0x1003)).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    expect(op(vm, { op: 'invpcid', type: 0, pcid: 1, gva: { lo: ALIAS, hi: 0 } }).outcome).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']); // type 0 keeps global translations
    invlpg(vm, ALIAS); // INVLPG removes global translations of every PCID
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('a certain rights fault (no alternative) removes the page\'s translations of the current PCID', () => {
    const vm = new TestVm();
    aliased(vm, P | W | A | D); // supervisor page
    vm.w64(PT, NEW | P | W | A | D);
    const user = vm.access(ALIAS, 'read', 3);
    expect(brief(user)).toBe('#PF 5');
    expect(user.alternatives).toBeUndefined();
    expect(vm.access(ALIAS).alternatives).toBeUndefined(); // OLD went with the fault
  });

  it('a memslot delete ends the history; an add continues it', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x1000000, flags: [] }, { slot: 1, gpa: 0x2000000, size: 0x1000, flags: [] }] });
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(op(vm, { op: 'memslot', action: 'add', slot: 2, gpa: 0x3000000, size: 0x1000, flags: [] }).outcome).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    expect(op(vm, { op: 'memslot', action: 'delete', slot: 1, gpa: 0, size: 0, flags: [] }).outcome).toBe('ok');
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('a memslot move to the slot\'s own gpa changes nothing and keeps the history; a real move ends it', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x1000000, flags: [] }, { slot: 1, gpa: 0x2000000, size: 0x1000, flags: [] }] });
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(op(vm, { op: 'memslot', action: 'move', slot: 1, gpa: 0x2000000, size: 0, flags: [] }).outcome).toBe('ok');
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    expect(op(vm, { op: 'memslot', action: 'move', slot: 1, gpa: 0x3000000, size: 0, flags: [] }).outcome).toBe('ok');
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });

  it('a page table in a slot added later was not present before the add', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x1000000, flags: [] }] });
    aliased(vm, P | W | U | A | D, 0, 0x2000000 | P | W | U | A); // PDE 1 → a table in no memslot
    expect(brief(vm.access(ALIAS))).toBe('#PF 0');
    expect(op(vm, { op: 'memslot', action: 'add', slot: 1, gpa: 0x2000000, size: 0x1000, flags: [] }).outcome).toBe('ok');
    vm.w64(0x2000000, OLD | P | W | U | A | D);
    vm.w64(0x2000000, NEW | P | W | U | A | D);
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
  });

  it('only the most recent MAX_STATES states are remembered', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U | A | D);
    for (let i = 0; i < MAX_STATES - 2; i++) vm.w64(0x800000, i);
    expect(alts(vm.access(ALIAS))).toEqual(['ok 100000 L1']);
    vm.w64(0x800000, 1);
    vm.w64(0x800000, 2);
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
  });
});

describe('what was never valid is never allowed', () => {
  it('an old PTE that was never reachable through the second PDE is not allowed there', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D, 0, 0); // PDE 1 not present while PTE 0 maps OLD
    vm.access(0); // OLD through PDE 0 is cached for gva 0 only
    vm.w64(PT, NEW | P | W | U | A | D);
    vm.w64(PD + 8, PT | P | W | U | A);
    expect(vm.access(ALIAS)).toEqual({ outcome: 'ok', gpa: NEW, level: 1, events: [] });
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
  });

  it('an entry with reserved bits makes no translation; one without A does (a speculative walk sets A, SDM 4.8)', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, 0x300000 | P | W | U | A | D, 0x40000); // bit 50 > MAXPHYADDR 46: reserved
    vm.w64(PT, OLD | P | W | U | A | D);
    expect(vm.access(ALIAS).alternatives).toBeUndefined();
    vm.w64(PT, 0x400000 | P | W | U | D); // A = 0: the processor sets A when it caches it
    vm.w64(PT, OLD | P | W | U | A | D);
    expect(alts(vm.access(ALIAS))).toEqual(['ok 400000 L1']);
  });

  it('XD of the old state is as seen with that state\'s EFER.NXE: without NXE a set bit 63 is reserved', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U | A | D, 0x80000000); // XD with NXE = 1
    vm.w64(PT, OLD | P | W | U | A | D);
    expect(vm.access(ALIAS, 'fetch').alternatives).toBeUndefined(); // the XD translation cannot fetch
    expect(alts(vm.access(ALIAS, 'read'))).toEqual(['ok 200000 L1']);
  });
});

describe('use under the controls of now', () => {
  it('a write needs D = 1 in that state\'s leaf', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A); // clean
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(vm.access(ALIAS, 'write').alternatives).toBeUndefined();
    expect(alts(vm.access(ALIAS, 'read'))).toEqual(['ok 100000 L1']);
  });

  it('a dirty old leaf serves a write', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(ALIAS, 'write'))).toEqual(['ok 100000 L1']);
  });

  it('CR0.WP: an old read-only translation serves a supervisor write only while WP = 0', () => {
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | U | A | D); // read-only user page
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(ALIAS, 'write', 0))).toEqual([]);
    expect(vm.set('cr0', PG | PE)).toBe('ok'); // WP 1→0: nothing invalidated
    expect(alts(vm.access(ALIAS, 'write', 0))).toEqual(['ok 100000 L1']);
    expect(alts(vm.access(ALIAS, 'write', 3))).toEqual([]); // user writes honour R/W always
  });

  it('SMAP applies to the old rights: a supervisor read of an old user page needs RFLAGS.AC', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | A | D); // supervisor page now
    expect(alts(vm.access(ALIAS, 'read', 0))).toEqual(['ok 100000 L1']);
    expect(vm.set('cr4', PAE | SMAP)).toBe('ok'); // no invalidation
    expect(vm.access(ALIAS, 'read', 0).alternatives).toBeUndefined();
    expect(vm.set('rflags', 0x40002)).toBe('ok');
    expect(alts(vm.access(ALIAS, 'read', 0))).toEqual(['ok 100000 L1']);
  });

  it('the cached frame is looked up in the memslots of now', () => {
    const vm = new TestVm({ memslots: [{ slot: 0, gpa: 0, size: 0x1000000, flags: [] }] });
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, 0x5000000 | P | W | U | A | D); // outside every memslot
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(ALIAS)).sort()).toEqual(['mmio 5000000 L1', 'ok 100000 L1']);
  });
});

describe('other paging modes', () => {
  it('32-bit paging: 4-byte entries share a qword; a 4 MiB PDE is a large translation', () => {
    const vm = new TestVm();
    vm.w32(0x1000, PT | P | W | U | A); // PDE 0
    vm.w32(0x1004, PT | P | W | U | A); // PDE 1 aliases it (gva 0x400000)
    vm.w32(PT, OLD | P | W | U | A | D);
    vm.w32(PT + 4, 0x7000 | P | W | U | A | D); // the other half of the qword
    expect(vm.set('cr4', 0x10)).toBe('ok'); // PSE
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    vm.w32(PT + 4, 0x8000 | P | W | U | A | D); // changes PTE 1 only
    vm.w32(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(0x400000))).toEqual(['ok 100000 L1']);
    expect(alts(vm.access(0x401000))).toEqual(['ok 7000 L1']);
    vm.w32(0x1008, 0x800000 | P | W | U | A | D | 0x80); // PDE 2: 4 MiB page
    vm.w32(0x1008, 0);
    expect(alts(vm.access(0x823000))).toEqual(['ok 823000 L2']);
  });

  it('PAE paging: the PDPTEs of each state are its registers', () => {
    const vm = new TestVm();
    vm.w64(0x1000, 0x2000 | P); // PDPTE 0
    vm.w64(0x1008, 0x6000 | P); // PDPTE 1
    vm.w64(0x2000, PT | P | W | U | A);
    vm.w64(0x6000, PT | P | W | U | A); // gva 0x40000000 aliases gva 0
    vm.w64(PT, OLD | P | W | U | A | D);
    expect(vm.set('cr4', PAE)).toBe('ok');
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    expect(vm.set('cr0', PG | PE)).toBe('ok');
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(0x40000000))).toEqual(['ok 100000 L1']);
  });
});

describe('adoptAlternative: following the execution another backend took', () => {
  it('undoes the A/D writes of the access just applied, so memory matches an access served by a cached translation', () => {
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A | D);
    vm.w64(PT, NEW | P | W | U); // A = 0: the fresh walk sets it
    const o = vm.access(ALIAS, 'write');
    expect(o.events.length).toBe(1); // A|D on the PTE
    expect(alts(o)).toEqual(['ok 100000 L1']);
    (vm.b as unknown as { adoptAlternative(): void }).adoptAlternative();
    expect(vm.r64(PT)).toEqual({ lo: NEW | P | W | U, hi: 0 });
    // The history stays consistent: OLD is still allowed, and the next walk sets A|D again.
    const again = vm.access(ALIAS, 'write');
    expect(again.events.length).toBe(1);
    expect(alts(again)).toEqual(['ok 100000 L1']);
    // Nothing to undo after an operation without A/D writes.
    vm.access(ALIAS, 'read');
    (vm.b as unknown as { adoptAlternative(): void }).adoptAlternative();
    expect(vm.r64(PT)).toEqual({ lo: NEW | P | W | U | A | D, hi: 0 });
  });
});

describe('adoptAlternative after a fault', () => {
  it('takes back nothing filled by an earlier access', () => {
    const vm = new TestVm();
    aliased(vm, P | W | U | A | D);
    vm.access(0); // fills OLD for page 0
    vm.w64(PT, 0);
    const o = vm.access(0);
    expect(brief(o)).toBe('#PF 0');
    (vm.b as unknown as { adoptAlternative(): void }).adoptAlternative();
    vm.w64(PT, NEW | P | W | U | A | D);
    expect(alts(vm.access(0))).toEqual(['ok 100000 L1']);
  });
});

describe('ledger: a write through a cached MMIO translation needs no D', () => {
  it('a clean leaf towards a gpa outside every memslot may serve a write (KVM emulates from its MMIO SPTE), one inside may not', () => {
    const MMIO = 0x8000000; // above the 64 MiB slot
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A);
    vm.w64(PT, MMIO | P | W | U | A); // clean (D = 0), outside every memslot
    expect(brief(vm.access(0x10))).toBe('mmio 8000010 L1'); // a read fills the TLB
    vm.w64(PT, NEW | P | W | U | A);
    expect(alts(vm.access(0x10, 'write'))).toEqual(['mmio 8000010 L1']);
    // The same with a clean leaf inside a memslot: a write must set D, so no alternative.
    const vm2 = new TestVm({ tdp: 'none' });
    aliased(vm2, P | W | U | A);
    expect(brief(vm2.access(0x10))).toBe('ok 100010 L1');
    vm2.w64(PT, NEW | P | W | U | A);
    expect(alts(vm2.access(0x10, 'write'))).toEqual([]);
  });

  it('unchanged memory: the clean MMIO translation is an alternative to the walk that sets D, even after a MOV CR3 in its own state', () => {
    // The leaf is written before paging is on, so no store changes the path while it is: only
    // the read's A update does (a new state).
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, 0x8000000 | P | W | U); // OLD | 0x8000000: outside every memslot, A = 0, D = 0
    expect(brief(vm.access(0x10))).toBe('mmio 8100010 L1');
    // Same value: the TLB is flushed, but the translation stays valid in the state after it.
    expect(vm.set('cr3', 0x1000)).toBe('ok');
    const o = vm.access(0x10, 'write');
    expect(o.events.length).toBe(1); // the walk sets D
    expect(alts(o)).toEqual(['mmio 8100010 L1']);
    expect(o.alternatives![0].events).toEqual([]);
  });
});

describe('ledger: a gfn once found outside every memslot', () => {
  it('keeps its D-less write allowance after a memslot add covers it (KVM re-stamps its MMIO SPTE)', () => {
    const GFN_GPA = 0x8000000; // above the 64 MiB slot
    const add = (vm: TestVm): void => {
      const o = op(vm, { op: 'memslot', action: 'add', slot: 1, gpa: GFN_GPA, size: 0x1000, flags: [] });
      expect(o.outcome).toBe('ok');
    };
    const vm = new TestVm({ tdp: 'none' });
    aliased(vm, P | W | U | A);
    vm.w64(PT, GFN_GPA | P | W | U | A); // clean leaf towards an unbacked gpa
    expect(brief(vm.access(0x10))).toBe('mmio 8000010 L1');
    add(vm);
    const o = vm.access(0x10, 'write'); // RAM now; the fresh walk sets D
    expect(brief(o)).toBe('ok 8000010 L1');
    expect(alts(o)).toEqual(['ok 8000010 L1']);
    // Never found unbacked: the same write needs D.
    const vm2 = new TestVm({ tdp: 'none' });
    add(vm2);
    aliased(vm2, P | W | U | A);
    vm2.w64(PT, GFN_GPA | P | W | U | A);
    expect(brief(vm2.access(0x10))).toBe('ok 8000010 L1');
    expect(alts(vm2.access(0x10, 'write'))).toEqual([]);
  });
});
