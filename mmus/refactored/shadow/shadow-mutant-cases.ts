// Test support: one short hand-built shadow-paging scenario per shadow-path mutant, with the
// observation the faithful model gives and the one the mutant gives (checked by
// shadow-mutants.test.ts; the catalogue test in ../mutants.test.ts requires a case per mutant).
import type { Backend, Op } from '../../backend.js';
import type { ConfigOptions } from '../../testing/config.js';
import { invlpg, invpcid, memslot } from '../../testing/ops.js';
import { access, apply, brief, ev, guest, setReg, write } from './shadow-test-kit.js';

export interface ShadowMutantCase {
  readonly config?: Omit<ConfigOptions, 'tdp' | 'eptAd'>;
  /** Runs the scenario and returns the part of the observations that differs. */
  readonly scenario: (b: Backend) => unknown;
  readonly faithful: unknown;
  readonly mutant: unknown;
}

const CR4_PAE = 0x20;
const CR4_PCIDE = 0x20000;
const CR4_SMEP = 0x100000;
const EFER_LME = 0x100;
const EFER_NXE = 0x800;
const NOFLUSH = 1n << 63n;

/**
 * Guest A (4-level, CR3 0x10000): gva 0x400000 -> 0x200000 through PT 0x13000, and gva 0x402000
 * -> the PT itself. A read maps 0x400000, a write through 0x402000 makes PT 0x13 unsync, then
 * the guest silently repoints the 0x400000 gpte at 0x202000 (leaf bits given).
 */
function unsyncedGuestA(b: Backend, opts: { leaf?: string; newPte?: bigint; pcid?: boolean } = {}): void {
  const g = guest('long4', [
    [0x400000, 0x200000, { leaf: opts.leaf ?? 'P W U' }],
    [0x402000, 0x13000],
  ], { nxe: true });
  apply(b, g.ops);
  if (opts.pcid === true) apply(b, [setReg('cr4', CR4_PAE | CR4_PCIDE), setReg('cr3', 0x10001)]);
  apply(b, [access(0x400000, 'read', 0), access(0x402000, 'write', 0), write(0x13000, opts.newPte ?? 0x202067n)]);
}

/** Guest B: an empty 4-level table at 0x20000 (nothing mapped). */
const CR3_B = 0x20002;

const pcidSetupThenNoflushBackToA = (between: Op[]) => (b: Backend) => {
  unsyncedGuestA(b, { pcid: true });
  apply(b, [setReg('cr3', CR3_B), ...between]);
  return ev(b.apply(setReg('cr3', BigInt(0x10001) | NOFLUSH)));
};

/** The 4-level guest with just gva 0x400000 -> 0x200000 (leaf spec), paging on. */
function simpleGuest(b: Backend, leaf = 'P W U', s: { wp?: boolean; cr4?: number } = {}): void {
  apply(b, guest('long4', [[0x400000, 0x200000, { leaf }], [0x401000, 0x201000]], { nxe: true, ...s }).ops);
}

export const SHADOW_MUTANT_CASES: Record<string, ShadowMutantCase> = {
  'shadow-root-from-ngpa-walk': {
    scenario: (b) => ev(apply(b, guest('long4', [[0x400000, 0x200000]], { nxe: true }).ops).at(-1)!),
    faithful: ['sp 0x10 l4 0x6f04'],
    mutant: [],
  },
  'sp-hash-ignores-cr0-wp': {
    scenario: (b) => {
      simpleGuest(b, 'P W U', { wp: false });
      apply(b, [access(0x400000, 'read', 0)]);
      return ev(b.apply(setReg('cr0', 0x80010011)));
    },
    faithful: ['sp 0x10 l4 0x6f04'],
    mutant: [],
  },
  'sp-hash-ignores-quadrant': {
    scenario: (b) => ev(apply(b, guest('32bit', [[0x400000, 0x200000]]).ops).at(-1)!),
    faithful: ['sp 0x10 l2 0x6f12', 'sp 0x10 l2 0x6f32', 'sp 0x10 l2 0x6f52', 'sp 0x10 l2 0x6f72'],
    mutant: ['sp 0x10 l2 0x6f12'],
  },
  'prev-roots-kept-on-reset': {
    scenario: pcidSetupThenNoflushBackToA([setReg('efer', EFER_LME), setReg('efer', EFER_LME | EFER_NXE)]),
    faithful: ['wrprot 0x13', 'flush remote', 'sync 0x13 0x6f01', 'zap 0x200 l1 0x6f01 sync'],
    mutant: [],
  },
  'invalidate-pcid-keeps-prev-roots': {
    scenario: pcidSetupThenNoflushBackToA([invpcid(1, 1)]),
    faithful: ['wrprot 0x13', 'flush remote', 'sync 0x13 0x6f01', 'zap 0x200 l1 0x6f01 sync'],
    mutant: [],
  },
  'unsync-upper-level': {
    scenario: (b) => {
      simpleGuest(b);
      apply(b, [access(0x400000, 'read', 0)]);
      // Rewrite the PDE for 0x400000 (PD 0x12000, index 2) with its own value.
      return ev(b.apply(write(0x12010, 0x13027n)));
    },
    faithful: ['zap 0x13 l2 0x6f02 pte_write', 'flush remote'],
    mutant: ['unsync 0x12 0x6f02'],
  },
  'flood-count-never-reset': {
    scenario: (b) => {
      simpleGuest(b);
      apply(b, [access(0x400000, 'read', 0), write(0x12100, 0), write(0x12108, 0), access(0x401000, 'read', 0)]);
      return ev(b.apply(write(0x12110, 0)));
    },
    faithful: [],
    mutant: ['zap_sp 0x12 l2 0x6f02 flood', 'flush remote'],
  },
  'wp0-trick-keeps-user': {
    scenario: (b) => {
      simpleGuest(b, 'P U', { wp: false });
      apply(b, [access(0x400000, 'write', 0)]);
      return brief(b.apply(access(0x400000, 'write', 3)));
    },
    faithful: { outcome: 'page_fault', errorCode: 7 },
    mutant: { outcome: 'ok', gpa: 0x200000, level: 1 },
  },
  'wp0-trick-keeps-exec': {
    scenario: (b) => {
      simpleGuest(b, 'P U', { wp: false, cr4: CR4_SMEP });
      apply(b, [access(0x400000, 'write', 0)]);
      return brief(b.apply(access(0x400000, 'fetch', 0)));
    },
    faithful: { outcome: 'page_fault', errorCode: 0x11 },
    mutant: { outcome: 'ok', gpa: 0x200000, level: 1 },
  },
  'mmio-generation-ignored': {
    scenario: (b) => {
      apply(b, guest('long4', [[0x400000, 0x5000000]], { nxe: true }).ops);
      b.apply(access(0x400000, 'read', 0));
      // A memslot added elsewhere bumps the generation: the MMIO SPTE is stale and must fault
      // into KVM again (a fresh walk that re-installs it), not answer by itself.
      apply(b, [memslot('add', 1, { gpa: 0x6000000, size: 0x1000 })]);
      const o = b.apply(access(0x400000, 'read', 0));
      return [brief(o).outcome, ...ev(o)];
    },
    faithful: ['mmio', 'mmio_spte 0x5000'],
    mutant: ['mmio'],
  },
  'dirty-log-no-wrprot': {
    scenario: (b) => {
      simpleGuest(b);
      apply(b, [access(0x400000, 'write', 0)]);
      return ev(b.apply(memslot('flags', 0, { flags: ['dirty_log'] })));
    },
    faithful: ['wrprot 0x200', 'flush remote'],
    mutant: [],
  },
  'invlpg-skips-prev-roots': {
    scenario: (b) => {
      unsyncedGuestA(b);
      apply(b, [setReg('cr3', 0x20000)]);
      return ev(b.apply(invlpg(0x400000)));
    },
    faithful: ['flush gva 0x400000', 'zap 0x200 l1 0x6f01 sync', 'flush remote'],
    mutant: ['flush gva 0x400000'],
  },
  'sync-spte-makes-writable': {
    scenario: (b) => {
      // gva 0x400000 maps the PT 0x13000 itself read-only; a write through 0x402000 makes the
      // PT unsync, then its gpte 0 gains W. A sync may not make a shadowed gfn writable.
      apply(b, guest('long4', [[0x400000, 0x13000, { leaf: 'P U D' }], [0x402000, 0x13000]], { nxe: true }).ops);
      apply(b, [access(0x400000, 'read', 0), access(0x402000, 'write', 0), write(0x13000, 0x13067n)]);
      return ev(b.apply(invlpg(0x400000)));
    },
    faithful: ['flush gva 0x400000'],
    mutant: ['flush gva 0x400000', 'map 0x13 0x1:0x13067'],
  },
  'noflush-cr3-syncs': {
    scenario: (b) => {
      unsyncedGuestA(b, { pcid: true });
      return ev(b.apply(setReg('cr3', BigInt(0x10001) | NOFLUSH)));
    },
    faithful: [],
    mutant: ['flush current', 'wrprot 0x13', 'flush remote', 'sync 0x13 0x6f01', 'zap 0x200 l1 0x6f01 sync'],
  },
  'misaligned-off-by-one': {
    scenario: (b) => {
      simpleGuest(b);
      apply(b, [access(0x400000, 'read', 0)]);
      return ev(b.apply(write(0x12010, 0x13027n)));
    },
    faithful: ['zap 0x13 l2 0x6f02 pte_write', 'flush remote'],
    mutant: ['zap_sp 0x12 l2 0x6f02 misaligned', 'flush remote'],
  },
};

