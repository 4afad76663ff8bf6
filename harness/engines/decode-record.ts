// One 4-byte op record of a decoded input: byte 0 picks the kind from a weighted table, bytes 1-3
// (24 bits, little-endian) fill its fields. Every 32-bit value is a valid record, and changing one
// byte changes this one op only: records are fixed-size, so nothing after it shifts.
import type { AccessKind } from '../../mmus/backend.js';
import type { GpteFields, RsvdBit } from '../generate/arbitraries/gpte-fields-arbitrary.js';
import type { OpIntent } from '../generate/arbitraries/op-intent-arbitrary.js';
import { FLIP_REGS, type EngineIntent } from './decode-intent.js';

export const RECORD_BYTES = 4;

// The arbitraries' constants, repeated here because their modules import fast-check, which must
// stay out of the CommonJS fuzz target (decode.test.ts checks they agree).
/** Pool GVAs of every fixture hierarchy (GVA_POOL_SIZE). */
export const DECODE_GVA_POOL = 5;
/** Levels drawn before folding onto the mode's levels (MAX_LEVEL). */
export const DECODE_MAX_LEVEL = 5;
/** Target pool of a rewritten entry (TARGET_POOL_SIZE). */
export const DECODE_TARGET_POOL = 8;
/** Reserved-bit positions (RSVD_BITS). */
export const DECODE_RSVD_BITS: readonly RsvdBit[] = ['maxphyaddr', 51, 13, 21];

type RecordKind =
  | 'translate'
  | 'write_gpte'
  | 'read_gpte'
  | 'cr0'
  | 'cr4'
  | 'efer'
  | 'pkru'
  | 'rflags'
  | 'cr3_reload'
  | 'invlpg'
  | 'memslot'
  | 'invpcid'
  | 'reg_flip'
  | 'check';

/** Kinds and their share of the 256 values of byte 0 (accesses and entry writes dominate, as in the generator). */
const KIND_WEIGHTS: readonly (readonly [RecordKind, number])[] = [
  ['translate', 88],
  ['write_gpte', 64],
  ['read_gpte', 12],
  ['cr0', 10],
  ['cr4', 20],
  ['efer', 8],
  ['pkru', 10],
  ['rflags', 10],
  ['cr3_reload', 6],
  ['invlpg', 8],
  ['memslot', 8],
  ['invpcid', 6],
  ['reg_flip', 4],
  // Last, so adding it moved no other kind's byte values.
  ['check', 2],
];

const KIND_OF_BYTE: readonly RecordKind[] = (() => {
  const table: RecordKind[] = [];
  for (const [kind, weight] of KIND_WEIGHTS) for (let i = 0; i < weight; i++) table.push(kind);
  if (table.length !== 256) throw new Error(`decode-record: kind weights sum to ${table.length}, not 256`);
  return table;
})();

const ACCESS_KINDS: readonly AccessKind[] = ['read', 'write', 'fetch'];
const MEMSLOT_ACTIONS = ['delete', 'add', 'move', 'flags'] as const;

/** Bits [shift, shift + width) of p. */
function bits(p: number, shift: number, width: number): number {
  return (p >>> shift) & ((1 << width) - 1);
}

/** The intent of the record b0..b3. */
export function decodeRecord(b0: number, b1: number, b2: number, b3: number): EngineIntent {
  const p = b1 | (b2 << 8) | (b3 << 16);
  switch (KIND_OF_BYTE[b0 & 0xff]) {
    case 'translate':
      return translate(p);
    case 'write_gpte': {
      const at = gvaLevel(p);
      return { kind: 'write_gpte', gva: at.gva, level: at.level, fields: gpteFields(p >>> 5) };
    }
    case 'read_gpte': {
      const at = gvaLevel(p);
      return { kind: 'read_gpte', gva: at.gva, level: at.level };
    }
    case 'cr0':
      return { kind: 'cr0', wp: (p & 1) === 0 };
    case 'cr4':
      return { kind: 'cr4', pse: (p & 1) !== 0, pge: (p & 2) !== 0, smep: (p & 4) !== 0, smap: (p & 8) !== 0, pke: (p & 16) !== 0 };
    case 'efer':
      return { kind: 'efer', nxe: (p & 1) === 0 };
    case 'pkru': {
      const set: number[] = [];
      for (let i = 0; i < 8; i++) if ((p >> i) & 1) set.push(i);
      return { kind: 'pkru', bits: set };
    }
    case 'rflags':
      return { kind: 'rflags', ac: (p & 1) !== 0 };
    case 'cr3_reload':
      return { kind: 'cr3_reload' };
    case 'invlpg':
      return { kind: 'invlpg', gva: bits(p, 0, 3) % DECODE_GVA_POOL };
    case 'memslot':
      return { kind: 'memslot', action: MEMSLOT_ACTIONS[bits(p, 0, 2)], alt: (p & 4) !== 0 };
    case 'invpcid':
      // Types 0-3 and PCIDs 0-3 mostly; one value in 8 asks for the #GP cases (type 4, PCID 0x1000).
      return {
        kind: 'invpcid',
        type: bits(p, 0, 3) === 7 ? 4 : bits(p, 0, 2),
        pcid: bits(p, 3, 3) === 7 ? 0x1000 : bits(p, 3, 2),
        gva: bits(p, 6, 3) % DECODE_GVA_POOL,
      };
    case 'reg_flip':
      return { kind: 'reg_flip', reg: FLIP_REGS[bits(p, 0, 2)], bit: bits(p, 2, 6) };
    case 'check':
      return { kind: 'check' };
  }
}

/**
 * Bits 0-1: 3 = gva_to_gpa, else access; 2-4 pool GVA; 5-6 kind (mod 3); 7-8 CPL; 9-11 all set =
 * implicit; 12-13 where: 0/1 the pool GVA, 2 an offset in its page (bits 14-23), 3 further pages
 * (bits 14-16) or, with bit 17, a non-canonical address.
 */
function translate(p: number): EngineIntent {
  const base: Extract<OpIntent, { kind: 'translate' }> = {
    kind: 'translate',
    op: bits(p, 0, 2) === 3 ? 'gva_to_gpa' : 'access',
    gva: bits(p, 2, 3) % DECODE_GVA_POOL,
    access: ACCESS_KINDS[bits(p, 5, 2) % 3],
    cpl: bits(p, 7, 2) as 0 | 1 | 2 | 3,
    implicit: bits(p, 9, 3) === 7,
  };
  const where = bits(p, 12, 2);
  if (where < 2) return base;
  if (where === 2) return { kind: 'translate_at', base, variant: { kind: 'offset', n: bits(p, 14, 10) << 2 } };
  if ((p >>> 17) & 1) return { kind: 'translate_at', base, variant: { kind: 'noncanonical' } };
  return { kind: 'translate_at', base, variant: { kind: 'next', n: 1 + bits(p, 14, 3) } };
}

/** Bits 0-4: (pool GVA, level) as one of 25 pairs (values 25-31 wrap). */
function gvaLevel(p: number): { gva: number; level: number } {
  const v = bits(p, 0, 5) % (DECODE_GVA_POOL * DECODE_MAX_LEVEL);
  return { gva: v % DECODE_GVA_POOL, level: 1 + Math.floor(v / DECODE_GVA_POOL) };
}

/**
 * 19 bits: 0-2 P, R/W, U/S inverted (0 = set, so zero bytes make a usable entry); 3-9 PWT, PCD,
 * A, D, PS, G, NX; 10-11 PKEY; 12-14 reserved bit (0-4 none, 5-7 three of the reserved bits, 13 or 21 by
 * bit 15); 15-18 target (0-8, 9-15 fold to 0 = the original frame).
 */
function gpteFields(q: number): GpteFields {
  const rsvdCode = bits(q, 12, 3);
  let rsvdBit: RsvdBit | null = null;
  if (rsvdCode === 5) rsvdBit = DECODE_RSVD_BITS[0];
  else if (rsvdCode === 6) rsvdBit = DECODE_RSVD_BITS[1];
  else if (rsvdCode === 7) rsvdBit = bits(q, 15, 1) ? DECODE_RSVD_BITS[3] : DECODE_RSVD_BITS[2];
  const target = bits(q, 15, 4);
  return {
    p: (q & 1) === 0,
    rw: (q & 2) === 0,
    us: (q & 4) === 0,
    pwt: (q & 8) !== 0,
    pcd: (q & 16) !== 0,
    a: (q & 32) !== 0,
    d: (q & 64) !== 0,
    ps: (q & 128) !== 0,
    g: (q & 256) !== 0,
    nx: (q & 512) !== 0,
    pkey: bits(q, 10, 2),
    rsvdBit,
    target: target <= DECODE_TARGET_POOL ? target : 0,
  };
}
