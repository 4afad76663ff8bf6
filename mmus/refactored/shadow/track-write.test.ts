// Zap reasons under shadow paging (docs/model-contract-shadow.md "Guest stores", "Zaps"):
// pte_write, misaligned, flood (after 3 writes, reset by use), sync, unsync_upper, memslot.
import { describe, expect, it } from 'vitest';
import { invlpg, memslot } from '../../testing/ops.js';
import { access, apply, ev, evOf, guest, shadowBackend, write } from './shadow-test-kit.js';

/** 4-level guest: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000; 0x400000 -> 0x200000. */
function mapped(extra: [number, number][] = []) {
  const b = shadowBackend();
  apply(b, guest('long4', [[0x400000, 0x200000], [0x401000, 0x201000], ...extra], { nxe: true }).ops);
  apply(b, [access(0x400000, 'read', 0)]);
  return b;
}

describe('emulated writes to shadowed tables (kvm_mmu_track_write)', () => {
  it('pte_write: an aligned gpte store zaps the SPTE shadowing it (the PDE link)', () => {
    const b = mapped();
    expect(ev(b.apply(write(0x12010, 0x13027n)))).toEqual(['zap 0x13 l2 0x6f02 pte_write', 'flush remote']);
    // The link is rebuilt on the next fault, reusing the level-1 page (no sp event).
    expect(evOf(b.apply(access(0x400000, 'read', 0)), 'sp', 'map')).toEqual([]);
  });

  it('pte_write on a not-present SPTE zaps nothing; a PAE vCPU 4-byte half-store counts as the gpte', () => {
    const b = mapped();
    expect(ev(b.apply(write(0x12100, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12014, 0, 4)))).toEqual(['zap 0x13 l2 0x6f02 pte_write', 'flush remote']);
  });

  it('misaligned: a 2-byte store zaps the whole page; a 1-byte store at a gpte start does not', () => {
    const b = mapped();
    expect(ev(b.apply(write(0x12010, 0x27n, 1)))).toEqual(['zap 0x13 l2 0x6f02 pte_write', 'flush remote']);
    expect(ev(b.apply(write(0x12012, 0, 2)))).toEqual(['zap_sp 0x12 l2 0x6f02 misaligned', 'flush remote']);
  });

  it('flood: the third emulated store to an unused upper-level page zaps it', () => {
    const b = mapped();
    expect(ev(b.apply(write(0x12100, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12108, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12110, 0)))).toEqual(['zap_sp 0x12 l2 0x6f02 flood', 'flush remote']);
  });

  it('flood: a fault through the page resets the count', () => {
    const b = mapped();
    apply(b, [write(0x12100, 0), write(0x12108, 0), access(0x401000, 'read', 0)]);
    expect(ev(b.apply(write(0x12110, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12118, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12120, 0)))).toEqual(['zap_sp 0x12 l2 0x6f02 flood', 'flush remote']);
  });

  it('a not-present write fault on a write-tracked gfn maps it read-only, then emulates the gpte-sized store', () => {
    const b = mapped([[0x402000, 0x12000]]);
    const o = b.apply(access(0x402010, 'write', 0));
    expect(o).toMatchObject({ outcome: 'ok', gpa: 0x12010, level: 1 });
    // PD 0x12 is write-tracked: the SPTE is read-only (no W, no D), then track_write zaps the PDE link.
    expect(evOf(o, 'map', 'zap', 'zap_sp')).toEqual(['map 0x12 0x1:0x12025', 'zap 0x13 l2 0x6f02 pte_write']);
  });

  it('a present (read-only SPTE) write fault on a write-tracked gfn is emulated at once: no map', () => {
    const b = mapped([[0x402000, 0x12000]]);
    apply(b, [access(0x402018, 'read', 0)]);
    const o = b.apply(access(0x402010, 'write', 0));
    expect(o).toMatchObject({ outcome: 'ok', gpa: 0x12010, level: 1 });
    expect(evOf(o, 'map', 'zap', 'zap_sp')).toEqual(['zap 0x13 l2 0x6f02 pte_write']);
  });

  it('fetch clears the flooding count of the page holding the guest leaf entry too', () => {
    // gva 0x600000 is a guest 2 MiB page: its leaf gpte lives in PD 0x12 (the guest-leaf-level page).
    const b = mapped([[0x600000, 0x600000, { level: 2 }] as unknown as [number, number]]);
    apply(b, [write(0x12100, 0), write(0x12108, 0), access(0x600000, 'read', 0)]);
    expect(ev(b.apply(write(0x12110, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12118, 0)))).toEqual([]);
    expect(ev(b.apply(write(0x12120, 0)))).toEqual(['zap_sp 0x12 l2 0x6f02 flood', 'flush remote']);
  });

  it('sync: INVLPG drops the SPTE of a changed gpte in an unsync page', () => {
    const b = mapped([[0x402000, 0x13000]]);
    expect(evOf(b.apply(access(0x402000, 'write', 0)), 'unsync')).toEqual(['unsync 0x13 0x6f01']);
    apply(b, [write(0x13000, 0x202067n)]);
    expect(ev(b.apply(invlpg(0x400000)))).toEqual(['flush gva 0x400000', 'zap 0x200 l1 0x6f01 sync', 'flush remote']);
  });

  it('unsync_upper: using an unsync PT gfn as a page directory zaps the unsync page', () => {
    const b = mapped([[0x402000, 0x13000]]);
    apply(b, [access(0x402000, 'write', 0)]);
    // PDPTE 1 (gva 0x40000000) -> PD at 0x13000, whose entry 0 (the old PTE) -> PT 0x200000.
    apply(b, [write(0x11008, 0x13007n), write(0x200000, 0x300007n)]);
    const o = b.apply(access(0x40000000, 'read', 0));
    expect(o).toMatchObject({ outcome: 'ok', gpa: 0x300000 });
    expect(evOf(o, 'zap_sp', 'sp')).toEqual(['zap_sp 0x13 l1 0x6f01 unsync_upper', 'sp 0x13 l2 0x6f02', 'sp 0x200 l1 0x6f01']);
  });

  it('memslot: deleting a slot zaps every page (ascending gfn, level, role); the root is reloaded', () => {
    const b = shadowBackend({
      memslots: [
        { slot: 0, gpa: 0, size: 0x100000, flags: [] },
        { slot: 1, gpa: 0x200000, size: 0x100000, flags: [] },
      ],
    });
    apply(b, guest('long4', [[0x400000, 0x200000]], { nxe: true }).ops);
    apply(b, [access(0x400000, 'read', 0)]);
    expect(ev(b.apply(memslot('delete', 1)))).toEqual([
      'zap_sp 0x0 l2 0x2f82 memslot',
      'zap_sp 0x10 l4 0x6f04 memslot',
      'zap_sp 0x11 l3 0x6f03 memslot',
      'zap_sp 0x12 l2 0x6f02 memslot',
      'zap_sp 0x13 l1 0x6f01 memslot',
      'zap_sp 0x40000 l2 0x2f82 memslot',
      'zap_sp 0x80000 l2 0x2f82 memslot',
      'zap_sp 0xc0000 l2 0x2f82 memslot',
      'flush remote',
      'sp 0x10 l4 0x6f04',
    ]);
  });
});
