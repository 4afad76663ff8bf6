// The property scenarios' "another process runs for a while" intent: MOV CR3 to another fixture
// address space, what the kernel does there about the space it left (shoot down the page whose
// gpte was last written, INVPCID naming the old PCID, an MMU role bit off and on), then MOV CR3
// back (NOFLUSH when asked, under PCIDE). Several ops, so it lives beside OpIntent, not in it.
import fc from 'fast-check';
import type { Op } from '../../../mmus/backend.js';
import { u64 } from '../../../mmus/x86/u64.js';
import { CR0_WP } from '../../../mmus/x86/bits.js';
import { encodeOpIntent, type IntentContext } from './encode-op-intent.js';
import { SPACE_COUNT } from './op-intent-arbitrary.js';
import { weightedBoolean } from './weighted-boolean.js';

/** What happens while away; the first shrinks best. */
export type AwayStep = 'nothing' | 'invlpg' | 'invpcid_single' | 'invpcid_address' | 'wp_off_on';
const STEPS: readonly AwayStep[] = ['nothing', 'invlpg', 'invpcid_single', 'invpcid_address', 'wp_off_on'];

export interface AwayIntent {
  readonly kind: 'away';
  /** 1..SPACE_COUNT - 1. */
  readonly space: number;
  readonly noflush: boolean;
  readonly step: AwayStep;
  readonly noflushBack: boolean;
}

export const awayIntentArbitrary: fc.Arbitrary<AwayIntent> = fc.record({
  kind: fc.constant('away' as const),
  space: fc.integer({ min: 1, max: SPACE_COUNT - 1 }),
  noflush: weightedBoolean(0.5),
  step: fc.constantFrom(...STEPS),
  noflushBack: weightedBoolean(0.5),
});

/** The ops of `a`; `edited`: pool index of the GVA whose gpte was written last (0 when none). */
export function encodeAwayIntent(a: AwayIntent, ctx: IntentContext, edited: number): Op[] {
  const cr3 = (space: number, noflush: boolean) => encodeOpIntent({ kind: 'cr3', space, noflush }, ctx);
  const gva = ctx.tables.gvas[edited];
  const ops: Op[] = [cr3(a.space, a.noflush)];
  switch (a.step) {
    case 'nothing':
      break;
    case 'invlpg':
      ops.push({ op: 'invlpg', gva });
      break;
    case 'invpcid_single':
    case 'invpcid_address':
      // The PCID of space 0, the one left (encodeOpIntent's cr3: PCID = space index).
      ops.push({ op: 'invpcid', type: a.step === 'invpcid_single' ? 1 : 0, pcid: 0, gva });
      break;
    case 'wp_off_on':
      ops.push({ op: 'set', reg: 'cr0', value: u64((ctx.regs.cr0 & ~CR0_WP) >>> 0) }, { op: 'set', reg: 'cr0', value: u64(ctx.regs.cr0) });
      break;
  }
  ops.push(cr3(0, a.noflushBack));
  return ops;
}
