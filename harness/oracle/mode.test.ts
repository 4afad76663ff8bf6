import { describe, it, expect } from 'vitest';
import type { VcpuState } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { modeBits, modeKey, pagingMode } from './mode.js';

const st = (cr0: number, cr4: number, efer: number): VcpuState => ({ cr0: cr0 >>> 0, cr3: u64(0), cr4, efer, pkru: 0, rflags: 2 });

describe('pagingMode / modeBits', () => {
  it('names every mode', () => {
    expect(pagingMode(st(0x60000010, 0x20, 0x500))).toBe('off');
    expect(pagingMode(st(0x80000011, 0, 0))).toBe('32-bit');
    expect(pagingMode(st(0x80000011, 0x20, 0))).toBe('pae');
    expect(pagingMode(st(0x80000011, 0x20, 0x500))).toBe('4-level');
    expect(pagingMode(st(0x80000011, 0x1020, 0x500))).toBe('5-level');
    // LME without LMA is not long mode.
    expect(pagingMode(st(0x80000011, 0x20, 0x100))).toBe('pae');
  });

  it('lists the bits in a fixed order', () => {
    const s = st(0x80010011, 0x20 | 0x1000 | (1 << 20) | (1 << 21) | (1 << 22) | (1 << 17), 0xd00);
    expect(modeBits(s)).toBe('PG WP PAE LA57 SMEP SMAP PKE PCIDE LMA NXE');
    expect(modeBits(st(0x60000010, 0, 0))).toBe('');
    expect(modeKey(st(0x80010011, 0x20, 0xd00))).toBe('4-level[PG WP PAE LMA NXE]');
  });
});
