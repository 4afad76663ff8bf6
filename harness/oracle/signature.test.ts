import { describe, it, expect } from 'vitest';
import type { VcpuState } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { divergenceSignature, maskedMessage, topFrameFunction } from './signature.js';

const P = ['legacy', 'refactored'] as const;
const longMode = (cr3: number): VcpuState => ({ cr0: 0x80010011, cr3: u64(cr3), cr4: 0x20, efer: 0xd00, pkru: 0, rflags: 2 });

describe('divergenceSignature', () => {
  it('has the documented shape', () => {
    expect(divergenceSignature({ class: 'error_code', opKind: 'access', field: 'error_code', state: longMode(0x1000), pair: P })).toBe(
      'error_code/access/error_code/4-level/legacy~refactored',
    );
  });

  it('masks event indices and ignores CR3, PKRU and other volatile state', () => {
    const a = divergenceSignature({ class: 'ad', opKind: 'access', field: 'events[2].value', state: longMode(0x1000), pair: P });
    const b = divergenceSignature({ class: 'ad', opKind: 'access', field: 'events[0].value', state: { ...longMode(0x7f000), pkru: 12 }, pair: P });
    expect(a).toBe(b);
    expect(a).toBe('ad/access/events[*].value/4-level/legacy~refactored');
  });

  it('ignores feature bits but not the paging mode or the backend pair', () => {
    const a = divergenceSignature({ class: 'outcome', opKind: 'access', field: 'outcome', state: longMode(0), pair: P });
    const b = divergenceSignature({ class: 'outcome', opKind: 'access', field: 'outcome', state: { ...longMode(0), cr0: 0x80000011 }, pair: P });
    const pae = divergenceSignature({ class: 'outcome', opKind: 'access', field: 'outcome', state: { ...longMode(0), efer: 0 }, pair: P });
    const ref = divergenceSignature({ class: 'outcome', opKind: 'access', field: 'outcome', state: longMode(0), pair: ['legacy', 'reference'] });
    expect(a).toBe(b);
    expect(a).not.toBe(pae);
    expect(a).not.toBe(ref);
  });

  it('is the same for one crash reached from two scenarios with different addresses', () => {
    function walk(gva: number): never {
      throw new TypeError(`cannot read gpte at 0x${gva.toString(16)} index ${gva & 511}`);
    }
    const errors = [0x12345000, 0xdead000].map((gva) => {
      try {
        walk(gva);
      } catch (e) {
        return e;
      }
    });
    const sigs = errors.map((error) => divergenceSignature({ class: 'crash', opKind: 'access', field: 'exception', state: longMode(0x1000), pair: P, error }));
    expect(sigs[0]).toBe(sigs[1]);
    expect(sigs[0]).toBe('crash/access/TypeError: cannot read gpte at N index N@walk/4-level/legacy~refactored');
  });

  it('masks numbers and finds the top frame', () => {
    expect(maskedMessage(new Error('bad level 5 at 0xFF00'))).toBe('Error: bad level N at N');
    expect(maskedMessage('plain 12')).toBe('plain N');
    const e = new Error('x');
    e.stack = 'Error: x\n    at LegacyMmu.walkAddr (/a/b.js:1:2)\n    at other (/c.js:3:4)';
    expect(topFrameFunction(e)).toBe('LegacyMmu.walkAddr');
    e.stack = 'Error: x\n    at /a/b.js:1:2';
    expect(topFrameFunction(e)).toBe('<anonymous>');
    expect(topFrameFunction('not an error')).toBe('?');
  });
});
