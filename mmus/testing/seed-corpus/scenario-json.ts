// The text of a seed scenario's corpus file: format-1 JSON laid out for reading (one op per line).
// mmus/ cannot use harness/scenario/encode.ts, so this is a small independent encoder;
// harness/corpus.test.ts parses every file it writes with the harness's own parser.
import { CPU_FEATURES, type Config, type Op } from '../../backend.js';
import { u64FromNumber, u64ToHex } from '../../x86/u64.js';
import type { SeedScenario } from './seed-scenario.js';

const numHex = (n: number) => u64ToHex(u64FromNumber(n));

type Flat = Record<string, string | number | boolean | readonly string[]>;

/** One flat object on one line: {"op": "write", "gpa": "0x1000", ...}. */
function line(o: Flat): string {
  const parts = Object.entries(o).map(([k, v]) => {
    const text = Array.isArray(v) ? `[${v.map((s) => JSON.stringify(s)).join(', ')}]` : JSON.stringify(v);
    return `${JSON.stringify(k)}: ${text}`;
  });
  return `{${parts.join(', ')}}`;
}

function opFields(op: Op): Flat {
  switch (op.op) {
    case 'write':
      return { op: op.op, gpa: numHex(op.gpa), value: u64ToHex(op.value), size: op.size };
    case 'read':
      return { op: op.op, gpa: numHex(op.gpa), size: op.size };
    case 'access':
    case 'gva_to_gpa':
      return { op: op.op, gva: u64ToHex(op.gva), kind: op.kind, cpl: op.cpl, ...(op.implicit ? { implicit: true } : {}) };
    case 'set':
      return { op: op.op, reg: op.reg, value: u64ToHex(op.value) };
    case 'invlpg':
      return { op: op.op, gva: u64ToHex(op.gva) };
    case 'invpcid':
      return { op: op.op, type: op.type, pcid: op.pcid, gva: u64ToHex(op.gva) };
    case 'memslot':
      switch (op.action) {
        case 'add':
          return { op: op.op, action: op.action, slot: op.slot, gpa: numHex(op.gpa), size: numHex(op.size), flags: op.flags };
        case 'move':
          return { op: op.op, action: op.action, slot: op.slot, gpa: numHex(op.gpa) };
        case 'flags':
          return { op: op.op, action: op.action, slot: op.slot, flags: op.flags };
        case 'delete':
          return { op: op.op, action: op.action, slot: op.slot };
      }
    // eslint-disable-next-line no-fallthrough -- every action returns above
    case 'check':
      return { op: op.op };
  }
}

function configLines(c: Config): string[] {
  const features = CPU_FEATURES.filter((f) => c.cpu.features.has(f));
  return [
    '  "config": {',
    `    "cpu": ${line({ maxphyaddr: c.cpu.maxphyaddr, features })},`,
    `    "host": ${line({ tdp: c.host.tdp, ept_ad: c.host.eptAd, mbec: c.host.mbec })},`,
    '    "memslots": [',
    c.memslots
      .map((m) => '      ' + line({ slot: m.slot, gpa: numHex(m.gpa), size: numHex(m.size), flags: m.flags }))
      .join(',\n'),
    '    ]',
    '  },',
  ];
}

export function seedScenarioText(s: SeedScenario): string {
  return [
    '{',
    '  "format": "mmufuzz.scenario/1",',
    `  "name": ${JSON.stringify(s.name)},`,
    `  "description": ${JSON.stringify(s.description)},`,
    ...configLines(s.config),
    '  "ops": [',
    s.ops.map((op) => '    ' + line(opFields(op))).join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
