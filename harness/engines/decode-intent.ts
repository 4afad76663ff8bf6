// Operation intents of the byte decoder and the property engine: the arbitraries' OpIntent plus a
// few kinds only bytes draw (INVPCID, a single-bit register flip, a translation off the pool GVA),
// each resolved to a valid Op against the fixture tables and the mode's registers.
import type { Op, Reg } from '../../mmus/backend.js';
import { u64, type U64 } from '../../mmus/x86/u64.js';
import { encodeOpIntent, type IntentContext } from '../generate/arbitraries/encode-op-intent.js';
import type { OpIntent } from '../generate/arbitraries/op-intent-arbitrary.js';
import { gvaPlus, gvaWidth, isLongMode } from '../generate/geometry.js';

/** Registers a flip may hit: the paging ones, each built on the mode's fixed value. */
export const FLIP_REGS = ['cr0', 'cr4', 'efer', 'cr3'] as const;
export type FlipReg = (typeof FLIP_REGS)[number];

/** Where a translation goes instead of its pool GVA. */
export type GvaVariant =
  /** A byte offset inside the pool page (0 <= n < 4096). */
  | { readonly kind: 'offset'; readonly n: number }
  /** n (1..8) pages above the pool GVA: usually unmapped, sometimes a neighbour's entry. */
  | { readonly kind: 'next'; readonly n: number }
  /** Bit (width - 1) of the linear address flipped: non-canonical in long mode, a far page otherwise. */
  | { readonly kind: 'noncanonical' };

export type EngineIntent =
  | OpIntent
  | { readonly kind: 'invpcid'; readonly type: number; readonly pcid: number; readonly gva: number }
  /** MOV to reg of the mode's value with one bit flipped (reserved bits give #GP; PG/PAE/LME change mode). */
  | { readonly kind: 'reg_flip'; readonly reg: FlipReg; readonly bit: number }
  | {
      readonly kind: 'translate_at';
      readonly base: Extract<OpIntent, { kind: 'translate' }>;
      readonly variant: GvaVariant;
    };

/** The Op for an intent; every result is a valid format-1 operation. */
export function encodeEngineIntent(intent: EngineIntent, ctx: IntentContext): Op {
  switch (intent.kind) {
    case 'invpcid':
      return { op: 'invpcid', type: intent.type, pcid: intent.pcid, gva: ctx.tables.gvas[intent.gva] };
    case 'reg_flip':
      return { op: 'set', reg: intent.reg as Reg, value: flipBit(baseValue(intent.reg, ctx), intent.bit) };
    case 'translate_at': {
      const op = encodeOpIntent(intent.base, ctx);
      if (op.op !== 'access' && op.op !== 'gva_to_gpa') return op;
      return { ...op, gva: varyGva(op.gva, intent.variant, ctx) };
    }
    default:
      return encodeOpIntent(intent, ctx);
  }
}

function baseValue(reg: FlipReg, ctx: IntentContext): U64 {
  const r = ctx.regs;
  return u64(reg === 'cr0' ? r.cr0 : reg === 'cr4' ? r.cr4 : reg === 'efer' ? r.efer : r.cr3);
}

function flipBit(v: U64, bit: number): U64 {
  return bit < 32 ? u64(v.lo ^ (1 << bit), v.hi) : u64(v.lo, v.hi ^ (1 << (bit - 32)));
}

function varyGva(gva: U64, variant: GvaVariant, ctx: IntentContext): U64 {
  switch (variant.kind) {
    case 'offset':
      return gvaPlus(gva, variant.n & 0xfff);
    case 'next':
      return gvaPlus(gva, 0x1000 * variant.n);
    case 'noncanonical': {
      const mode = ctx.tables.mode;
      // Outside long mode only the low 32 bits exist: flip bit 31 instead (a far, unmapped page).
      return isLongMode(mode) ? flipBit(gva, gvaWidth(mode) - 1) : u64(gva.lo ^ 0x80000000, 0);
    }
  }
}
