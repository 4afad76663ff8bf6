// fast-check arbitrary of valid Scenarios: a config, a paging mode, a fixed mode-dependent
// opening (the fixture tables, then paging on) and a list of op intents resolved against them.
// Everything is drawn independently and combined in one map, so each part shrinks on its own.
import fc from 'fast-check';
import type { Config, Op } from '../../../mmus/backend.js';
import { SCENARIO_FORMAT, type Scenario } from '../../scenario/scenario.js';
import { u64 } from '../../../mmus/x86/u64.js';
import { CR4_PCIDE } from '../../../mmus/x86/bits.js';
import { isLongMode, type GenMode } from '../geometry.js';
import { configArbitrary } from './config-arbitrary.js';
import { awayIntentArbitrary, encodeAwayIntent, type AwayIntent } from './away-intent.js';
import { encodeOpIntent, type IntentContext } from './encode-op-intent.js';
import { buildFixtureHierarchy, type FixtureHierarchy } from './fixture-hierarchy.js';
import { guarded, guardedModeRegisters, guardedOps, openingFromIntents } from './guarded-opening.js';
import { enablePagingOps, modeRegisters } from './mode-registers.js';
import { opIntentArbitrary, type OpIntent } from './op-intent-arbitrary.js';
import { openingDescription } from './opening-op-count.js';
import { weightedBoolean } from './weighted-boolean.js';

export interface ScenarioArbitraryOptions {
  /** Force the paging mode; default: drawn (shrinks towards 4-level). */
  readonly mode?: GenMode;
  /**
   * Fewest intents after the opening (default 20); a lower value lets counterexamples shrink
   * further. An intent is one op, except a gpte store made through the table's mapping (2) and
   * a stretch in another address space (2-4).
   */
  readonly minOps?: number;
  /** Most intents after the opening (default 200: the shadow recipes need room among the noise). */
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
  const maxOps = opts.maxOps ?? 200;
  if (!Number.isInteger(minOps) || minOps < 0 || !Number.isInteger(maxOps) || maxOps < minOps) {
    throw new RangeError(`scenarioArbitrary: need 0 <= minOps <= maxOps, got ${minOps}..${maxOps}`);
  }
  return fc
    .record({
      config: configArbitrary,
      mode: opts.mode === undefined ? fc.constantFrom(...MODES) : fc.constant(opts.mode),
      // size 'max': lengths spread over the whole range (the default size would stop near minOps + 10).
      // Long mode with PCIDs (when the CPU has them): an OS giving each address space its own.
      pcide: weightedBoolean(0.5),
      intents: fc.array(scenarioIntentArbitrary, { minLength: minOps, maxLength: maxOps, size: 'max' }),
    })
    .map(({ config, mode, pcide, intents }) => buildScenario(config, mode, pcide, intents, opts.kvmDeviations === true));
}

/** The scenario for drawn parts; a 5-level mode adds `la57` to the features. */
/** One drawn step of a property scenario: an op intent, or (less often) a stretch away in another space. */
type ScenarioIntent = OpIntent | AwayIntent;
const scenarioIntentArbitrary: fc.Arbitrary<ScenarioIntent> = fc.oneof(
  { weight: 15, arbitrary: opIntentArbitrary },
  { weight: 2, arbitrary: awayIntentArbitrary },
);

/** The ops of the intents in order; `away` shoots down the GVA whose gpte was written last. */
function encodeIntents(intents: readonly ScenarioIntent[], ctx: IntentContext): Op[] {
  let edited = 0;
  return intents.flatMap((i) => {
    if (i.kind === 'away') return encodeAwayIntent(i, ctx, edited);
    if (i.kind !== 'write_gpte' && i.kind !== 'edit_gpte') return [encodeOpIntent(i, ctx)];
    edited = i.gva;
    if (i.mapped !== true) return [encodeOpIntent(i, ctx)];
    return [encodeOpIntent({ kind: 'table_write', gva: i.gva, level: i.level }, ctx), encodeOpIntent(i, ctx)];
  });
}

function buildScenario(drawn: Config, mode: GenMode, pcide: boolean, intents: readonly ScenarioIntent[], kvmDeviations: boolean): Scenario {
  const config: Config =
    mode === '5-level' && !drawn.cpu.features.has('la57')
      ? { ...drawn, cpu: { ...drawn.cpu, features: new Set([...drawn.cpu.features, 'la57']) } }
      : drawn;
  const tables = fixtureFor(mode);
  const opening0 = guarded(config, kvmDeviations) ? openingFromIntents(intents.filter((i): i is OpIntent => i.kind !== 'away')) : undefined;
  const regs = guardedModeRegisters(modeRegisters(mode, config, tables.root), mode, opening0);
  const opening = [...tables.writes, ...enablePagingOps(regs)];
  // CR4.PCIDE can only be set once long mode is active: after paging is on.
  const withPcid = pcide && isLongMode(mode) && config.cpu.features.has('pcid') ? { ...regs, cr4: (regs.cr4 | CR4_PCIDE) >>> 0 } : regs;
  if (withPcid !== regs) opening.push({ op: 'set', reg: 'cr4', value: u64(withPcid.cr4) });
  const ctx = { config, tables, regs: withPcid };
  const ops = guardedOps([...opening, ...encodeIntents(intents, ctx)], config, kvmDeviations);
  return {
    format: SCENARIO_FORMAT,
    name: `fc-${mode}`,
    description: openingDescription(mode, opening.length),
    config,
    ops,
  };
}
