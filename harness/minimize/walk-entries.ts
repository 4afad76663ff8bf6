// Which guest-physical bytes the diverging op depends on, approximately: the entries its page
// walk reads in the state just before it (read back through the first backend's `read` op), the
// PDPTEs a CR3/CR0/CR4 write may load, or the bytes a `read` reads. Only big cuts and coupled
// rewrites use this, and the oracle confirms every one, so an approximation is enough.
import type { Backend, BackendFactory, Op, U64, VcpuState } from '../../mmus/backend.js';
import { CR4_PSE } from '../../mmus/x86/bits.js';
import { u64ToBigInt } from '../../mmus/x86/u64.js';
import { pagingMode, type PagingMode } from '../oracle/mode.js';
import type { Scenario } from '../scenario/scenario.js';

/** Half-open byte range [start, end) of guest-physical memory. */
export interface GpaRange {
  readonly start: number;
  readonly end: number;
}

/** One entry a walk read: its bytes and the GVA bits that index it. */
export interface WalkEntry extends GpaRange {
  readonly shift: number;
  readonly width: number;
}

/** The walk of the last op's GVA: its mode and the entries read, top level first. */
export interface Walk {
  readonly mode: PagingMode;
  readonly entries: readonly WalkEntry[];
  /** Everything the walk depends on in memory: the entries, plus all four PDPTEs under PAE. */
  readonly ranges: readonly GpaRange[];
}

type Translation = Extract<Op, { op: 'access' | 'gva_to_gpa' }>;

/** The four PDPTEs of a PAE CR3 (32-byte aligned). */
function pdpteBlock(cr3: U64): GpaRange {
  const base = (cr3.lo & 0xffffffe0) >>> 0;
  return { start: base, end: base + 32 };
}

/** Bits 12..51 of a 64-bit entry: the frame it points to. */
function frameOf(e: U64): number {
  return ((e.lo & 0xfffff000) >>> 0) + (e.hi & 0xfffff) * 0x1_0000_0000;
}

function indexOf(gva: U64, shift: number, width: number): number {
  return Number((u64ToBigInt(gva) >> BigInt(shift)) & ((1n << BigInt(width)) - 1n));
}

/** The first backend after every op but the last, with its state; undefined if replay throws. */
function prefixState(s: Scenario, first: BackendFactory): { b: Backend; state: VcpuState } | undefined {
  try {
    const b = first.create(s.config);
    for (let i = 0; i < s.ops.length - 1; i++) b.apply(s.ops[i]);
    return { b, state: b.state() };
  } catch {
    return undefined;
  }
}

/** The walk of the last op when it is an access or gva_to_gpa; undefined otherwise or on failure. */
export function walkOfLastOp(s: Scenario, first: BackendFactory): Walk | undefined {
  const last = s.ops.at(-1);
  if (last === undefined || (last.op !== 'access' && last.op !== 'gva_to_gpa')) return undefined;
  const at = prefixState(s, first);
  if (at === undefined) return undefined;
  try {
    return walk(at.b, at.state, last);
  } catch {
    return undefined;
  }
}

/**
 * The byte ranges the last op of `s` depends on, or undefined when that op has no such notion
 * (invlpg, invpcid, memslot, write) or replaying the prefix fails.
 */
export function lastOpDependencies(s: Scenario, first: BackendFactory): readonly GpaRange[] | undefined {
  const last = s.ops.at(-1);
  if (last === undefined) return undefined;
  if (last.op === 'read') return [{ start: last.gpa, end: last.gpa + last.size }];
  if (last.op === 'set') {
    const at = prefixState(s, first);
    if (at === undefined) return undefined;
    return last.reg === 'cr3' ? [pdpteBlock(at.state.cr3), pdpteBlock(last.value)] : [pdpteBlock(at.state.cr3)];
  }
  return walkOfLastOp(s, first)?.ranges;
}

/** The entries a walk of `op.gva` reads, top level first, following present non-leaf entries. */
function walk(b: Backend, state: VcpuState, op: Translation): Walk {
  const read = (gpa: number, size: 4 | 8): U64 | undefined => {
    const o = b.apply({ op: 'read', gpa, size });
    return o.outcome === 'ok' ? o.value : undefined;
  };
  const mode = pagingMode(state);
  const entries: WalkEntry[] = [];
  const extra: GpaRange[] = [];
  const done = (): Walk => ({ mode, entries, ranges: [...extra, ...entries] });
  if (mode === 'off') return done();
  if (mode === '32-bit') {
    let table = (state.cr3.lo & 0xfffff000) >>> 0;
    for (const shift of [22, 12]) {
      const gpa = table + indexOf(op.gva, shift, 10) * 4;
      entries.push({ start: gpa, end: gpa + 4, shift, width: 10 });
      const e = read(gpa, 4);
      if (e === undefined || (e.lo & 1) === 0) break;
      if (shift === 22 && (e.lo & 0x80) !== 0 && (state.cr4 & CR4_PSE) !== 0) break;
      table = (e.lo & 0xfffff000) >>> 0;
    }
    return done();
  }
  let table: number;
  let shifts: number[];
  if (mode === 'pae') {
    const block = pdpteBlock(state.cr3);
    extra.push(block);
    const gpa = block.start + indexOf(op.gva, 30, 2) * 8;
    entries.push({ start: gpa, end: gpa + 8, shift: 30, width: 2 });
    const e = read(gpa, 8);
    if (e === undefined || (e.lo & 1) === 0) return done();
    table = frameOf(e);
    shifts = [21, 12];
  } else {
    table = frameOf(state.cr3);
    shifts = mode === '5-level' ? [48, 39, 30, 21, 12] : [39, 30, 21, 12];
  }
  for (const shift of shifts) {
    const gpa = table + indexOf(op.gva, shift, 9) * 8;
    entries.push({ start: gpa, end: gpa + 8, shift, width: 9 });
    const e = read(gpa, 8);
    if (e === undefined || (e.lo & 1) === 0) break;
    if ((shift === 21 || shift === 30) && (e.lo & 0x80) !== 0) break;
    table = frameOf(e);
  }
  return done();
}

export function overlaps(start: number, end: number, ranges: readonly GpaRange[]): boolean {
  return ranges.some((r) => start < r.end && r.start < end);
}
