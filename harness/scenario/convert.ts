// Schema-valid JSON document -> parsed Scenario, with the checks a JSON Schema cannot state
// (address ranges, alignment, overlapping memslots, features not supported yet). Runs only after
// schema-check.ts has accepted the document, so shapes and enums are already right here.
import type { Config, MemslotSpec, Op } from '../../mmus/backend.js';
import { u64FromHex, u64ToNumber, type U64 } from '../../mmus/x86/u64.js';
import { childPointer, ScenarioError } from './errors.js';
import type { ConfigJson, Hex, MemslotJson, OpJson, ScenarioJson } from './json-types.js';
import { SCENARIO_FORMAT, type Scenario } from './scenario.js';

const PAGE = 0x1000;
/** Guest-physical quantities are JS numbers in the parsed form: exact below 2^53, MAXPHYADDR <= 52. */
const GPA_BITS_MAX = 52;

/** Converts a document that passed the schema; throws ScenarioError on a semantic error. */
export function scenarioFromJson(doc: ScenarioJson, file: string): Scenario {
  const fail = (path: string, expected: string): never => {
    throw new ScenarioError(file, path, expected);
  };
  const config = configFromJson(doc.config, fail);
  const ops = doc.ops.map((op, i) => opFromJson(op, childPointer('/ops', i), config, fail));
  return {
    format: SCENARIO_FORMAT,
    ...(doc.name !== undefined ? { name: doc.name } : {}),
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    config,
    ops,
  };
}

type Fail = (path: string, expected: string) => never;

function configFromJson(c: ConfigJson, fail: Fail): Config {
  if (c.host.tdp === 'none' && c.host.ept_ad === true) {
    fail('/config/host/ept_ad', 'false or absent with tdp "none" (shadow paging has no EPT), got true');
  }
  if (c.host.mbec === true) {
    fail('/config/host/mbec', 'false (EPT mode-based execute control, mbec, is not supported yet), got true');
  }
  const maxphyaddr = c.cpu.maxphyaddr;
  const memslots = c.memslots.map((m, i) => memslotFromJson(m, childPointer('/config/memslots', i), maxphyaddr, fail));
  checkDisjoint(memslots, fail);
  return {
    cpu: { maxphyaddr, features: new Set(c.cpu.features) },
    host: { tdp: c.host.tdp, eptAd: c.host.tdp === 'none' ? false : (c.host.ept_ad ?? true), mbec: c.host.mbec ?? false },
    memslots,
  };
}

function memslotFromJson(m: MemslotJson, at: string, maxphyaddr: number, fail: Fail): MemslotSpec {
  const gpa = gpaBelow(m.gpa, childPointer(at, 'gpa'), maxphyaddr, fail);
  const size = sizeBelow52(m.size, childPointer(at, 'size'), fail);
  if (gpa % PAGE !== 0) fail(childPointer(at, 'gpa'), `a multiple of 0x1000 (4 KiB pages), got ${m.gpa}`);
  if (size === 0 || size % PAGE !== 0) {
    fail(childPointer(at, 'size'), `a non-zero multiple of 0x1000 (4 KiB pages), got ${m.size}`);
  }
  checkEnd(gpa, size, childPointer(at, 'size'), m.size, maxphyaddr, fail);
  return { slot: m.slot, gpa, size, flags: [...(m.flags ?? [])] };
}

/** KVM refuses overlapping slots and reused ids; a config that has them describes no VM. */
function checkDisjoint(slots: readonly MemslotSpec[], fail: Fail): void {
  for (let j = 0; j < slots.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = slots[i];
      const b = slots[j];
      if (a.slot === b.slot) {
        fail(
          `/config/memslots/${j}/slot`,
          `a slot id used by no other memslot, got ${b.slot} (also at /config/memslots/${i}/slot)`,
        );
      }
      if (b.gpa < a.gpa + a.size && a.gpa < b.gpa + b.size) {
        fail(
          `/config/memslots/${j}/gpa`,
          `a range that overlaps no other memslot, got [${hex(b.gpa)}, ${hex(b.gpa + b.size)}) ` +
            `which overlaps /config/memslots/${i} [${hex(a.gpa)}, ${hex(a.gpa + a.size)})`,
        );
      }
    }
  }
}

function opFromJson(op: OpJson, at: string, config: Config, fail: Fail): Op {
  const m = config.cpu.maxphyaddr;
  const field = (name: string) => childPointer(at, name);
  switch (op.op) {
    case 'write': {
      const gpa = accessGpa(op.gpa, op.size, field('gpa'), m, fail);
      const value = hex64(op.value);
      if (!fitsIn(value, op.size)) {
        const max = op.size === 8 ? '' : ` (at most 0x${'ff'.repeat(op.size)})`;
        fail(field('value'), `a value that fits in ${op.size} byte${op.size === 1 ? '' : 's'}${max}, got ${op.value}`);
      }
      return { op: 'write', gpa, value, size: op.size };
    }
    case 'read':
      return { op: 'read', gpa: accessGpa(op.gpa, op.size, field('gpa'), m, fail), size: op.size };
    case 'access':
    case 'gva_to_gpa':
      return { op: op.op, gva: hex64(op.gva), kind: op.kind, cpl: op.cpl, implicit: op.implicit ?? false };
    case 'set':
      return { op: 'set', reg: op.reg, value: hex64(op.value) };
    case 'invlpg':
      return { op: 'invlpg', gva: hex64(op.gva) };
    case 'invpcid':
      return { op: 'invpcid', type: op.type, pcid: op.pcid, gva: hex64(op.gva) };
    case 'memslot': {
      // Misaligned, empty or overlapping slots stay expressible: KVM refuses them (outcome
      // `rejected`), and that refusal is behaviour worth testing. Only addresses the guest
      // cannot have are refused here.
      const gpa = op.gpa === undefined ? 0 : gpaBelow(op.gpa, field('gpa'), m, fail);
      const size = op.size === undefined ? 0 : sizeBelow52(op.size, field('size'), fail);
      if (op.size !== undefined) checkEnd(gpa, size, field('size'), op.size, m, fail);
      return { op: 'memslot', action: op.action, slot: op.slot, gpa, size, flags: [...(op.flags ?? [])] };
    }
    case 'check':
      return { op: 'check' };
  }
}

/** A schema-valid hex string as U64 (the schema guarantees the spelling). */
function hex64(s: Hex): U64 {
  return u64FromHex(s) as U64;
}

function fitsIn(v: U64, size: 1 | 2 | 4 | 8): boolean {
  if (size === 8) return true;
  return v.hi === 0 && (size === 4 || v.lo < 2 ** (8 * size));
}

function below52(s: Hex, path: string, what: string, fail: Fail): number {
  const v = hex64(s);
  if (v.hi >= 2 ** (GPA_BITS_MAX - 32)) fail(path, `${what} below 2^52 = 0x10000000000000, got ${s}`);
  return u64ToNumber(v);
}

function sizeBelow52(s: Hex, path: string, fail: Fail): number {
  return below52(s, path, 'a size', fail);
}

function gpaBelow(s: Hex, path: string, maxphyaddr: number, fail: Fail): number {
  const gpa = below52(s, path, 'a guest-physical address', fail);
  if (gpa >= 2 ** maxphyaddr) {
    fail(path, `a guest-physical address below 2^${maxphyaddr} = ${hex(2 ** maxphyaddr)} (cpu.maxphyaddr), got ${s}`);
  }
  return gpa;
}

function accessGpa(s: Hex, size: number, path: string, maxphyaddr: number, fail: Fail): number {
  const gpa = gpaBelow(s, path, maxphyaddr, fail);
  if (gpa % size !== 0) fail(path, `an address aligned to the access size ${size}, got ${s}`);
  return gpa;
}

function checkEnd(gpa: number, size: number, path: string, sizeHex: Hex, maxphyaddr: number, fail: Fail): void {
  const limit = 2 ** maxphyaddr;
  if (gpa + size > limit) {
    fail(
      path,
      `a size that ends the slot at or below 2^${maxphyaddr} = ${hex(limit)} (cpu.maxphyaddr), ` +
        `got ${sizeHex} (ends at ${hex(gpa + size)})`,
    );
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
