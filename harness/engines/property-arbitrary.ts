// The property engine's input: a config, a paging mode and an fc.commands sequence, drawn as one
// tuple so fast-check's seed and path identify a run; and the scenario a drawn case stands for.
import fc from 'fast-check';
import type { Config } from '../../mmus/backend.js';
import { configArbitrary, hostFeatures } from '../generate/arbitraries/config-arbitrary.js';
import { openingDescription } from '../generate/arbitraries/opening-op-count.js';
import type { GenMode } from '../generate/geometry.js';
import type { Scenario } from '../scenario/scenario.js';
import { buildIntentScenario } from './decode-build.js';
import { COMMAND_ARBITRARIES, runCommands, type PropertyCommand } from './property-commands.js';

/** Commands per run at most (after the fixed opening). */
export const DEFAULT_MAX_COMMANDS = 100;

/** What decides the drawn cases: a replay must use the same values as the run it replays. */
export interface PropertyCaseOptions {
  /** Most commands per run (default DEFAULT_MAX_COMMANDS). */
  readonly maxCommands?: number;
  /** Force the host: ept, npt or none (shadow paging); default: drawn. */
  readonly tdp?: 'ept' | 'npt' | 'none';
}

/** A drawn case: the arguments of the property. */
export type PropertyCase = [Config, GenMode, Iterable<PropertyCommand>];

/** Drawn modes; the first is what shrinking reaches. */
const MODES: readonly GenMode[] = ['4-level', '32-bit', 'pae', '5-level'];

export function resolveMaxCommands(opts: PropertyCaseOptions): number {
  const n = opts.maxCommands ?? DEFAULT_MAX_COMMANDS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`property engine: maxCommands must be a positive integer, got ${n}`);
  return n;
}

/**
 * The arbitraries of one fc.check run (fc.commands keeps per-run state, so each run needs fresh
 * ones). `size: 'max'` spreads lengths over 0..maxCommands: the default size would stop near 5
 * commands, too few for bugs that need several entry writes (engines.md).
 */
export function propertyCaseArbitraries(
  opts: PropertyCaseOptions,
  replayPath?: string,
): [fc.Arbitrary<Config>, fc.Arbitrary<GenMode>, fc.Arbitrary<Iterable<PropertyCommand>>] {
  const maxCommands = resolveMaxCommands(opts);
  const tdp = opts.tdp;
  const config = tdp === undefined ? configArbitrary : configArbitrary.map((c) => forceTdp(c, tdp));
  const commands = fc.commands([...COMMAND_ARBITRARIES], {
    size: 'max',
    maxCommands,
    ...(replayPath === undefined ? {} : { replayPath }),
  });
  return [config, fc.constantFrom(...MODES), commands];
}

function forceTdp(c: Config, tdp: 'ept' | 'npt' | 'none'): Config {
  if (c.host.tdp === tdp) return c;
  return { ...c, cpu: { ...c.cpu, features: hostFeatures(c.cpu.features, tdp) }, host: { tdp, eptAd: tdp === 'ept', mbec: false } };
}

/** The scenario of a drawn case: the fixed opening of `mode`, then the commands' operations. */
export function caseScenario(config: Config, mode: GenMode, cmds: Iterable<PropertyCommand>): Scenario {
  return buildIntentScenario(config, mode, runCommands(cmds), {
    name: `fc-${mode}`,
    description: (opening) => openingDescription(mode, opening),
  });
}
