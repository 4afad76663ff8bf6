// The human-readable form of scenarios, operations and observations (reports, minimizer output,
// `mmufuzz show`). One line per op; PTE stores and register writes carry their decoded meaning.
import { CPU_FEATURES, type MmuEvent, type Observation, type Op, type U64 } from '../../mmus/backend.js';
import { u64FromNumber, u64ToHex } from '../../mmus/x86/u64.js';
import { decodePte, decodePteHigh, decodeRegister } from './bit-names.js';
import { decodeRole } from './role-names.js';
import type { Scenario } from './scenario.js';

export interface RenderOptions {
  /** Guest MAXPHYADDR, to tell frame bits from reserved ones in PTE values (default 52). */
  readonly maxphyaddr?: number;
}

/** A header describing the config, then one numbered line per op. Ends without a newline. */
export function renderScenario(s: Scenario): string {
  const c = s.config;
  const lines: string[] = [];
  if (s.name !== undefined) lines.push(`scenario ${JSON.stringify(s.name)}`);
  if (s.description !== undefined) lines.push(`  ${s.description}`);
  lines.push(`format ${s.format}`);
  const features = CPU_FEATURES.filter((f) => c.cpu.features.has(f));
  lines.push(`cpu: maxphyaddr=${c.cpu.maxphyaddr} features=${features.length > 0 ? features.join(',') : '(none)'}`);
  lines.push(`host: tdp=${c.host.tdp} ept_ad=${c.host.eptAd} mbec=${c.host.mbec}`);
  for (const m of c.memslots) {
    const flags = m.flags.length > 0 ? ` ${m.flags.join(',')}` : '';
    lines.push(`memslot ${m.slot}: [${hex(m.gpa)}, ${hex(m.gpa + m.size)})${flags}`);
  }
  lines.push(`ops: ${s.ops.length}`);
  const width = String(Math.max(0, s.ops.length - 1)).length;
  s.ops.forEach((op, i) => {
    lines.push(`  ${String(i).padStart(width)}  ${renderOp(op, { maxphyaddr: c.cpu.maxphyaddr })}`);
  });
  return lines.join('\n');
}

/** One line, e.g. `write 0x1000 <- 0x8000000000002067 (8)  ; P RW US A D frame=0x2000 NX`. */
export function renderOp(op: Op, opts: RenderOptions = {}): string {
  switch (op.op) {
    case 'write': {
      const line = `write ${hex(op.gpa)} <- ${u64ToHex(op.value)} (${op.size})`;
      const meaning = op.size === 4 || op.size === 8 ? pteMeaning(op.gpa, op.value, op.size, opts) : '';
      return meaning === '' ? line : `${line}  ; ${meaning}`;
    }
    case 'read':
      return `read ${hex(op.gpa)} (${op.size})`;
    case 'access':
    case 'gva_to_gpa':
      return `${op.op} ${op.kind} gva=${u64ToHex(op.gva)} cpl=${op.cpl}${op.implicit ? ' implicit' : ''}`;
    case 'set': {
      const meaning = decodeRegister(op.reg, op.value);
      return `set ${op.reg} = ${u64ToHex(op.value)}${meaning === '' ? '' : ` (${meaning})`}`;
    }
    case 'invlpg':
      return `invlpg gva=${u64ToHex(op.gva)}`;
    case 'invpcid':
      return `invpcid type=${op.type} pcid=${op.pcid} gva=${u64ToHex(op.gva)}`;
    case 'memslot': {
      const flags = op.flags.length > 0 ? op.flags.join(',') : '(none)';
      switch (op.action) {
        case 'add':
          return `memslot add ${op.slot} gpa=${hex(op.gpa)} size=${hex(op.size)} flags=${flags}`;
        case 'move':
          return `memslot move ${op.slot} gpa=${hex(op.gpa)}`;
        case 'flags':
          return `memslot flags ${op.slot} flags=${flags}`;
        case 'delete':
          return `memslot delete ${op.slot}`;
      }
    }
    case 'check':
      return 'check';
  }
}

/** A 4-byte store at 4 mod 8 is either a 32-bit entry or the high half of a 64-bit one. */
function pteMeaning(gpa: number, value: U64, size: 4 | 8, opts: RenderOptions): string {
  const asEntry = decodePte(value, size, opts.maxphyaddr);
  if (size === 8 || gpa % 8 === 0) return asEntry;
  const asHigh = decodePteHigh(value.lo, opts.maxphyaddr);
  return asHigh === '' ? asEntry : `${asEntry} | as high half: ${asHigh}`;
}

export interface ObservationRenderOptions {
  /** `block` (default): the `check` digest as an indented block; `summary`: only `digest=<n> lines`. */
  readonly digest?: 'block' | 'summary';
}

/**
 * One line, e.g. `ok gpa=0x2000 hpa=0x100002000 level=1 | set_ad gpa=0x1000 value=0x27, flush guest`;
 * a `check` digest follows as an indented block, one line per digest line.
 */
export function renderObservation(o: Observation, opts: ObservationRenderOptions = {}): string {
  const parts: string[] = [o.outcome];
  if (o.gpa !== undefined) parts.push(`gpa=${hex(o.gpa)}`);
  if (o.hpa !== undefined) parts.push(`hpa=${hex(o.hpa)}`);
  if (o.level !== undefined) parts.push(`level=${o.level}`);
  if (o.value !== undefined) parts.push(`value=${u64ToHex(o.value)}`);
  if (o.errorCode !== undefined) parts.push(`error_code=${hex(o.errorCode)}`);
  if (o.address !== undefined) parts.push(`address=${u64ToHex(o.address)}`);
  if (o.to !== undefined) parts.push(`to=${o.to}`);
  const summary = opts.digest === 'summary' && o.digest !== undefined;
  if (summary) parts.push(`digest=${o.digest === '' ? 0 : o.digest!.split('\n').length} lines`);
  const line = parts.join(' ');
  const withEvents = o.events.length === 0 ? line : `${line} | ${o.events.map(renderEvent).join(', ')}`;
  // A TLB may also allow older translations: shown after the fresh result, each in brackets.
  const alternatives = o.alternatives ?? [];
  const line1 =
    alternatives.length === 0
      ? withEvents
      : `${withEvents} | also allowed: ${alternatives.map((a) => `[${renderObservation(a, opts)}]`).join(' ')}`;
  return o.digest === undefined || summary ? line1 : `${line1}\n${renderDigest(o.digest)}`;
}

/** A digest as an indented block under its observation (`digest:` then each line indented). */
export function renderDigest(digest: string, indent = '    '): string {
  const lines = digest === '' ? ['(empty)'] : digest.split('\n');
  return [`${indent}digest:`, ...lines.map((l) => `${indent}  ${l}`)].join('\n');
}

/** `role=0x...` followed by its decoded fields in parentheses. */
export function roleText(role: number): string {
  return `role=${hex(role >>> 0)} (${decodeRole(role)})`;
}

export function renderEvent(e: MmuEvent): string {
  switch (e.type) {
    case 'set_ad':
      return `set_ad gpa=${hex(e.gpa)} value=${u64ToHex(e.value)}`;
    case 'map':
      return `map gfn=${hex(e.gfn)} level=${e.level} spte=${u64ToHex(e.spte)}`;
    case 'zap':
      return `zap gfn=${hex(e.gfn)} level=${e.level} ${roleText(e.role)} reason=${e.reason}`;
    case 'sp':
      return `sp gfn=${hex(e.gfn)} level=${e.level} ${roleText(e.role)}`;
    case 'zap_sp':
      return `zap_sp gfn=${hex(e.gfn)} level=${e.level} ${roleText(e.role)} reason=${e.reason}`;
    case 'unsync':
      return `unsync gfn=${hex(e.gfn)} ${roleText(e.role)}`;
    case 'sync':
      return `sync gfn=${hex(e.gfn)} ${roleText(e.role)}`;
    case 'mmio_spte':
      return `mmio_spte gfn=${hex(e.gfn)}`;
    case 'wrprot':
      return `wrprot gfn=${hex(e.gfn)} level=${e.level}`;
    case 'dirty':
      return `dirty gfn=${hex(e.gfn)}`;
    case 'flush':
      return e.gva === undefined ? `flush ${e.scope}` : `flush ${e.scope} gva=${u64ToHex(e.gva)}`;
  }
}

function hex(n: number): string {
  return u64ToHex(u64FromNumber(n));
}
