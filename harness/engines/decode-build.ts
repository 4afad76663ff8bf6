// Builds a scenario from a config, a paging mode and a list of engine intents: the fixture tables
// and paging on (the opening every property scenario has), then one op per intent. Shared by the
// byte decoder and the property engine, so both produce the same kind of scenario.
import type { Config, Op } from '../../mmus/backend.js';
import { buildFixtureHierarchy, type FixtureHierarchy } from '../generate/arbitraries/fixture-hierarchy.js';
import type { IntentContext } from '../generate/arbitraries/encode-op-intent.js';
import {
  guarded,
  guardedModeRegisters,
  guardedOps,
  openingFromIntents,
  type GuardedOpening,
} from '../generate/arbitraries/guarded-opening.js';
import { enablePagingOps, modeRegisters } from '../generate/arbitraries/mode-registers.js';
import type { GenMode } from '../generate/geometry.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { encodeEngineIntent, type EngineIntent } from './decode-intent.js';

const fixtures = new Map<GenMode, FixtureHierarchy>();

/** The fixture hierarchy of a mode (built once; it depends on the mode only). */
export function fixtureFor(mode: GenMode): FixtureHierarchy {
  let h = fixtures.get(mode);
  if (h === undefined) fixtures.set(mode, (h = buildFixtureHierarchy(mode)));
  return h;
}

/** A config fit for `mode`: 5-level paging needs the la57 feature, so it is added. */
export function configForMode(config: Config, mode: GenMode): Config {
  if (mode !== '5-level' || config.cpu.features.has('la57')) return config;
  return { ...config, cpu: { ...config.cpu, features: new Set([...config.cpu.features, 'la57']) } };
}

/** What an intent list is resolved against, and the opening ops that set it up. */
export interface IntentSetup {
  readonly config: Config;
  readonly ctx: IntentContext;
  readonly opening: readonly Op[];
}

/**
 * `opening`: CR4.PSE / EFER.NXE of a shadow-paging opening under the known-KVM-deviation guard
 * (guarded-opening.ts); undefined: the mode's registers as they are.
 */
export function intentSetup(drawn: Config, mode: GenMode, opening?: GuardedOpening): IntentSetup {
  const config = configForMode(drawn, mode);
  const tables = fixtureFor(mode);
  const regs = guardedModeRegisters(modeRegisters(mode, config, tables.root), mode, opening);
  return { config, ctx: { config, tables, regs }, opening: [...tables.writes, ...enablePagingOps(regs)] };
}

export interface BuiltScenarioText {
  /** Scenario name. */
  readonly name: string;
  /** Description; must contain `opening=N ops` (openingOpCount reads it back). */
  readonly description: (opening: number) => string;
}

/** How buildIntentScenario treats the known KVM deviations under shadow paging. */
export interface IntentGuardOptions {
  /** Let the scenario reach their triggers (default false: register writes avoid them). */
  readonly kvmDeviations?: boolean;
  /** The guarded opening's CR4.PSE / EFER.NXE (default: from the first cr4 / efer intent). */
  readonly opening?: GuardedOpening;
}

/**
 * The scenario: the opening, then `intents` in order. Under shadow paging its register writes
 * avoid the known KVM deviations' triggers unless kvmDeviations (../generate/kvm-deviation-guard.ts).
 */
export function buildIntentScenario(
  drawn: Config,
  mode: GenMode,
  intents: readonly EngineIntent[],
  text: BuiltScenarioText,
  guard: IntentGuardOptions = {},
): Scenario {
  const kvmDeviations = guard.kvmDeviations === true;
  const opening = guarded(drawn, kvmDeviations) ? (guard.opening ?? openingFromIntents(intents)) : undefined;
  const setup = intentSetup(drawn, mode, opening);
  const built: Op[] = [...setup.opening];
  for (const intent of intents) built.push(encodeEngineIntent(intent, setup.ctx));
  const ops = guardedOps(built, setup.config, kvmDeviations);
  return {
    format: SCENARIO_FORMAT,
    name: text.name,
    description: text.description(setup.opening.length),
    config: setup.config,
    ops,
  };
}
