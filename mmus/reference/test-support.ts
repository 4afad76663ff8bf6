// Test-only helpers for the reference backend's tests: a config builder and a thin driver that
// turns numbers into operations. Imported by *.test.ts only.
import type { AccessKind, Backend, Config, CpuFeature, MemslotSpec, Observation, Reg } from '../backend.js';
import type { U64 } from '../x86/u64.js';
import { referenceBackend } from './index.js';

export const ALL_FEATURES: readonly CpuFeature[] = ['nx', 'pse36', 'gbpages', 'smep', 'smap', 'pku', 'pcid', 'la57'];

export interface VmOptions {
  tdp?: 'ept' | 'npt' | 'none';
  maxphyaddr?: number;
  features?: readonly CpuFeature[];
  memslots?: readonly MemslotSpec[];
}

export function makeConfig(o: VmOptions = {}): Config {
  return {
    cpu: { maxphyaddr: o.maxphyaddr ?? 46, features: new Set(o.features ?? ALL_FEATURES) },
    host: { tdp: o.tdp ?? 'ept', eptAd: o.tdp !== 'none', mbec: false },
    memslots: o.memslots ?? [{ slot: 0, gpa: 0, size: 0x4000000, flags: [] }],
  };
}

/** Drives one reference backend with numeric arguments. */
export class TestVm {
  readonly b: Backend;

  constructor(o: VmOptions = {}) {
    this.b = referenceBackend.create(makeConfig(o));
  }

  set(reg: Reg, lo: number, hi = 0): Observation['outcome'] {
    return this.b.apply({ op: 'set', reg, value: { lo: lo >>> 0, hi: hi >>> 0 } }).outcome;
  }

  w64(gpa: number, lo: number, hi = 0): void {
    const o = this.b.apply({ op: 'write', gpa, size: 8, value: { lo: lo >>> 0, hi: hi >>> 0 } });
    if (o.outcome !== 'ok') throw new Error(`write at ${gpa.toString(16)}: ${o.outcome}`);
  }

  w32(gpa: number, v: number): void {
    const o = this.b.apply({ op: 'write', gpa, size: 4, value: { lo: v >>> 0, hi: 0 } });
    if (o.outcome !== 'ok') throw new Error(`write at ${gpa.toString(16)}: ${o.outcome}`);
  }

  r64(gpa: number): U64 {
    const o = this.b.apply({ op: 'read', gpa, size: 8 });
    if (o.value === undefined) throw new Error(`read at ${gpa.toString(16)}: ${o.outcome}`);
    return o.value;
  }

  access(gva: number | U64, kind: AccessKind = 'read', cpl: 0 | 1 | 2 | 3 = 0, implicit = false): Observation {
    return this.b.apply({ op: 'access', gva: toU64(gva), kind, cpl, implicit });
  }

  gvaToGpa(gva: number | U64, kind: AccessKind = 'read', cpl: 0 | 1 | 2 | 3 = 0, implicit = false): Observation {
    return this.b.apply({ op: 'gva_to_gpa', gva: toU64(gva), kind, cpl, implicit });
  }
}

function toU64(v: number | U64): U64 {
  return typeof v === 'number' ? { lo: v >>> 0, hi: Math.floor(v / 0x1_0000_0000) >>> 0 } : v;
}

/** A page fault's (error code) or a translation's (gpa/level) essentials, for compact expectations. */
export function brief(o: Observation): string {
  if (o.outcome === 'page_fault') return `#PF ${o.errorCode!.toString(16)}`;
  if (o.outcome === 'ok' || o.outcome === 'mmio') {
    return `${o.outcome} ${o.gpa === undefined ? '' : o.gpa.toString(16)}${o.level === undefined ? '' : ' L' + o.level}`.trim();
  }
  return o.outcome;
}
