// Simplification steps, in the order the minimizer tries them.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { renderOp } from '../scenario/print.js';
import { opSteps } from './op-steps.js';

/** Every op the steps produce from `op`, each applied to the original (as the first try sees them). */
function firstTries(op: Op): string[] {
  return opSteps(op)
    .map((step) => step(op))
    .filter((o): o is Op => o !== undefined)
    .map((o) => renderOp(o));
}

describe('opSteps', () => {
  it('a store: value 0 first, then each set bit cleared from the top', () => {
    expect(firstTries({ op: 'write', gpa: 0x1000, value: u64(0x2003, 0x80000000), size: 8 })).toEqual([
      'write 0x1000 <- 0x0 (8)  ; empty',
      'write 0x1000 <- 0x2003 (8)  ; P RW frame=0x2000',
      'write 0x1000 <- 0x8000000000000003 (8)  ; P RW NX',
      'write 0x1000 <- 0x8000000000002001 (8)  ; P frame=0x2000 NX',
      'write 0x1000 <- 0x8000000000002002 (8)  ; !P RW frame=0x2000 NX',
    ]);
  });

  it('a register: its reset value first, then set bits cleared from the top', () => {
    expect(firstTries({ op: 'set', reg: 'cr0', value: u64(0x80010011) })).toEqual([
      'set cr0 = 0x60000010 (ET NW CD)',
      'set cr0 = 0x10011 (PE ET WP)',
      'set cr0 = 0x80000011 (PE ET PG)',
      'set cr0 = 0x80010001 (PE WP PG)',
      'set cr0 = 0x80010010 (ET WP PG)',
    ]);
  });

  it('an access: CPL toward 0, explicit, read, then a lower and page-aligned address', () => {
    const tries = firstTries({ op: 'access', gva: u64(0x40201234), kind: 'fetch', cpl: 3, implicit: true });
    expect(tries.slice(0, 6)).toEqual([
      'access fetch gva=0x40201234 cpl=0 implicit',
      'access fetch gva=0x40201234 cpl=1 implicit',
      'access fetch gva=0x40201234 cpl=2 implicit',
      'access fetch gva=0x40201234 cpl=3',
      'access read gva=0x40201234 cpl=3 implicit',
      'access write gva=0x40201234 cpl=3 implicit',
    ]);
    expect(tries.slice(6, 9)).toEqual([
      'access fetch gva=0x0 cpl=3 implicit',
      'access fetch gva=0x201234 cpl=3 implicit',
      'access fetch gva=0x40001234 cpl=3 implicit',
    ]);
    expect(tries).toContain('access fetch gva=0x40201000 cpl=3 implicit');
  });

  it('a read has nothing to simplify', () => {
    expect(firstTries({ op: 'read', gpa: 0x1000, size: 8 })).toEqual([]);
  });
});
