// Test helper for the table-driven SDM tests: one row = one page-table layout, one CPU setup and
// one access, with the outcome a reader of the SDM expects. buildWalkRow() turns a row into ops
// (tables, paging on, the access twice: gva_to_gpa then access); checkWalkRow() states what the
// last two observations must be. The expectations live in the rows, never in a model.
import type { AccessKind, Config, CpuFeature, Observation, Op } from '../backend.js';
import { CR4_PKE, CR4_PSE, CR4_SMAP, CR4_SMEP, RFLAGS_AC, RFLAGS_FIXED } from '../x86/bits.js';
import { u64FromBigInt, u64ToHex } from '../x86/u64.js';
import { makeConfig, SLOT0 } from './config.js';
import { access, gvaToGpa, setReg } from './ops.js';
import { enablePaging } from './paging-setup.js';
import { PageTables, type PagingMode, type Wide } from './page-tables.js';

/** Page tables are built from here up. */
export const ROW_ROOT = 0x10000;
/** The mapped data page (aligned for every page size up to 4 MiB). */
export const ROW_DATA = 0x400000;
/** The address every row accesses: below 4 GiB (so 32-bit and PAE reach it) and in PDPTE 0. */
export const ROW_GVA = 0x12345678;

export interface WalkRow {
  readonly name: string;
  readonly mode?: PagingMode; // default long4
  /**
   * Only this host (vendor); default: the row runs on ept, npt and none (shadow paging) — but
   * not on none when it uses protection keys, which KVM hides without TDP.
   */
  readonly tdp?: 'ept' | 'npt' | 'none';
  readonly maxphyaddr?: number; // default 46
  readonly without?: readonly CpuFeature[];
  readonly wp?: boolean; // CR0.WP, default true
  readonly nxe?: boolean;
  readonly pse?: boolean;
  readonly smep?: boolean;
  readonly smap?: boolean;
  readonly pke?: boolean;
  readonly ac?: boolean; // RFLAGS.AC
  readonly pkru?: number; // needs pke
  /** Leaf entry bits (page-tables.ts entryBits spec); default 'P W U'. */
  readonly leaf?: string;
  /** Leaf level (1 = 4 KiB); default 1. */
  readonly level?: number;
  /** Non-leaf entry bits per level; unlisted levels get 'P W U' ('P' for a PAE PDPTE). */
  readonly tables?: Readonly<Record<number, string>>;
  /** Frame the leaf maps, default ROW_DATA. */
  readonly frame?: Wide;
  /** Expected page base of the translation when leaf bits change it; default `frame`. */
  readonly translatesTo?: Wide;
  /** Ops after paging is on, before the access. */
  readonly then?: readonly Op[];
  readonly kind: AccessKind;
  readonly cpl: 0 | 1 | 2 | 3;
  readonly implicit?: boolean;
  /** 'ok', or the #PF error code. */
  readonly expect: 'ok' | number;
}

export type RowHost = 'ept' | 'npt' | 'none';

export function rowHosts(row: WalkRow): RowHost[] {
  if (row.tdp !== undefined) return [row.tdp];
  return row.pke === true || row.pkru !== undefined ? ['ept', 'npt'] : ['ept', 'npt', 'none'];
}

export function rowConfig(row: WalkRow, tdp: RowHost): Config {
  return makeConfig({ tdp, maxphyaddr: row.maxphyaddr ?? 46, without: row.without ?? [], memslots: [SLOT0] });
}

const PAGE_SPAN: Readonly<Record<PagingMode, readonly bigint[]>> = {
  '32bit': [0n, 1n << 12n, 1n << 22n],
  pae: [0n, 1n << 12n, 1n << 21n],
  long4: [0n, 1n << 12n, 1n << 21n, 1n << 30n],
  long5: [0n, 1n << 12n, 1n << 21n, 1n << 30n],
};

export function buildWalkRow(row: WalkRow): Op[] {
  const mode = row.mode ?? 'long4';
  const pt = new PageTables(mode, ROW_ROOT, ROW_ROOT + 0x1000);
  const ops: Op[] = pt.map(ROW_GVA & ~0xfff, BigInt(row.frame ?? ROW_DATA), {
    level: row.level ?? 1,
    leaf: row.leaf ?? 'P W U',
    tables: row.tables ?? {},
  });
  const cr4 =
    (row.pse ? CR4_PSE : 0) | (row.smep ? CR4_SMEP : 0) | (row.smap ? CR4_SMAP : 0) | (row.pke ? CR4_PKE : 0);
  ops.push(...enablePaging(mode, { cr3: ROW_ROOT, cr4, nxe: row.nxe ?? false, wp: row.wp ?? true }));
  if (row.ac) ops.push(setReg('rflags', RFLAGS_AC | RFLAGS_FIXED));
  if (row.pkru !== undefined) ops.push(setReg('pkru', row.pkru));
  ops.push(...(row.then ?? []));
  ops.push(gvaToGpa(ROW_GVA, row.kind, row.cpl, row.implicit ?? false));
  ops.push(access(ROW_GVA, row.kind, row.cpl, row.implicit ?? false));
  return ops;
}

/** The parts of an observation a row pins down, in a form vitest prints readably on mismatch. */
export interface RowResult {
  outcome: string;
  gpa?: string;
  errorCode?: string;
  address?: string;
}

/** Expected [gva_to_gpa, access] results of a row. */
export function expectedRowResults(row: WalkRow): [RowResult, RowResult] {
  if (row.expect !== 'ok') {
    const fault: RowResult = {
      outcome: 'page_fault',
      errorCode: '0x' + row.expect.toString(16),
      address: '0x' + ROW_GVA.toString(16),
    };
    return [fault, fault];
  }
  const mode = row.mode ?? 'long4';
  const span = PAGE_SPAN[mode][row.level ?? 1];
  const gpa = BigInt(row.translatesTo ?? row.frame ?? ROW_DATA) + (BigInt(ROW_GVA) % span);
  const hex = '0x' + gpa.toString(16);
  const inSlot = gpa < BigInt(SLOT0.size);
  return [
    { outcome: 'ok', gpa: hex },
    { outcome: inSlot ? 'ok' : 'mmio', gpa: hex },
  ];
}

/** Projects an observation onto what expectedRowResults() states. */
export function rowResult(o: Observation): RowResult {
  const r: RowResult = { outcome: o.outcome };
  if (o.outcome === 'page_fault') {
    r.errorCode = '0x' + (o.errorCode ?? -1).toString(16);
    r.address = o.address === undefined ? 'none' : u64ToHex(o.address);
  } else if (o.gpa !== undefined) {
    r.gpa = u64ToHex(u64FromBigInt(BigInt(o.gpa)));
  }
  return r;
}
