// The text view of a replay: each op, then every backend's observation of it, then the verdict.
import type { Scenario } from '../scenario/scenario.js';
import { renderObservation, renderOp } from '../scenario/print.js';
import type { OracleResult } from '../oracle/oracle.js';
import { renderDivergence } from '../oracle/report.js';

/**
 * One block per op (`#i  <op>` then one indented line per backend, or a single `all:` line
 * when every backend observed the same), up to the op where the
 * oracle stopped, then the divergence report or "all agree". Ends without a newline.
 */
export function renderReplay(file: string, scenario: Scenario, result: OracleResult): string {
  const names = Object.keys(result.observations);
  const d = result.divergence;
  const ran = d === null ? scenario.ops.length : Math.max(0, d.index + 1);
  const opWidth = String(Math.max(0, scenario.ops.length - 1)).length + 1;
  const nameWidth = Math.max(...names.map((n) => n.length)) + 1;
  const opts = { maxphyaddr: scenario.config.cpu.maxphyaddr };
  const title = scenario.name === undefined ? '' : ` "${scenario.name}"`;
  const lines = [`== ${file}${title}: ${scenario.ops.length} ops, backends ${names.join(', ')}`];
  for (let i = 0; i < ran; i++) {
    lines.push(`${`#${i}`.padEnd(opWidth)}  ${renderOp(scenario.ops[i], opts)}`);
    // A check's digest block continues under the observation's column.
    const under = `\n${' '.repeat(opWidth + 4 + nameWidth + 1)}`;
    const texts = names.map((name) => {
      const o = result.observations[name][i];
      return o === undefined ? '(no observation: see the report below)' : renderObservation(o).split('\n').join(under);
    });
    // Identical observations (most writes, reads, register loads) take one line, not one per backend.
    if (names.length > 1 && texts.every((t) => t === texts[0])) {
      lines.push(`${' '.repeat(opWidth)}    ${'all:'.padEnd(nameWidth)} ${texts[0]}`);
    } else {
      names.forEach((name, k) => lines.push(`${' '.repeat(opWidth)}    ${`${name}:`.padEnd(nameWidth)} ${texts[k]}`));
    }
  }
  if (d === null) {
    lines.push(`all agree (${scenario.ops.length} ops)`);
  } else {
    if (ran < scenario.ops.length) lines.push(`(ops ${ran}..${scenario.ops.length - 1} not run: the oracle stops at the first divergence)`);
    lines.push(renderDivergence(result, scenario, names).trimEnd());
  }
  return lines.join('\n');
}
