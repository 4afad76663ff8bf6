// fast-check arbitrary of backend Configs for property tests: tdp ept/npt/none (shadow paging, half
// of the draws), a few MAXPHYADDRs, a feature set that shrinks towards "every feature",
// slot 0 (64 MiB at 0) plus an optional slot.
import fc from 'fast-check';
import { CPU_FEATURES, type Config, type CpuFeature, type MemslotSpec, type TdpKind } from '../../../mmus/backend.js';
import { HIGH_SLOT, MAIN_SLOT, RO_SLOT } from '../layout.js';

/** MAXPHYADDR choices; the first is what shrinking reaches. */
const MAXPHYADDRS = [46, 36, 39, 40, 48, 52] as const;

/** The optional second memslot: none, a read-only ROM slot, or a RAM slot at 4 GiB (maybe dirty-logged). */
type ExtraSlot = 'none' | 'rom' | 'high' | 'high-dirty-log';
const EXTRA_SLOTS: readonly ExtraSlot[] = ['none', 'rom', 'high', 'high-dirty-log'];

function extraSlotSpec(extra: Exclude<ExtraSlot, 'none'>): MemslotSpec {
  if (extra === 'rom') return { ...RO_SLOT, flags: ['readonly'] };
  return { ...HIGH_SLOT, flags: extra === 'high' ? [] : ['dirty_log'] };
}

/** Each feature present with probability 4/5; an absent feature shrinks to present. */
const featureArb: fc.Arbitrary<ReadonlySet<CpuFeature>> = fc
  .tuple(...CPU_FEATURES.map(() => fc.integer({ min: 0, max: 4 })))
  .map((draws) => new Set(CPU_FEATURES.filter((_, i) => draws[i] !== 4)));

export const configArbitrary: fc.Arbitrary<Config> = fc
  .record({
    // Shadow paging half of the time: its MMU has far more state (roots, unsync pages, zaps).
    tdp: fc.oneof(fc.constantFrom('ept' as const, 'npt' as const), fc.constant('none' as const)),
    maxphyaddr: fc.constantFrom(...MAXPHYADDRS),
    features: featureArb,
    eptAd: fc.boolean(),
    extra: fc.constantFrom(...EXTRA_SLOTS),
  })
  .map(({ tdp, maxphyaddr, features, eptAd, extra }) => {
    const memslots: MemslotSpec[] = [{ ...MAIN_SLOT, flags: [] }];
    if (extra !== 'none') memslots.push(extraSlotSpec(extra));
    return {
      cpu: { maxphyaddr, features: hostFeatures(features, tdp) },
      host: { tdp, eptAd: tdp === 'ept' && eptAd, mbec: false },
      memslots,
    };
  });

/** The guest's features on this host: KVM hides PKU from a shadow-paging (tdp none) guest. */
export function hostFeatures(features: ReadonlySet<CpuFeature>, tdp: TdpKind): Set<CpuFeature> {
  const out = new Set(features);
  if (tdp === 'none') out.delete('pku');
  return out;
}
