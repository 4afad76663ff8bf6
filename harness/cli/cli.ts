// runCli: the whole command line in-process. Parses argv with yargs over the option table,
// runs one command, and maps what went wrong to an exit code and a message.
import yargs, { type Argv } from 'yargs';
import { UnknownBackendError } from '../../mmus/registry.js';
import { ScenarioError } from '../scenario/errors.js';
import { exportTestCommand } from './commands/export-test.js';
import { fuzzCommand } from './commands/fuzz.js';
import { mergeCommand } from './commands/merge.js';
import { minimizeCommand } from './commands/minimize.js';
import { mutantsCommand } from './commands/mutants.js';
import { replayCommand } from './commands/replay.js';
import { reportCommand } from './commands/report.js';
import { showCommand } from './commands/show.js';
import type { CliEnv, CommandSpec, ParsedArgs } from './commands/command.js';
import { EXIT_CLEAN, EXIT_HARNESS_BUG, EXIT_USAGE, UsageError } from './exit-codes.js';
import { processFuzzEnv } from './fuzz.js';
import type { CliIo } from './io.js';
import { OPTIONS } from './options.js';
import { mmufuzzVersion } from './version.js';

export { memoryIo, type CliIo } from './io.js';
export { EXIT_CLEAN, EXIT_DIVERGENCE, EXIT_HARNESS_BUG, EXIT_USAGE } from './exit-codes.js';

export const COMMANDS: readonly CommandSpec[] = [
  replayCommand,
  fuzzCommand,
  minimizeCommand,
  exportTestCommand,
  mergeCommand,
  reportCommand,
  showCommand,
  mutantsCommand,
];

const DEFAULT_ENV: CliEnv = { fuzzEnv: processFuzzEnv };

interface Parsed {
  readonly error?: Error;
  readonly output: string;
  readonly chosen?: { spec: CommandSpec; args: ParsedArgs };
}

/**
 * Runs `mmufuzz <argv>` and returns the exit code: 0 clean, 1 divergence, 2 usage or input
 * error (message only), 3 harness bug (message and stack).
 */
export async function runCli(argv: readonly string[], io: CliIo, env: CliEnv = DEFAULT_ENV): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = await parse(argv);
  } catch (e) {
    return reportError(e, io);
  }
  if (parsed.error !== undefined) {
    io.stderr(`mmufuzz: ${parsed.error.message}\nRun "mmufuzz --help" or "mmufuzz <command> --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (parsed.chosen === undefined) {
    // --help or --version: yargs produced the text instead of choosing a command.
    io.stdout(parsed.output.endsWith('\n') ? parsed.output : parsed.output + '\n');
    return EXIT_CLEAN;
  }
  try {
    return await parsed.chosen.spec.run(parsed.chosen.args, io, env);
  } catch (e) {
    return reportError(e, io);
  }
}

/** User mistakes get their message; anything else is a bug in mmufuzz and gets its stack. */
function reportError(e: unknown, io: CliIo): number {
  if (e instanceof ScenarioError || e instanceof UsageError || e instanceof UnknownBackendError) {
    io.stderr(`mmufuzz: ${e.message}\n`);
    return EXIT_USAGE;
  }
  const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  io.stderr(`mmufuzz: internal error (a bug in mmufuzz; please report it with the command line):\n${text}\n`);
  return EXIT_HARNESS_BUG;
}

function parse(argv: readonly string[]): Promise<Parsed> {
  let chosen: Parsed['chosen'];
  const cli = buildParser((spec, args) => {
    chosen = { spec, args };
  });
  return new Promise((resolve) => {
    // With a callback, yargs neither prints nor exits: help, version and errors come back here.
    void cli.parse([...argv], {}, (err, _args, output) => {
      resolve({ ...(err ? { error: err } : {}), output, ...(chosen !== undefined ? { chosen } : {}) });
    });
  });
}

/** The yargs parser: every command with its options from the table; handlers only record the choice. */
function buildParser(choose: (spec: CommandSpec, args: ParsedArgs) => void): Argv {
  let cli = yargs()
    .scriptName('mmufuzz')
    .usage('$0 <command> [options]\n\nFuzzing and differential testing of KVM x86 MMU models.')
    .exitProcess(false)
    .strict()
    .demandCommand(1, 'expected a command: replay, fuzz, minimize, export-test, merge, report, show or mutants')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(mmufuzzVersion())
    .wrap(110)
    .epilogue('Exit codes: 0 clean, 1 divergence found, 2 usage or input error, 3 mmufuzz bug. See docs/cli.md.');
  for (const spec of COMMANDS) {
    cli = cli.command(
      spec.command,
      spec.describe,
      (y) => {
        let b: Argv = y;
        for (const name of spec.options) b = b.option(name, OPTIONS[name]);
        for (const [cmd, what] of spec.examples) b = b.example(cmd, what);
        return b;
      },
      (args) => choose(spec, args as ParsedArgs),
    );
  }
  return cli;
}
