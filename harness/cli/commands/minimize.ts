// `mmufuzz minimize <finding-dir|scenario.json>`: shrinks a diverging scenario to a few ops with
// the same divergence signature. A finding directory gets minimized.json and meta.json's
// `minimized` field; a scenario file gets --out (default <name>.min.json beside it).
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../campaign/atomic-write.js';
import { MinimizeError, minimizeScenario, type MinimizeResult } from '../../minimize/minimize.js';
import { isFindingDir, readFindingDir, type FindingDir } from '../../regressions/finding-dir.js';
import { scenarioFileText } from '../../regressions/scenario-file-text.js';
import { scenarioToJson } from '../../scenario/encode.js';
import { loadScenarioFile } from '../../scenario/parse.js';
import { renderScenario } from '../../scenario/print.js';
import type { Scenario } from '../../scenario/scenario.js';
import { chooseBackends } from '../backend-choice.js';
import { EXIT_CLEAN, EXIT_USAGE, UsageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { DEFAULT_BACKENDS } from '../options.js';
import { numberArg, stringArg, type CommandSpec } from './command.js';

/** Default time budget of one minimization, seconds. */
export const DEFAULT_MINIMIZE_SECONDS = 60;

export interface MinimizeCommandOptions {
  readonly target: string;
  readonly backends: string;
  readonly mutant?: string;
  readonly seconds: number;
  readonly out?: string;
  readonly json: boolean;
  /** Milliseconds from a fixed origin (default performance.now): tests inject one. */
  readonly clock?: () => number;
}

export const minimizeCommand: CommandSpec = {
  command: 'minimize <target>',
  describe: 'Shrink a finding (or a scenario file) to a few ops with the same divergence signature',
  options: ['backends', 'mutant', 'time', 'json', 'out'],
  examples: [
    ['$0 minimize findings/3f2a9c01d4-ad-access', 'writes minimized.json into the finding'],
    ['$0 minimize crash.json --mutant dirty-on-nonleaf --out small.json', 'a scenario file, against a mutant'],
  ],
  run: (args, io) => {
    const mutant = stringArg(args, 'mutant');
    const out = stringArg(args, 'out');
    const seconds = numberArg(args, 'time') ?? DEFAULT_MINIMIZE_SECONDS;
    return minimizeTarget(
      {
        target: stringArg(args, 'target')!,
        backends: stringArg(args, 'backends') ?? DEFAULT_BACKENDS,
        ...(mutant !== undefined ? { mutant } : {}),
        ...(out !== undefined ? { out } : {}),
        seconds,
        json: args.json === true,
      },
      io,
    );
  },
};

/** Minimizes a finding directory or a scenario file; returns the exit code. */
export function minimizeTarget(opts: MinimizeCommandOptions, io: CliIo): number {
  if (!(opts.seconds > 0)) throw new UsageError(`--time: expected a positive number of seconds, got ${opts.seconds}`);
  const finding = isFindingDir(opts.target) ? readFindingDir(opts.target) : undefined;
  if (finding !== undefined && opts.out !== undefined) {
    throw new UsageError('--out applies to scenario files; a finding directory gets minimized.json');
  }
  const scenario = loadScenarioFile(finding?.scenarioPath ?? opts.target);
  // A finding replays on the backends and mutant it was found with, unless told otherwise.
  const backends = finding !== undefined && opts.backends === DEFAULT_BACKENDS ? finding.backends.join(',') : opts.backends;
  const mutant = opts.mutant ?? finding?.mutant;
  const choice = chooseBackends(backends, mutant);

  let result: MinimizeResult;
  try {
    result = minimizeScenario(scenario, {
      backends: choice.factories,
      ...(finding !== undefined ? { signature: finding.signature } : {}),
      timeLimitMs: opts.seconds * 1000,
      ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
    });
  } catch (e) {
    if (!(e instanceof MinimizeError)) throw e;
    const on = `${choice.names.join(', ')}${mutant !== undefined ? ` (refactored = mutant ${mutant})` : ''}`;
    io.stderr(`mmufuzz: ${finding?.scenarioPath ?? opts.target}: ${e.message} (backends ${on})\n`);
    return EXIT_USAGE;
  }

  const minimized = describeMinimized(scenario, result);
  const outPath = finding !== undefined ? finding.minimizedPath : (opts.out ?? defaultOutPath(opts.target));
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileAtomic(outPath, scenarioFileText(scenarioToJson(minimized)));
  if (finding !== undefined) recordInMeta(finding, result);

  if (opts.json) {
    io.stdout(JSON.stringify(summaryJson(opts.target, outPath, result, minimized)) + '\n');
  } else {
    io.stdout(summaryText(opts.target, outPath, result) + renderScenario(minimized) + '\n');
  }
  return EXIT_CLEAN;
}

/** `x.json` -> `x.min.json` beside it (`x` -> `x.min.json`). */
export function defaultOutPath(file: string): string {
  const name = basename(file).replace(/\.json$/i, '');
  return join(dirname(file), `${name}.min.json`);
}

/** The minimized scenario keeps its name; its description says where it came from. */
function describeMinimized(original: Scenario, r: MinimizeResult): Scenario {
  const from = original.description === undefined ? '' : ` Original: ${original.description}`;
  return {
    ...r.scenario,
    description: `${r.divergence.signature}: minimized by mmufuzz from ${r.beforeOps} to ${r.afterOps} ops.${from}`,
  };
}

/** meta.json's `minimized` field, every other field as it was. */
function recordInMeta(f: FindingDir, r: MinimizeResult): void {
  // Re-read: a running campaign may have bumped the hit count since we started.
  let meta = f.meta;
  try {
    const now: unknown = JSON.parse(readFileSync(f.metaPath, 'utf8'));
    if (now !== null && typeof now === 'object' && !Array.isArray(now)) meta = now as Record<string, unknown>;
  } catch {
    // Unreadable now: rewrite what we read at the start.
  }
  const minimized = { beforeOps: r.beforeOps, afterOps: r.afterOps, oracleCalls: r.oracleCalls, oneMinimal: r.oneMinimal };
  writeFileAtomic(f.metaPath, JSON.stringify({ ...meta, minimized }, null, 2) + '\n');
}

function summaryText(target: string, outPath: string, r: MinimizeResult): string {
  const minimality = r.oneMinimal
    ? '1-minimal (removing any single op loses the signature)'
    : r.complete
      ? 'not 1-minimal'
      : 'stopped by the budget before the end: not checked for 1-minimality';
  return [
    `minimized ${target}: ${r.beforeOps} -> ${r.afterOps} ops`,
    `  oracle calls ${r.oracleCalls} (${r.cacheHits} more answered from the memo), ${(r.elapsedMs / 1000).toFixed(2)} s`,
    `  ${minimality}`,
    `  signature ${r.divergence.signature}`,
    `  wrote ${outPath}`,
    '',
  ].join('\n');
}

function summaryJson(target: string, outPath: string, r: MinimizeResult, minimized: Scenario): object {
  return {
    target,
    out: outPath,
    signature: r.divergence.signature,
    beforeOps: r.beforeOps,
    afterOps: r.afterOps,
    oracleCalls: r.oracleCalls,
    cacheHits: r.cacheHits,
    elapsedMs: Math.round(r.elapsedMs),
    oneMinimal: r.oneMinimal,
    complete: r.complete,
    scenario: scenarioToJson(minimized),
  };
}
