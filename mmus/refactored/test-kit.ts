// Helpers for the refactored model's tests: configs, op builders and small page-table setups.
// Expected values in tests are written by hand; these only save typing.
import type { AccessKind, Backend, BackendFactory, Config, CpuFeature, MemslotAction, MemslotFlag, Observation, Op, Reg } from '../backend.js';
import { u64FromBigInt, type U64 } from '../x86/u64.js';
import { refactoredBackend, refactoredMutantBackend } from './index.js';

export interface TestConfig {
  tdp?: 'ept' | 'npt';
  maxphyaddr?: number;
  features?: CpuFeature[];
  eptAd?: boolean;
  memslots?: { slot: number; gpa: number; size: number; flags?: MemslotFlag[] }[];
}

export const ALL_FEATURES: CpuFeature[] = ['nx', 'pse36', 'gbpages', 'smep', 'smap', 'pku', 'pcid', 'la57'];

export function config(t: TestConfig = {}): Config {
  return {
    cpu: { maxphyaddr: t.maxphyaddr ?? 46, features: new Set(t.features ?? ALL_FEATURES) },
    host: { tdp: t.tdp ?? 'ept', eptAd: t.eptAd ?? true, mbec: false },
    memslots: (t.memslots ?? [{ slot: 0, gpa: 0, size: 0x1000000 }]).map((s) => ({ ...s, flags: s.flags ?? [] })),
  };
}

export function backend(t: TestConfig = {}, mutant?: string): Backend {
  const f: BackendFactory = mutant === undefined ? refactoredBackend : refactoredMutantBackend(mutant);
  return f.create(config(t));
}

export function u(v: bigint | number): U64 {
  return u64FromBigInt(BigInt(v));
}

export const op = {
  w8: (gpa: number, value: bigint | number): Op => ({ op: 'write', gpa, value: u(value), size: 8 }),
  w4: (gpa: number, value: number): Op => ({ op: 'write', gpa, value: u(value), size: 4 }),
  read: (gpa: number, size: 1 | 2 | 4 | 8 = 8): Op => ({ op: 'read', gpa, size }),
  set: (reg: Reg, value: bigint | number): Op => ({ op: 'set', reg, value: u(value) }),
  acc: (gva: bigint | number, kind: AccessKind = 'read', cpl: 0 | 1 | 2 | 3 = 0, implicit = false): Op => ({ op: 'access', gva: u(gva), kind, cpl, implicit }),
  g2g: (gva: bigint | number, kind: AccessKind = 'read', cpl: 0 | 1 | 2 | 3 = 0, implicit = false): Op => ({ op: 'gva_to_gpa', gva: u(gva), kind, cpl, implicit }),
  invlpg: (gva: bigint | number): Op => ({ op: 'invlpg', gva: u(gva) }),
  invpcid: (type: number, pcid: number, gva: bigint | number = 0): Op => ({ op: 'invpcid', type, pcid, gva: u(gva) }),
  slot: (action: MemslotAction, slot: number, gpa = 0, size = 0, flags: MemslotFlag[] = []): Op => ({ op: 'memslot', action, slot, gpa, size, flags }),
};

/** Applies ops and returns every observation. */
export function run(b: Backend, ops: readonly Op[]): Observation[] {
  return ops.map((o) => b.apply(o));
}

/** Applies ops, requiring each to be ok (setup steps); returns the last observation. */
export function setup(b: Backend, ops: readonly Op[]): Observation | undefined {
  let last: Observation | undefined;
  for (const o of ops) {
    last = b.apply(o);
    if (last.outcome !== 'ok') throw new Error(`setup op ${JSON.stringify(o)} gave ${last.outcome}`);
  }
  return last;
}

/** The set_ad events of an observation as [gpa, value] pairs (value as bigint). */
export function adEvents(o: Observation): [number, bigint][] {
  return o.events.filter((e) => e.type === 'set_ad').map((e) => {
    if (e.type !== 'set_ad') throw new Error('unreachable');
    return [e.gpa, (BigInt(e.value.hi) << 32n) | BigInt(e.value.lo)];
  });
}

/** Summarizes an observation for compact expectations. */
export function brief(o: Observation): Record<string, unknown> {
  const r: Record<string, unknown> = { outcome: o.outcome };
  if (o.gpa !== undefined) r.gpa = o.gpa;
  if (o.level !== undefined) r.level = o.level;
  if (o.errorCode !== undefined) r.errorCode = o.errorCode;
  return r;
}

/** Flush events as scope strings (gva flushes as 'gva:0x...'). */
export function flushes(o: Observation): string[] {
  return o.events.flatMap((e) => {
    if (e.type !== 'flush') return [];
    return [e.scope === 'gva' && e.gva ? `gva:0x${((BigInt(e.gva.hi) << 32n) | BigInt(e.gva.lo)).toString(16)}` : e.scope];
  });
}

// Register values used by the setups.
export const CR0_PE_PG = 0x80000001;
export const CR0_PE_PG_WP = 0x80010001;
export const EFER_LME = 0x100;
export const EFER_NXE = 0x800;
export const CR4_PSE = 0x10;
export const CR4_PAE = 0x20;
export const CR4_LA57 = 0x1000;
export const CR4_SMEP = 0x100000;
export const CR4_SMAP = 0x200000;
export const CR4_PKE = 0x400000;

/** Enters 4-level paging with CR3 = 0x1000, EFER.NXE on, CR0.WP as given (tables written later). */
export function enter4Level(b: Backend, opts: { wp?: boolean; nx?: boolean; cr4?: number } = {}): void {
  setup(b, [
    op.set('efer', EFER_LME | (opts.nx === false ? 0 : EFER_NXE)),
    op.set('cr4', CR4_PAE | (opts.cr4 ?? 0)),
    op.set('cr3', 0x1000),
    op.set('cr0', opts.wp === false ? CR0_PE_PG : CR0_PE_PG_WP),
  ]);
}

/**
 * 4-level tables mapping GVA 0x40201000 -> GPA 0x5000: PML4 0x1000, PDPT 0x2000, PD 0x3000,
 * PT 0x4000, index 0/1/1/1. `leaf` is the PTE (default P|RW|US to 0x5000), `upper` the flags of
 * the three upper entries (default P|RW|US).
 */
export function tables4(leaf: bigint | number = 0x5007, upper = 0x7): Op[] {
  return [op.w8(0x1000, 0x2000 | upper), op.w8(0x2008, 0x3000 | upper), op.w8(0x3008, 0x4000 | upper), op.w8(0x4008, leaf)];
}
