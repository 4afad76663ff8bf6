// Hand-built scenarios for the minimizer tests: a bug's recipe buried in ops it does not need.
import { parseScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/scenario.js';

const CONFIG = {
  cpu: { maxphyaddr: 46, features: ['nx', 'smep', 'smap'] },
  host: { tdp: 'ept', ept_ad: true },
  memslots: [
    { slot: 0, gpa: '0x0', size: '0x400000' },
    { slot: 1, gpa: '0x1000000', size: '0x100000', flags: ['dirty_log'] },
  ],
};

const w8 = (gpa: string, value: string) => ({ op: 'write', gpa, value, size: 8 });
const set = (reg: string, value: string) => ({ op: 'set', reg, value });
const acc = (gva: string, kind: string, cpl: number, implicit = false) => ({ op: 'access', gva, kind, cpl, ...(implicit ? { implicit } : {}) });

/** 4-level tables at 0x10000.. mapping gva 0x400000 -> 0x200000 (user, writable) and 0x401000 (user, read-only). */
const TABLES = [
  w8('0x10000', '0x11007'),
  w8('0x11000', '0x12007'),
  w8('0x12010', '0x13007'),
  w8('0x13000', '0x8000000000200107'),
  w8('0x13008', '0x201105'),
];
const LONG_MODE = [set('cr3', '0x10000'), set('cr4', '0x300020'), set('efer', '0x900'), set('cr0', '0x80010031')];
const NOISE = [
  w8('0x30000', '0xdeadbeef'),
  { op: 'read', gpa: '0x13000', size: 8 },
  acc('0x401000', 'read', 0),
  { op: 'invlpg', gva: '0x401000' },
  set('pkru', '0xc'),
  { op: 'memslot', action: 'flags', slot: 1, flags: [] },
];

function scenario(name: string, ops: object[]): Scenario {
  return parseScenario({ format: 'mmufuzz.scenario/1', name, config: CONFIG, ops }, `${name}.json`);
}

/**
 * A read sets A on every level; the write after it sets D on the leaf only, except with the
 * dirty-on-nonleaf mutant (D on every level): 20 ops, the bug needs a handful.
 */
export const DIRTY_ON_NONLEAF = scenario('dirty-on-nonleaf', [
  ...TABLES,
  ...NOISE.slice(0, 2),
  ...LONG_MODE,
  acc('0x400abc', 'read', 3),
  ...NOISE.slice(2),
  acc('0x400abc', 'write', 3),
  acc('0x400000', 'read', 0),
  { op: 'read', gpa: '0x10000', size: 8 },
]);

/**
 * With CR0.WP=0 a user write to a read-only user page still faults, except with the
 * wp0-write-term-applies-to-user mutant. The PTE carries many bits the bug does not need.
 */
export const WP0_USER_WRITE = scenario('wp0-user-write', [
  ...TABLES,
  w8('0x13008', '0x8000000000201f65'),
  ...NOISE,
  ...LONG_MODE,
  set('cr0', '0x80000031'),
  acc('0x401ff8', 'read', 3),
  acc('0x401ff8', 'write', 3),
  acc('0x400000', 'write', 3),
]);

/** Agrees on every backend, mutant or not: nothing to minimize. */
export const AGREEING = scenario('agreeing', [...TABLES, ...LONG_MODE, acc('0x400000', 'read', 3)]);
