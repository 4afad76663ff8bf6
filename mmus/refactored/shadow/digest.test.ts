// The `check` digest format (docs/model-contract-shadow.md "Deep check"), shadow and TDP.
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../testing/config.js';
import { refactoredBackend } from '../index.js';
import { access, apply, guest, shadowBackend } from './shadow-test-kit.js';

describe('check digest', () => {
  it('shadow: roots, then every reachable page ascending with its SPTEs', () => {
    const b = shadowBackend();
    apply(b, guest('long4', [[0x400000, 0x200000, { leaf: 'P W U D' }], [0x401000, 0x5000000]], { nxe: true }).ops);
    b.apply(access(0x400000, 'read', 0));
    b.apply(access(0x401000, 'read', 0));
    expect(b.apply({ op: 'check' })).toEqual({
      outcome: 'ok',
      events: [],
      digest: [
        'root 0 gfn=0x10 role=0x6f04',
        'sp gfn=0x10 level=4 role=0x6f04 unsync=0',
        '  0 -> sp gfn=0x11 level=3 role=0x6f03',
        'sp gfn=0x11 level=3 role=0x6f03 unsync=0',
        '  0 -> sp gfn=0x12 level=2 role=0x6f02',
        'sp gfn=0x12 level=2 role=0x6f02 unsync=0',
        '  2 -> sp gfn=0x13 level=1 role=0x6f01',
        'sp gfn=0x13 level=1 role=0x6f01 unsync=0',
        '  0 spte=0x100200067',
        '  1 mmio gfn=0x5000',
      ].join('\n'),
    });
  });

  it('shadow, paging off: four direct roots', () => {
    const b = shadowBackend();
    b.apply({ op: 'check' });
    expect(b.apply({ op: 'check' }).digest).toBe(
      [
        'root 0 gfn=0x0 role=0x2f82',
        'root 1 gfn=0x40000 role=0x2f82',
        'root 2 gfn=0x80000 role=0x2f82',
        'root 3 gfn=0xc0000 role=0x2f82',
        'sp gfn=0x0 level=2 role=0x2f82 unsync=0',
        'sp gfn=0x40000 level=2 role=0x2f82 unsync=0',
        'sp gfn=0x80000 level=2 role=0x2f82 unsync=0',
        'sp gfn=0xc0000 level=2 role=0x2f82 unsync=0',
      ].join('\n'),
    );
  });

  it('TDP: the leaves of the current TDP root, ascending gfn', () => {
    const b = refactoredBackend.create(makeConfig({ tdp: 'npt' }));
    apply(b, guest('long4', [[0x400000, 0x200000]], { nxe: true }).ops);
    b.apply(access(0x400000, 'read', 0));
    b.apply(access(0x400000, 'read', 0));
    expect(b.apply({ op: 'check' })).toEqual({
      outcome: 'ok',
      events: [],
      // Guest table reads are not TDP faults in this model: only the accessed page has a leaf.
      digest: 'tdp gfn=0x200 spte=0x100200067',
    });
  });
});
