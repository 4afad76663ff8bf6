// Replays a finding's repro scenario for the report, so it shows the side-by-side divergence as the
// models behave today (and says so when a stored finding no longer reproduces).
import { UnsupportedConfigError, type BackendFactory } from '../../mmus/backend.js';
import { getBackend, UnknownBackendError } from '../../mmus/registry.js';
import { runOracle } from '../oracle/oracle.js';
import { renderDivergence } from '../oracle/report.js';
import type { Scenario } from '../scenario/scenario.js';
import type { ReportFinding } from './model.js';

/** Classes the report does not replay: a hang would stall the report itself. */
const NOT_REPLAYED = new Set(['hang']);

export function replayForReport(
  scenario: Scenario,
  finding: { readonly signature: string; readonly class: string; readonly backends: readonly string[]; readonly mutant: string | null },
): ReportFinding['replay'] {
  if (NOT_REPLAYED.has(finding.class)) {
    return { reproduces: false, signatureNow: null, index: null, text: `not replayed by the report (class ${finding.class}); see report.txt in the finding directory\n` };
  }
  let factories: BackendFactory[];
  try {
    factories = finding.backends.map((name) => getBackend(name, finding.mutant ?? undefined));
  } catch (e) {
    if (e instanceof UnknownBackendError) return { reproduces: false, signatureNow: null, index: null, text: `cannot replay: ${e.message}\n` };
    throw e;
  }
  try {
    const result = runOracle(scenario, factories);
    const d = result.divergence;
    if (d === null) return { reproduces: false, signatureNow: null, index: null, text: 'no divergence when replayed now (fixed since, or the stored scenario is not the one that diverged)\n' };
    const text = renderDivergence(result, scenario);
    if (d.signature !== finding.signature) {
      return { reproduces: false, signatureNow: d.signature, index: d.index, text: `replayed now with another signature (${d.signature}):\n${text}` };
    }
    return { reproduces: true, signatureNow: d.signature, index: d.index, text };
  } catch (e) {
    if (e instanceof UnsupportedConfigError) return { reproduces: false, signatureNow: null, index: null, text: `cannot replay: ${e.message}\n` };
    throw e;
  }
}

/** The command line that replays a repro file. */
export function replayCommandFor(file: string, backends: readonly string[], mutant: string | null): string {
  return `mmufuzz replay ${shellWord(file)} --backends ${backends.join(',')}${mutant === null ? '' : ` --mutant ${shellWord(mutant)}`}`;
}

/** A word a POSIX shell reads back as itself: quoted only when it needs to be. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
