// Human and JSON renderings of a divergence: the side-by-side report and the JSON line.
import type { MmuEvent, U64, VcpuState } from '../../mmus/backend.js';
import { u64ToHex } from '../../mmus/x86/u64.js';
import type { Scenario } from '../scenario/scenario.js';
import { eventToJson, opToJson, vcpuStateToJson } from '../scenario/encode.js';
import { renderEvent, renderObservation, renderOp } from '../scenario/print.js';
import { decodeRole } from '../scenario/role-names.js';
import type { Divergence, OracleResult } from './divergence.js';
import { modeBits } from './mode.js';

/** How many ops before the diverging one the report shows for context. */
const CONTEXT_OPS = 3;

/**
 * A readable report of the first divergence: the op, every backend's observation side by side,
 * the differing field with both values, the vCPU state and the signature. With only a Divergence
 * (no result/scenario) the observations and preceding ops are left out.
 */
export function renderDivergence(d: Divergence): string;
export function renderDivergence(result: OracleResult, scenario: Scenario, backendNames?: readonly string[]): string;
export function renderDivergence(
  arg: OracleResult | Divergence,
  scenario?: Scenario,
  backendNames?: readonly string[],
): string {
  const result = 'observations' in arg ? arg : undefined;
  const d = result === undefined ? (arg as Divergence) : result.divergence;
  if (d === null) return 'no divergence\n';
  const names = backendNames ?? (result ? Object.keys(result.observations) : [...new Set(d.backends)]);
  const width = Math.max(10, ...names.map((n) => n.length + 1), d.field.length + 1);
  const pad = (s: string): string => s.padEnd(width);
  const lines: string[] = [];
  const opts = scenario ? { maxphyaddr: scenario.config.cpu.maxphyaddr } : {};
  const where = d.index < 0 ? 'backend creation' : `op ${d.index}${scenario ? ` of ${scenario.ops.length}` : ''}`;
  lines.push(`divergence at ${where}: ${d.class} (field ${d.field}) between ${d.backends[0]} and ${d.backends[1]}`);
  if (scenario !== undefined && d.index > 0) {
    for (let i = Math.max(0, d.index - CONTEXT_OPS); i < d.index; i++) lines.push(`  ${pad(`#${i}`)} ${renderOp(scenario.ops[i], opts)}`);
  }
  if (d.index >= 0) lines.push(`> ${pad(`#${d.index}`)} ${renderOp(d.op, opts)}`);
  if (result !== undefined && d.index >= 0) {
    for (const name of names) {
      const o = result.observations[name]?.[d.index];
      lines.push(`  ${pad(`${name}:`)} ${o === undefined ? describeMissing(d, name) : renderObservation(o, { digest: 'summary' })}`);
    }
  }
  if (d.class === 'digest') {
    // Digest lines are long: the first differing line of each side, one under the other.
    const w = Math.max(d.backends[0].length, d.backends[1].length);
    lines.push(`  ${pad(`${d.field}:`)} ${d.backends[0].padEnd(w)}  ${formatValue(d.field, d.values[0])}`);
    lines.push(`  ${pad('')} ${d.backends[1].padEnd(w)}  ${formatValue(d.field, d.values[1])}`);
  } else {
    lines.push(`  ${pad(`${d.field}:`)} ${d.backends[0]}=${formatValue(d.field, d.values[0])}  ${d.backends[1]}=${formatValue(d.field, d.values[1])}`);
  }
  if (d.message !== undefined) lines.push(`  ${pad('message:')} ${d.message}`);
  if (d.stack !== undefined) {
    const frames = d.stack.split('\n').filter((l) => /^\s*at /.test(l)).slice(0, 5);
    for (const f of frames) lines.push(`  ${pad('')} ${f.trim()}`);
  }
  lines.push(`  ${pad('mode:')} ${d.mode} [${modeBits(d.state)}]  ${renderState(d.state)}`);
  lines.push(`  ${pad('signature:')} ${d.signature}`);
  return lines.join('\n') + '\n';
}

function describeMissing(d: Divergence, name: string): string {
  return d.class === 'crash' && d.message?.startsWith(`${name} threw`) ? d.message : '(no observation)';
}

/** CR0/CR3/CR4/EFER (plus PKRU and RFLAGS when they matter) in hex. */
export function renderState(s: VcpuState): string {
  const hex = (n: number): string => '0x' + (n >>> 0).toString(16);
  let out = `CR0=${hex(s.cr0)} CR3=${u64ToHex(s.cr3)} CR4=${hex(s.cr4)} EFER=${hex(s.efer)}`;
  if (s.pkru !== 0) out += ` PKRU=${hex(s.pkru)}`;
  if (s.rflags !== 2) out += ` RFLAGS=${hex(s.rflags)}`;
  return out;
}

function isU64(v: unknown): v is U64 {
  return typeof v === 'object' && v !== null && 'lo' in v && 'hi' in v && Object.keys(v).length === 2;
}

function isEvent(v: unknown): v is MmuEvent {
  return typeof v === 'object' && v !== null && 'type' in v;
}

/** Fields whose numbers are counts or small enumerations, shown in decimal; the rest are addresses. */
function isDecimalField(field: string): boolean {
  return /(^|\.)(level|length)$/.test(field);
}

function formatValue(field: string, v: unknown): string {
  if (v === undefined) return '(absent)';
  if (isU64(v)) return u64ToHex(v);
  if (isEvent(v)) return renderEvent(v);
  if (typeof v === 'number' && /(^|\.)role$/.test(field)) return `0x${(v >>> 0).toString(16)} (${decodeRole(v)})`;
  if (typeof v === 'number') return isDecimalField(field) ? String(v) : '0x' + v.toString(16);
  // A digest difference is the first differing line of each side: quoted, it reads apart.
  if (field === 'digest' && typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function valueToJson(field: string, v: unknown): unknown {
  if (v === undefined) return null;
  if (isU64(v)) return u64ToHex(v);
  if (isEvent(v)) return eventToJson(v);
  if (typeof v === 'number' && /(^|\.)role$/.test(field)) return '0x' + (v >>> 0).toString(16);
  if (typeof v === 'number' && !isDecimalField(field)) return '0x' + v.toString(16);
  return v;
}

/** The divergence as a JSON object (64-bit values and addresses as hex strings). */
export function divergenceToJson(d: Divergence): object {
  return {
    index: d.index,
    op: opToJson(d.op),
    class: d.class,
    field: d.field,
    backends: [d.backends[0], d.backends[1]],
    values: [valueToJson(d.field, d.values[0]), valueToJson(d.field, d.values[1])],
    mode: d.mode,
    modeBits: modeBits(d.state),
    state: vcpuStateToJson(d.state),
    signature: d.signature,
    ...(d.message !== undefined ? { message: d.message } : {}),
  };
}
