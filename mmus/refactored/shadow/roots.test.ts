// Shadow roots (§7.1, §7.6): direct roots with paging off, the level-4 root, PAE roots per
// present PDPTR, 32-bit quadrant roots, the dummy root, prev_roots fast switch and PCIDs, and
// the register writes that free roots under shadow paging.
import { describe, expect, it } from 'vitest';
import { invpcid, memslot } from '../../testing/ops.js';
import { PageTables } from '../../testing/page-tables.js';
import { enablePaging } from '../../testing/paging-setup.js';
import { access, apply, brief, ev, evOf, guest, setReg, shadowBackend, write } from './shadow-test-kit.js';

const check = { op: 'check' } as const;

describe('roots', () => {
  it('paging off: four direct level-2 roots, gfn i << 18, loaded after the first operation', () => {
    const b = shadowBackend();
    expect(ev(b.apply(setReg('rflags', 2)))).toEqual(['sp 0x0 l2 0x2f82', 'sp 0x40000 l2 0x2f82', 'sp 0x80000 l2 0x2f82', 'sp 0xc0000 l2 0x2f82']);
    const o = b.apply(access(0x1234, 'write', 3));
    expect(brief(o)).toEqual({ outcome: 'ok', gpa: 0x1234, level: 0 });
    expect(evOf(o, 'sp', 'map')).toEqual(['sp 0x0 l1 0x2f81', 'map 0x1 0x1:0x1067']);
  });

  it('PAE: one root per present PDPTR (level 2, quadrant 0); none for a not-present one', () => {
    const b = shadowBackend();
    const pt = new PageTables('pae', 0x10000, 0x11000);
    apply(b, [...pt.map(0x400000, 0x200000), ...pt.map(0x80000000, 0x300000), ...enablePaging('pae', { cr3: 0x10000 })]);
    const d = b.apply(check).digest!.split('\n').filter((l) => l.startsWith('root'));
    expect(d).toEqual(['root 0 gfn=0x11 role=0x6f02', 'root 1 none', 'root 2 gfn=0x13 role=0x6f02', 'root 3 none']);
    expect(brief(b.apply(access(0x40000000, 'read', 0)))).toMatchObject({ outcome: 'page_fault', errorCode: 0 });
  });

  it('PAE: a CR3 write loading different PDPTRs frees the root', () => {
    const b = shadowBackend();
    const pt = new PageTables('pae', 0x10000, 0x11000);
    apply(b, [...pt.map(0x400000, 0x200000), ...enablePaging('pae', { cr3: 0x10000 })]);
    apply(b, [write(0x10020, 0x11001n)]);
    // Same PDPT page, other 32-byte slot: PDPTR 0 now points at the same PD; root reloaded from the hash.
    expect(ev(b.apply(setReg('cr3', 0x10020)))).toEqual(['flush current']);
    expect(b.apply(check).digest!.split('\n')[0]).toBe('root 0 gfn=0x11 role=0x6f02');
  });

  it('32-bit: four roots on the CR3 gfn, quadrants 0..3; a PT is shadowed in two halves', () => {
    const b = shadowBackend();
    const g = guest('32bit', [[0x400000, 0x200000], [0x600000, 0x300000]]);
    expect(ev(apply(b, g.ops).at(-1)!)).toEqual(['sp 0x10 l2 0x6f12', 'sp 0x10 l2 0x6f32', 'sp 0x10 l2 0x6f52', 'sp 0x10 l2 0x6f72']);
    expect(evOf(b.apply(access(0x400000, 'read', 0)), 'sp')).toEqual(['sp 0x11 l1 0x6f11']);
    // 0x600000 is in the upper 2 MiB half of the same guest PT: quadrant 1.
    expect(evOf(b.apply(access(0x600000, 'read', 0)), 'sp')).toEqual(['sp 0x11 l1 0x6f31']);
  });

  it('dummy root when CR3 is outside every memslot; a memslot add frees it', () => {
    const b = shadowBackend({ memslots: [{ slot: 0, gpa: 0, size: 0x100000, flags: [] }] });
    apply(b, [setReg('efer', 0x100), setReg('cr4', 0x20), setReg('cr3', 0x200000), setReg('cr0', 0x80010011)]);
    expect(b.apply(check).digest).toBe('root dummy');
    expect(brief(b.apply(access(0x1000, 'read', 0)))).toEqual({ outcome: 'page_fault', errorCode: 0 });
    expect(ev(b.apply(memslot('add', 1, { gpa: 0x200000, size: 0x1000 })))).toEqual(['sp 0x200 l4 0x6f04']);
  });

  it('prev_roots: switching back to a cached CR3 reuses its root without a lookup', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000]], { nxe: true }).ops);
    apply(b, [access(0x400000, 'read', 0)]);
    expect(ev(b.apply(setReg('cr3', 0x20000)))).toEqual(['flush current', 'sp 0x20 l4 0x6f04']);
    expect(ev(b.apply(setReg('cr3', 0x10000)))).toEqual(['flush current']);
    // The cached root still has its SPTEs: a hardware hit.
    expect(b.apply(access(0x400000, 'read', 0)).events).toEqual([]);
  });

  it('PCID: NOFLUSH keeps a stale unsync translation; INVPCID single-context then frees the cached root', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000], [0x402000, 0x13000]], { nxe: true }).ops);
    apply(b, [setReg('cr4', 0x20020), setReg('cr3', 0x10001), access(0x400000, 'read', 0), access(0x402000, 'write', 0), write(0x13000, 0x202067n)]);
    apply(b, [setReg('cr3', 0x20002)]);
    expect(ev(b.apply(setReg('cr3', (1n << 63n) | 0x10001n)))).toEqual([]);
    expect(brief(b.apply(access(0x400000, 'read', 0)))).toEqual({ outcome: 'ok', gpa: 0x200000, level: 1 });
    apply(b, [setReg('cr3', (1n << 63n) | 0x20002n), invpcid(1, 1)]);
    // Freed: going back looks the root up and syncs it (kvm_mmu_load), even with NOFLUSH.
    expect(ev(b.apply(setReg('cr3', (1n << 63n) | 0x10001n)))).toEqual(['wrprot 0x13', 'flush remote', 'sync 0x13 0x6f01', 'zap 0x200 l1 0x6f01 sync']);
  });

  it('CR4.PCIDE 0->1 drops the cached roots (no flush event)', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000]], { nxe: true }).ops);
    apply(b, [access(0x400000, 'read', 0), setReg('cr3', 0x20000)]);
    expect(ev(b.apply(setReg('cr4', 0x20020)))).toEqual([]);
    // The old root is no longer cached: the switch back is a miss (reload, no flush besides CR3's).
    apply(b, [setReg('cr3', 0x10000)]);
    expect(b.apply(check).digest!.split('\n')[0]).toBe('root 0 gfn=0x10 role=0x6f04');
  });

  it('a CR0.WP-only change resets the MMU: new role, new root page', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000]], { nxe: true }).ops);
    expect(ev(b.apply(setReg('cr0', 0x80000011)))).toEqual(['sp 0x10 l4 0x2f04']);
  });

  it('PKU is hidden without TDP: CR4.PKE and PKRU writes fault', () => {
    const b = shadowBackend();
    expect(b.apply(setReg('cr4', 0x400000)).outcome).toBe('gp');
    expect(b.apply(setReg('pkru', 0)).outcome).toBe('gp');
  });
});
