// fast-check arbitrary of valid Scenarios: a config, a paging mode, a fixed mode-dependent
// opening (the fixture tables, then paging on) and a list of op intents resolved against them.
// Everything is drawn independently and combined in one map, so each part shrinks on its own.
import fc from 'fast-check';
import type { Config } from '../../../mmus/backend.js';
import { SCENARIO_FORMAT, type Scenario } from '../../scenario/scenario.js';
import type { GenMode } from '../geometry.js';
import { configArbitrary } from './config-arbitrary.js';
import { encodeOpIntent } from './encode-op-intent.js';
import { buildFixtureHierarchy, type FixtureHierarchy } from './fixture-hierarchy.js';
import { guarded, guardedModeRegisters, guardedOps, openingFromIntents } from './guarded-opening.js';
import { enablePagingOps, modeRegisters } from './mode-registers.js';
import { opIntentArbitrary, type OpIntent } from './op-intent-arbitrary.js';
import { openingDescription } from './opening-op-count.js';

export interface ScenarioArbitraryOptions {
  /** Force the paging mode; default: drawn (shrinks towards 4-level). */
  readonly mode?: GenMode;
  /** Fewest ops after the opening (default 20); a lower value lets counterexamples shrink further. */
  readonly minOps?: number;
  /** Most ops after the opening (default 80). */
  readonly maxOps?: number;
  /**
   * Let shadow-paging scenarios reach the known KVM deviations' triggers (default false: their
   * register writes avoid them, as the generator's do; guarded-opening.ts).
   */
  readonly kvmDeviations?: boolean;
}

/** Drawn modes; the first is what shrinking reaches. */
const MODES: readonly GenMode[] = ['4-level', '32-bit', 'pae', '5-level'];

const fixtures = new Map<GenMode, FixtureHierarchy>();
function fixtureFor(mode: GenMode): FixtureHierarchy {
  let h = fixtures.get(mode);
  if (h === undefined) fixtures.set(mode, (h = buildFixtureHierarchy(mode)));
  return h;
}

export function scenarioArbitrary(opts: ScenarioArbitraryOptions = {}): fc.Arbitrary<Scenario> {
  const minOps = opts.minOps ?? 20;
  const maxOps = opts.maxOps ?? 80;
  if (!Number.isInteger(minOps) || minOps < 0 || !Number.isInteger(maxOps) || maxOps < minOps) {
    throw new RangeError(`scenarioArbitrary: need 0 <= minOps <= maxOps, got ${minOps}..${maxOps}`);
  }
  return fc
    .record({
      config: configArbitrary,
      mode: opts.mode === undefined ? fc.constantFrom(...MODES) : fc.constant(opts.mode),
      // size 'max': lengths spread over the whole range (the default size would stop near minOps + 10).
      intents: fc.array(opIntentArbitrary, { minLength: minOps, maxLength: maxOps, size: 'max' }),
    })
    .map(({ config, mode, intents }) => buildScenario(config, mode, intents, opts.kvmDeviations === true));
}

/** The scenario for drawn parts; a 5-level mode adds `la57` to the features. */
function buildScenario(drawn: Config, mode: GenMode, intents: readonly OpIntent[], kvmDeviations: boolean): Scenario {
  const config: Config =
    mode === '5-level' && !drawn.cpu.features.has('la57')
      ? { ...drawn, cpu: { ...drawn.cpu, features: new Set([...drawn.cpu.features, 'la57']) } }
      : drawn;
  const tables = fixtureFor(mode);
  const opening0 = guarded(config, kvmDeviations) ? openingFromIntents(intents) : undefined;
  const regs = guardedModeRegisters(modeRegisters(mode, config, tables.root), mode, opening0);
  const opening = [...tables.writes, ...enablePagingOps(regs)];
  const ops = guardedOps([...opening, ...intents.map((i) => encodeOpIntent(i, { config, tables, regs }))], config, kvmDeviations);
  return {
    format: SCENARIO_FORMAT,
    name: `fc-${mode}`,
    description: openingDescription(mode, opening.length),
    config,
    ops,
  };
}
