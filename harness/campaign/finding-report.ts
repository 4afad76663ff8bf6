// report.txt of a finding: the side-by-side divergence report (or what hung), the replay command,
// where the scenario came from, and, once minimized, the minimized report and its replay command.
import { join } from 'node:path';
import type { Provenance } from '../engines/engine.js';
import { renderReplayHint } from '../engines/property-replay.js';
import { renderDivergence } from '../oracle/report.js';
import { renderOp } from '../scenario/print.js';
import type { FindingInput } from './findings.js';
import type { MinimizedInfo } from './minimize-job.js';

/** Separates the minimized section, which is rewritten when a smaller scenario arrives. */
export const MINIMIZED_MARK = '== Minimized';

/** The command that replays a stored scenario. */
export function replayCommand(scenarioPath: string, backends: readonly string[], mutant?: string | null): string {
  const mutantArg = mutant === undefined || mutant === null ? '' : ` --mutant ${mutant}`;
  return `mmufuzz replay ${scenarioPath} --backends ${backends.join(',')}${mutantArg}`;
}

/** One paragraph: how to rebuild the scenario from its engine's provenance. */
export function describeProvenance(p: Provenance, version: string, backends?: readonly string[], mutant?: string): string {
  switch (p.engine) {
    case 'random':
      return (
        `Found by the seeded random generator: seed ${JSON.stringify(p.seed)}, scenario ${p.index ?? '?'}` +
        `${p.mode !== undefined ? `, target mode ${p.mode}` : ''}${p.mutators !== undefined ? `, mutators ${p.mutators.join(',')}` : ''}, mmufuzz ${version}.`
      );
    case 'property':
      return (
        `Found by the property engine (fast-check): campaign seed ${JSON.stringify(p.seed)}, fast-check seed ${p.fcSeed ?? '?'}, path ${JSON.stringify(p.fcPath ?? '')}, mmufuzz ${version}.` +
        (p.fcSeed !== undefined && p.fcPath !== undefined
          ? `\nRe-run the fast-check case exactly (add --host if the campaign fixed it):\n  ${renderReplayHint(p, { ...(backends !== undefined ? { backends } : {}), ...(mutant !== undefined ? { mutant } : {}) })}`
          : '')
      );
    case 'coverage':
      return `Found by the coverage engine (jsfuzz): campaign seed ${JSON.stringify(p.seed)}, input ${p.input ?? '?'}, mmufuzz ${version}.`;
  }
}

export function findingReport(dir: string, f: FindingInput, backends: readonly string[], mutant: string | undefined, version: string): string {
  const head =
    f.result !== null && f.result.divergence !== null
      ? renderDivergence(f.result, f.scenario).trimEnd()
      : hangReport(f);
  return [
    head,
    '',
    'Replay:',
    `  ${replayCommand(join(dir, 'scenario.json'), backends, mutant)}`,
    '',
    describeProvenance(f.provenance, version, backends, mutant),
  ].join('\n') + '\n';
}

function hangReport(f: FindingInput): string {
  const h = f.hang;
  if (h === undefined) return '(no divergence)';
  const op = h.opIndex < 0 ? 'create()' : `op ${h.opIndex}: ${renderOp(f.scenario.ops[h.opIndex]!, { maxphyaddr: f.scenario.config.cpu.maxphyaddr })}`;
  return [
    `hang: backend ${h.backend} did not return from ${op} within ${h.timeoutMs} ms`,
    `  the worker was terminated and restarted; the campaign went on`,
    `  signature:  ${f.signature}`,
  ].join('\n');
}

/** The report with its minimized section replaced (or added). */
export function withMinimizedSection(report: string, dir: string, info: MinimizedInfo, minimizedReport: string, backends: readonly string[], mutant: string | null): string {
  const at = report.indexOf(`\n${MINIMIZED_MARK}`);
  const base = at < 0 ? report.trimEnd() : report.slice(0, at).trimEnd();
  const by = info.by === 'engine' ? 'by the engine' : `in ${info.oracleCalls} oracle runs, ${info.elapsedMs} ms`;
  const quality = info.oneMinimal ? '1-minimal' : info.complete ? 'not 1-minimal' : 'stopped by its time budget';
  return [
    base,
    '',
    `${MINIMIZED_MARK}: ${info.beforeOps} -> ${info.afterOps} ops (${by}; ${quality})`,
    minimizedReport.trimEnd(),
    '',
    'Replay:',
    `  ${replayCommand(join(dir, 'minimized.json'), backends, mutant)}`,
  ].join('\n') + '\n';
}
