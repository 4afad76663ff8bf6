// The shape of a CLI command: yargs syntax, help text, the option names it takes from the table,
// and a thin run() that hands parsed arguments to a library function.
import type { CliIo } from '../io.js';
import type { FuzzEnv } from '../fuzz.js';
import type { OptionName } from '../options.js';
import { UsageError } from '../exit-codes.js';

/** Parsed arguments as yargs returns them (options camel-cased too). */
export type ParsedArgs = Readonly<Record<string, unknown>>;

/** Process-level services a command may need; tests inject fakes. */
export interface CliEnv {
  /** Builds the fuzz environment (clock, seed time, Ctrl-C); called only by `fuzz`. */
  fuzzEnv(): FuzzEnv & { dispose?(): void };
}

export interface CommandSpec {
  readonly command: string;
  readonly describe: string;
  readonly options: readonly OptionName[];
  readonly examples: readonly (readonly [string, string])[];
  run(args: ParsedArgs, io: CliIo, env: CliEnv): number | Promise<number>;
}

export function stringArg(args: ParsedArgs, name: string): string | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name}: expected one value, got ${JSON.stringify(v)}`);
  return v;
}

export function numberArg(args: ParsedArgs, name: string, camel = name): number | undefined {
  const v = args[camel];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new UsageError(`--${name}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

export function stringListArg(args: ParsedArgs, name: string): string[] {
  const v = args[name];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => String(x));
}
