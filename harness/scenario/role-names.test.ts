import { describe, expect, it } from 'vitest';
import { decodeRole } from './role-names.js';

describe('decodeRole', () => {
  it('names the fields of the common layout', () => {
    // level 4, access RWUX, efer_nx, cr0_wp: a 4-level root role with WP on.
    expect(decodeRole(0x6f04)).toBe('level 4, access RWUX, nx, wp');
    // 32-bit guest: 4-byte gptes, quadrant 3, direct, read-only user access, SMAP and WP off.
    expect(decodeRole(0x85f2)).toBe('level 2, quadrant 3, gpte4, direct, access RU, smap_andnot_wp');
    expect(decodeRole(0x10000)).toBe('level 0, access -, ad_disabled');
  });

  it('shows smm and bits the layout does not define', () => {
    expect(decodeRole(0x01000001)).toBe('level 1, access -, smm 1');
    expect(decodeRole(0x00380001)).toBe('level 1, access -, rsvd?[0x380000]');
    expect(decodeRole(-1)).toContain('smm 255');
  });
});
