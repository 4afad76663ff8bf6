// Accessed/dirty updates (kvm-mmu-model §5.6, model contract "A/D"): only after a successful walk,
// top level first, D only on the leaf of a write, each changed gpte one set_ad event; the
// compare-exchange makes a table that maps itself get each bit once, as hardware would.
import { describe, expect, it } from 'vitest';
import { CR0_PE_PG_WP, CR4_PAE, EFER_LME, EFER_NXE, Vm, op, q } from './test-kit.js';

function longMode(entries: [number, number | bigint][]): Vm {
  const vm = new Vm();
  vm.ok([...entries.map(([gpa, v]) => op.write(gpa, v)), op.set('cr4', CR4_PAE), op.set('efer', EFER_LME | EFER_NXE), op.set('cr3', 0x10000), op.set('cr0', CR0_PE_PG_WP)]);
  return vm;
}

const TABLES: [number, number][] = [
  [0x10000, 0x11007],
  [0x11000, 0x12007],
  [0x12000, 0x13007],
  [0x13000, 0x20003], // PTE[0]: supervisor, writable
];

describe('accessed and dirty bits', () => {
  it('a faulting walk sets nothing, even after every level was present', () => {
    const vm = longMode(TABLES);
    expect(vm.apply(op.access(0x0, 'read', 3))).toStrictEqual({
      outcome: 'page_fault',
      errorCode: 0x5,
      address: q(0),
      to: 'L1',
      events: [{ type: 'flush', scope: 'gva', gva: q(0) }], // the injection's flush, not a gpte write
    });
    expect(vm.apply(op.read(0x10000)).value).toStrictEqual(q(0x11007));
    expect(vm.apply(op.read(0x13000)).value).toStrictEqual(q(0x20003));
  });

  it('only the gptes lacking A are written, in top-down order', () => {
    const vm = longMode([
      [0x10000, 0x11027],
      [0x11000, 0x12007],
      [0x12000, 0x13027],
      [0x13000, 0x20003],
    ]);
    expect(vm.apply(op.g2g(0x0, 'read'))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x20000,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x11000, value: q(0x12027) },
        { type: 'set_ad', gpa: 0x13000, value: q(0x20023) },
      ],
    });
  });

  it('a write with A set everywhere sets only the leaf D; then nothing', () => {
    const vm = longMode(TABLES);
    vm.ok([op.g2g(0x0)]);
    expect(vm.apply(op.g2g(0x0, 'write')).events).toStrictEqual([{ type: 'set_ad', gpa: 0x13000, value: q(0x20063) }]);
    expect(vm.apply(op.g2g(0x0, 'write')).events).toStrictEqual([]);
  });

  it('the high half of a 64-bit gpte is kept in the event value', () => {
    const vm = longMode([...TABLES.slice(0, 3), [0x13000, 0x8000_0000_0002_0003n]]);
    expect(vm.apply(op.g2g(0x0, 'write')).events.at(-1)).toStrictEqual({ type: 'set_ad', gpa: 0x13000, value: q(0x8000_0000_0002_0063n) });
  });

  it('a self-mapping PML4E gets A once (cmpxchg retry), then D once on a write', () => {
    const vm = longMode([[0x10000, 0x10007]]);
    expect(vm.apply(op.g2g(0x0, 'write'))).toStrictEqual({
      outcome: 'ok',
      gpa: 0x10000,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x10000, value: q(0x10027) },
        { type: 'set_ad', gpa: 0x10000, value: q(0x10067) },
      ],
    });
    const reader = longMode([[0x10000, 0x10007]]);
    expect(reader.apply(op.g2g(0x0)).events).toStrictEqual([{ type: 'set_ad', gpa: 0x10000, value: q(0x10027) }]);
  });

  it('a 32-bit walk reports 4-byte gptes', () => {
    const vm = new Vm();
    vm.ok([op.write(0x1000, 0x2003, 4), op.write(0x2000, 0x3003, 4), op.set('cr3', 0x1000), op.set('cr0', 0x80000001)]);
    expect(vm.apply(op.access(0x0, 'write')).events.slice(0, 2)).toStrictEqual([
      { type: 'set_ad', gpa: 0x1000, value: q(0x2023) },
      { type: 'set_ad', gpa: 0x2000, value: q(0x3063) },
    ]);
  });
});
