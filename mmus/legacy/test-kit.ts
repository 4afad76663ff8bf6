// Test support for the legacy model's tests: compact builders for configs and operations.
// Pure helpers (no vitest, no model logic); expected values stay in the tests, written by hand.
import type { AccessKind, Backend, Config, CpuFeature, MemslotFlag, Observation, Op, Reg, U64 } from '../backend.js';
import type { MemslotSpec } from '../memory/memslot.js';
import { legacyBackend } from './index.js';

export const MB = 0x100000;

export interface ConfigOptions {
  tdp?: 'ept' | 'npt';
  eptAd?: boolean;
  maxphyaddr?: number;
  features?: CpuFeature[];
  memslots?: MemslotSpec[];
}

/** Default: Intel EPT with A/D, M = 46, every feature, one 64 MiB slot at gpa 0. */
export function config(o: ConfigOptions = {}): Config {
  return {
    cpu: {
      maxphyaddr: o.maxphyaddr ?? 46,
      features: new Set(o.features ?? ['nx', 'pse36', 'gbpages', 'smep', 'smap', 'pku', 'pcid', 'la57']),
    },
    host: { tdp: o.tdp ?? 'ept', eptAd: o.eptAd ?? true, mbec: false },
    memslots: o.memslots ?? [{ slot: 0, gpa: 0, size: 64 * MB, flags: [] }],
  };
}

/** A 64-bit value from a number (< 2^53) or a bigint. */
export function q(v: number | bigint): U64 {
  const b = BigInt(v);
  return { lo: Number(b & 0xffffffffn), hi: Number((b >> 32n) & 0xffffffffn) };
}

export const op = {
  write: (gpa: number, value: number | bigint, size: 1 | 2 | 4 | 8 = 8): Op => ({ op: 'write', gpa, value: q(value), size }),
  read: (gpa: number, size: 1 | 2 | 4 | 8 = 8): Op => ({ op: 'read', gpa, size }),
  access: (gva: number | bigint, kind: AccessKind = 'read', cpl: 0 | 1 | 2 | 3 = 0, implicit = false): Op => ({
    op: 'access',
    gva: q(gva),
    kind,
    cpl,
    implicit,
  }),
  g2g: (gva: number | bigint, kind: AccessKind = 'read', cpl: 0 | 1 | 2 | 3 = 0, implicit = false): Op => ({
    op: 'gva_to_gpa',
    gva: q(gva),
    kind,
    cpl,
    implicit,
  }),
  set: (reg: Reg, value: number | bigint): Op => ({ op: 'set', reg, value: q(value) }),
  invlpg: (gva: number | bigint): Op => ({ op: 'invlpg', gva: q(gva) }),
  invpcid: (type: number, pcid: number, gva: number | bigint = 0): Op => ({ op: 'invpcid', type, pcid, gva: q(gva) }),
  memslot: (action: 'add' | 'delete' | 'move' | 'flags', slot: number, gpa = 0, size = 0, flags: MemslotFlag[] = []): Op => ({
    op: 'memslot',
    action,
    slot,
    gpa,
    size,
    flags,
  }),
};

/** A legacy backend plus a one-call `run` for a list of ops. */
export class Vm {
  readonly backend: Backend;
  constructor(c: Config = config()) {
    this.backend = legacyBackend.create(c);
  }
  apply(o: Op): Observation {
    return this.backend.apply(o);
  }
  run(ops: readonly Op[]): Observation[] {
    return ops.map((o) => this.backend.apply(o));
  }
  /** Applies ops and fails loudly if any one of them did not come back ok. */
  ok(ops: readonly Op[]): void {
    ops.forEach((o, i) => {
      const obs = this.backend.apply(o);
      if (obs.outcome !== 'ok') throw new Error(`setup op ${i} (${o.op}) gave ${obs.outcome}`);
    });
  }
}

// Register values used by many tests.
export const CR0_PE_PG = 0x80000001;
export const CR0_PE_PG_WP = 0x80010001;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const EFER_LME = 1 << 8;
export const EFER_NXE = 1 << 11;
