// fast-check arbitrary of one property-scenario operation as an intent: small indices into the
// fixture's pools and bit records instead of raw addresses and register values, so shrinking
// means "an earlier GVA, a lower level, one flag fewer". encodeOpIntent makes the Op.
import fc from 'fast-check';
import type { AccessKind } from '../../../mmus/backend.js';
import { gpteFieldsArbitrary, TARGET_POOL_SIZE, type GpteFields } from './gpte-fields-arbitrary.js';
import { weightedBoolean } from './weighted-boolean.js';

/** Pool GVAs mapping data pages, every intent source aims at them (the byte decoder too). */
export const GVA_POOL_SIZE = 5;
/** The arbitraries also aim at the fixture's read-only page-table view and its device page. */
export const ARBITRARY_GVA_POOL_SIZE = GVA_POOL_SIZE + 2;
/** Address spaces of the fixture (space 0 is the one paging starts in). */
export const SPACE_COUNT = 3;
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
  /**
   * A store of a gpte. `mapped` (the arbitraries only): made by the guest through its writable
   * mapping of the page table, so a store to the mapping (a table_write) comes first.
   */
  | { readonly kind: 'write_gpte'; readonly gva: number; readonly level: number; readonly fields: GpteFields; readonly mapped?: boolean }
  /**
   * An OS-style edit of a fixture gpte: its original value with one flag bit toggled, or pointed
   * at another frame of the target pool (1..TARGET_POOL_SIZE); `mapped` as for write_gpte.
   */
  | { readonly kind: 'edit_gpte'; readonly gva: number; readonly level: number; readonly edit: GpteEdit; readonly mapped?: boolean }
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
  /** Dirty logging of slot 0 (the page tables and data pages) on or off. */
  | { readonly kind: 'dirty_log'; readonly on: boolean }
  /** MOV CR3 to a fixture address space; under CR4.PCIDE with PCID = space, NOFLUSH when asked. */
  | { readonly kind: 'cr3'; readonly space: number; readonly noflush: boolean }
  /** INVPCID of a type 0..3 naming the PCID of a fixture space (an address for type 0). */
  | { readonly kind: 'invpcid_space'; readonly type: number; readonly space: number; readonly gva: number }
  /** A supervisor store through the mapping of the page table holding the entry of gva at level. */
  | { readonly kind: 'table_write'; readonly gva: number; readonly level: number }
  /** The deep check: the kvm backends' digest of their page tables. */
  | { readonly kind: 'check' };

/** Flag bits an edit toggles: R/W, U/S, P, A, D, G, XD (bit 63, 64-bit formats only). */
export const EDIT_BITS = [1, 2, 0, 5, 6, 8, 63] as const;
export type GpteEdit = { readonly bit: (typeof EDIT_BITS)[number] } | { readonly target: number };

const gpteEdit: fc.Arbitrary<GpteEdit> = fc.oneof(
  fc.record({ bit: fc.constantFrom(...EDIT_BITS) }),
  fc.record({ target: fc.integer({ min: 1, max: TARGET_POOL_SIZE }) }),
);

const gva = fc.integer({ min: 0, max: ARBITRARY_GVA_POOL_SIZE - 1 });
const space = fc.integer({ min: 0, max: SPACE_COUNT - 1 });
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
  { weight: 5, arbitrary: fc.record({ kind: k('write_gpte'), gva, level, fields: gpteFieldsArbitrary, mapped: weightedBoolean(0.4) }) },
  { weight: 5, arbitrary: fc.record({ kind: k('edit_gpte'), gva, level, edit: gpteEdit, mapped: weightedBoolean(0.7) }) },
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
    weight: 3,
    arbitrary: fc.record({
      kind: k('memslot'),
      action: fc.constantFrom('delete' as const, 'add' as const, 'move' as const, 'flags' as const),
      alt: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: k('dirty_log'), on: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: k('cr3'), space, noflush: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: k('invpcid_space'), type: fc.integer({ min: 0, max: 3 }), space, gva }) },
  { weight: 2, arbitrary: fc.record({ kind: k('table_write'), gva, level }) },
  { weight: 1, arbitrary: fc.record({ kind: k('check') }) },
);
