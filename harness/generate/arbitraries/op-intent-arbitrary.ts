// fast-check arbitrary of one property-scenario operation as an intent: small indices into the
// fixture's pools and bit records instead of raw addresses and register values, so shrinking
// means "an earlier GVA, a lower level, one flag fewer". encodeOpIntent makes the Op.
import fc from 'fast-check';
import type { AccessKind } from '../../../mmus/backend.js';
import { gpteFieldsArbitrary, type GpteFields } from './gpte-fields-arbitrary.js';
import { weightedBoolean } from './weighted-boolean.js';

/** Number of pool GVAs of every fixture hierarchy. */
export const GVA_POOL_SIZE = 5;
/** Levels are drawn 1..5 and folded onto the mode's levels (so shrinking aims at the PTE). */
export const MAX_LEVEL = 5;
/** PKRU draws set bits among keys 0..3 (the pkeys gpte records use). */
export const PKRU_BITS = 8;

export type OpIntent =
  | {
      readonly kind: 'translate';
      readonly op: 'access' | 'gva_to_gpa';
      readonly gva: number;
      readonly access: AccessKind;
      readonly cpl: 0 | 1 | 2 | 3;
      readonly implicit: boolean;
    }
  | { readonly kind: 'write_gpte'; readonly gva: number; readonly level: number; readonly fields: GpteFields }
  | { readonly kind: 'read_gpte'; readonly gva: number; readonly level: number }
  | { readonly kind: 'cr0'; readonly wp: boolean }
  | { readonly kind: 'cr4'; readonly pse: boolean; readonly pge: boolean; readonly smep: boolean; readonly smap: boolean; readonly pke: boolean }
  | { readonly kind: 'efer'; readonly nxe: boolean }
  | { readonly kind: 'pkru'; readonly bits: readonly number[] }
  | { readonly kind: 'rflags'; readonly ac: boolean }
  /** MOV CR3 of the fixture root again (a PAE reload re-reads the PDPTEs). */
  | { readonly kind: 'cr3_reload' }
  | { readonly kind: 'invlpg'; readonly gva: number }
  /** A change of the config's second slot (the ROM slot when there is none): its spec or an alternative. */
  | { readonly kind: 'memslot'; readonly action: 'delete' | 'add' | 'move' | 'flags'; readonly alt: boolean }
  /** The deep check: the kvm backends' digest of their page tables. */
  | { readonly kind: 'check' };

const gva = fc.integer({ min: 0, max: GVA_POOL_SIZE - 1 });
const level = fc.integer({ min: 1, max: MAX_LEVEL });
const k = <K extends OpIntent['kind']>(kind: K) => fc.constant(kind);

export const opIntentArbitrary: fc.Arbitrary<OpIntent> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: k('translate'),
      op: fc.constantFrom('access' as const, 'gva_to_gpa' as const),
      gva,
      access: fc.constantFrom<AccessKind>('read', 'write', 'fetch'),
      cpl: fc.constantFrom(0 as const, 3 as const, 1 as const, 2 as const),
      implicit: weightedBoolean(0.2),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: k('write_gpte'), gva, level, fields: gpteFieldsArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: k('read_gpte'), gva, level }) },
  { weight: 1, arbitrary: fc.record({ kind: k('cr0'), wp: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: k('cr4'),
      pse: fc.boolean(),
      pge: fc.boolean(),
      smep: fc.boolean(),
      smap: fc.boolean(),
      pke: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: k('efer'), nxe: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: k('pkru'), bits: fc.uniqueArray(fc.integer({ min: 0, max: PKRU_BITS - 1 }), { maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: k('rflags'), ac: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: k('cr3_reload') }) },
  { weight: 1, arbitrary: fc.record({ kind: k('invlpg'), gva }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: k('memslot'),
      action: fc.constantFrom('delete' as const, 'add' as const, 'move' as const, 'flags' as const),
      alt: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: k('check') }) },
);
