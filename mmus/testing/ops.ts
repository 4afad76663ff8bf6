// Test helper: short constructors for `Op` values (mmus/backend.ts), taking plain numbers or
// bigint for 64-bit quantities, so test tables and seed scenarios read like the JSON they become.
import type { AccessKind, MemslotAction, MemslotFlag, Op, Reg } from '../backend.js';
import { u64FromBigInt } from '../x86/u64.js';
import type { Wide } from './page-tables.js';

type Cpl = 0 | 1 | 2 | 3;

const wide = (v: Wide) => u64FromBigInt(BigInt(v));

export function setReg(reg: Reg, value: Wide): Op {
  return { op: 'set', reg, value: wide(value) };
}

export function write(gpa: number, value: Wide, size: 1 | 2 | 4 | 8 = 8): Op {
  return { op: 'write', gpa, value: wide(value), size };
}

export function read(gpa: number, size: 1 | 2 | 4 | 8 = 8): Op {
  return { op: 'read', gpa, size };
}

/** A guest access; `implicit` = an implicit supervisor access (SMAP ignores RFLAGS.AC). */
export function access(gva: Wide, kind: AccessKind, cpl: Cpl, implicit = false): Op {
  return { op: 'access', gva: wide(gva), kind, cpl, implicit };
}

export function gvaToGpa(gva: Wide, kind: AccessKind, cpl: Cpl, implicit = false): Op {
  return { op: 'gva_to_gpa', gva: wide(gva), kind, cpl, implicit };
}

export function invlpg(gva: Wide): Op {
  return { op: 'invlpg', gva: wide(gva) };
}

export function invpcid(type: number, pcid: number, gva: Wide = 0): Op {
  return { op: 'invpcid', type, pcid, gva: wide(gva) };
}

/** A memslot change; gpa and size are 0 where the action ignores them. */
export function memslot(
  action: MemslotAction,
  slot: number,
  opts: { gpa?: number; size?: number; flags?: readonly MemslotFlag[] } = {},
): Op {
  return { op: 'memslot', action, slot, gpa: opts.gpa ?? 0, size: opts.size ?? 0, flags: [...(opts.flags ?? [])] };
}
