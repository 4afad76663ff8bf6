// The text of a scenario file written by `minimize` and `export-test`: format-1 JSON laid out for
// reading and review diffs, config entries and each op on one line (the seed corpus's layout).
import type { ScenarioJson } from '../scenario/json-types.js';

/** One JSON value on one line, with a space after each colon and comma. */
function oneLine(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(oneLine).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

function list(items: readonly unknown[], indent: string): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((x) => indent + '  ' + oneLine(x)).join(',\n')}\n${indent}]`;
}

/** The document as text, ending with a newline; JSON.parse gives the document back. */
export function scenarioFileText(doc: ScenarioJson): string {
  const lines: string[] = [];
  lines.push(`  "format": ${JSON.stringify(doc.format)}`);
  if (doc.name !== undefined) lines.push(`  "name": ${JSON.stringify(doc.name)}`);
  if (doc.description !== undefined) lines.push(`  "description": ${JSON.stringify(doc.description)}`);
  const c = doc.config;
  lines.push(
    [
      '  "config": {',
      `    "cpu": ${oneLine(c.cpu)},`,
      `    "host": ${oneLine(c.host)},`,
      `    "memslots": ${list(c.memslots, '    ')}`,
      '  }',
    ].join('\n'),
  );
  lines.push(`  "ops": ${list(doc.ops, '  ')}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}
