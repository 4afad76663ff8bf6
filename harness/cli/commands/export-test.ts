// `mmufuzz export-test <finding-dir>`: turns a finding (its minimized scenario when there is one)
// into a curated regression, corpus/regressions/<name>.json. harness/regressions/regressions.test.ts
// replays every such file in `npm test`: the three backends must agree, and a finding made against
// a mutant must still be caught by it (passes on the fixed models, fails on the planted bug).
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { getBackend } from '../../../mmus/registry.js';
import { writeFileAtomic } from '../../campaign/atomic-write.js';
import { runOracle } from '../../oracle/oracle.js';
import { describeProvenance, readFindingDir, type FindingDir } from '../../regressions/finding-dir.js';
import { REGRESSION_BACKENDS, regressionDescription, type MutantExpectation } from '../../regressions/regression-file.js';
import { scenarioFileText } from '../../regressions/scenario-file-text.js';
import { scenarioToJson } from '../../scenario/encode.js';
import { loadScenarioFile } from '../../scenario/parse.js';
import { chooseBackends } from '../backend-choice.js';
import { EXIT_CLEAN, UsageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { stringArg, type CommandSpec } from './command.js';

export const DEFAULT_REGRESSIONS_DIR = join('corpus', 'regressions');
/** The test file that replays corpus/regressions/ (named in the printed command). */
export const REGRESSIONS_TEST = 'harness/regressions/regressions.test.ts';

export interface ExportTestOptions {
  readonly finding: string;
  readonly name?: string;
  readonly dir: string;
}

export const exportTestCommand: CommandSpec = {
  command: 'export-test <finding>',
  describe: 'Copy a finding (minimized if it was) into corpus/regressions/ as a regression test',
  options: ['name', 'dir'],
  examples: [['$0 export-test findings/3f2a9c01d4-ad-access --name dirty-bit-on-pde', 'writes corpus/regressions/dirty-bit-on-pde.json']],
  run: (args, io) => {
    const name = stringArg(args, 'name');
    return exportTest(
      {
        finding: stringArg(args, 'finding')!,
        dir: stringArg(args, 'dir') ?? DEFAULT_REGRESSIONS_DIR,
        ...(name !== undefined ? { name } : {}),
      },
      io,
    );
  },
};

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** A file name from the finding: the mutant's name, else the signature made readable. */
export function defaultRegressionName(f: FindingDir): string {
  const base = f.mutant ?? f.signature;
  return base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

export function exportTest(opts: ExportTestOptions, io: CliIo): number {
  const finding = readFindingDir(opts.finding);
  const name = opts.name ?? defaultRegressionName(finding);
  if (!NAME.test(name)) throw new UsageError(`--name: expected lower-case letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  const path = join(opts.dir, `${name}.json`);
  if (existsSync(path)) throw new UsageError(`${path} already exists: pick another --name`);
  const source = existsSync(finding.minimizedPath) ? finding.minimizedPath : finding.scenarioPath;
  const scenario = loadScenarioFile(source);

  const expect = mutantExpectation(finding, scenario);
  const description = regressionDescription({
    signature: finding.signature,
    foundBy: `${describeProvenance(finding)} Exported from ${source === finding.minimizedPath ? 'its minimized scenario' : 'its scenario (not minimized)'}.`,
    ...(expect !== undefined ? { expect } : {}),
  });
  const regression = { ...scenario, name, description };
  mkdirSync(opts.dir, { recursive: true });
  writeFileAtomic(path, scenarioFileText(scenarioToJson(regression)));

  const fixed = runOracle(regression, REGRESSION_BACKENDS.map((n) => getBackend(n)));
  const lines = [`wrote ${path} (${scenario.ops.length} ops, from ${source})`];
  if (expect !== undefined) lines.push(`  checks: ${REGRESSION_BACKENDS.join(', ')} agree; mutant ${expect.mutant} still diverges with ${expect.signature}`);
  else lines.push(`  checks: ${REGRESSION_BACKENDS.join(', ')} agree`);
  if (fixed.divergence !== null) {
    lines.push(`  note: the models disagree on it today (${fixed.divergence.signature}): the test fails until that is fixed`);
  }
  lines.push('run it with:', `  npx vitest run ${REGRESSIONS_TEST} -t ${JSON.stringify(name)}`);
  if (resolve(opts.dir).split(sep).slice(-2).join('/') === 'corpus/regressions') lines.push('  (npm test runs it too)');
  else lines.push(`  (that test replays corpus/regressions/ of the checkout: move ${relative(process.cwd(), path) || path} there)`);
  io.stdout(lines.join('\n') + '\n');
  return EXIT_CLEAN;
}

/** For a finding made against a mutant: the check that the mutant still diverges the same way. */
function mutantExpectation(f: FindingDir, scenario: Parameters<typeof runOracle>[0]): MutantExpectation | undefined {
  if (f.mutant === undefined) return undefined;
  const choice = chooseBackends(f.backends.join(','), f.mutant);
  const d = runOracle(scenario, choice.factories).divergence;
  if (d === null || d.signature !== f.signature) {
    throw new UsageError(
      `${f.dir}: the scenario no longer diverges with ${f.signature} against mutant ${f.mutant} (got ${d === null ? 'no divergence' : d.signature})`,
    );
  }
  return { mutant: f.mutant, backends: choice.names, signature: d.signature };
}
