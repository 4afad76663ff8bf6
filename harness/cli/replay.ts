// `mmufuzz replay`: run scenario files on the chosen backends and show where they disagree.
import { UnsupportedConfigError } from '../../mmus/backend.js';
import { observationToJson } from '../scenario/encode.js';
import { ScenarioError } from '../scenario/errors.js';
import { listScenarioFiles, loadScenarioFile } from '../scenario/parse.js';
import type { Scenario } from '../scenario/scenario.js';
import { runOracle, type OracleResult } from '../oracle/oracle.js';
import { divergenceToJson } from '../oracle/report.js';
import { chooseBackends } from './backend-choice.js';
import { EXIT_CLEAN, EXIT_DIVERGENCE } from './exit-codes.js';
import type { CliIo } from './io.js';
import { renderReplay } from './replay-view.js';

export interface ReplayOptions {
  /** Files and directories (expanded to the *.json files under them). */
  readonly paths: readonly string[];
  readonly backends: string;
  readonly mutant?: string;
  readonly json: boolean;
}

/** One scenario's replay: what the JSON line and the text view are made from. */
export interface ReplayResult {
  readonly file: string;
  readonly scenario: Scenario;
  readonly result: OracleResult;
}

/**
 * Loads every file first (a malformed one stops everything with a ScenarioError before any
 * scenario runs), then replays each. Returns 1 if any scenario diverged, else 0.
 */
export function replay(opts: ReplayOptions, io: CliIo): number {
  const choice = chooseBackends(opts.backends, opts.mutant);
  const files = listScenarioFiles(opts.paths);
  const loaded = files.map((file) => ({ file, scenario: loadScenarioFile(file) }));
  let diverged = 0;
  for (const [k, { file, scenario }] of loaded.entries()) {
    const r: ReplayResult = { file, scenario, result: runScenario(file, scenario, choice.factories) };
    if (r.result.divergence !== null) diverged++;
    if (opts.json) io.stdout(replayJsonLine(r) + '\n');
    else io.stdout((k > 0 ? '\n' : '') + renderReplay(r.file, r.scenario, r.result) + '\n');
  }
  if (!opts.json && loaded.length > 1) {
    io.stdout(`${loaded.length} scenarios, ${diverged} diverged\n`);
  }
  return diverged > 0 ? EXIT_DIVERGENCE : EXIT_CLEAN;
}

function runScenario(file: string, scenario: Scenario, factories: Parameters<typeof runOracle>[1]): OracleResult {
  try {
    return runOracle(scenario, factories);
  } catch (e) {
    // A config a backend refuses is a problem with the input file, not with mmufuzz.
    if (e instanceof UnsupportedConfigError) throw new ScenarioError(file, '/config', `a config every backend supports: ${e.message}`);
    throw e;
  }
}

/** `{"file": ..., "backends": {"legacy": [observation, ...], ...}, "divergence": null | {...}}`. */
export function replayJsonLine(r: ReplayResult): string {
  const backends: Record<string, object[]> = {};
  for (const [name, list] of Object.entries(r.result.observations)) {
    backends[name] = list.map((o, i) => observationToJson(o, i));
  }
  const d = r.result.divergence;
  return JSON.stringify({ file: r.file, backends, divergence: d === null ? null : divergenceToJson(d) });
}
