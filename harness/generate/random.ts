// The seeded random scenario generator: a random config, valid page tables for a target mode,
// paging turned on, then a weighted mix of accesses, entry mutations, register transitions,
// invalidations and memslot changes. Deterministic in (seed, index, options).
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { accessMapped } from './access-mutators.js';
import { GenState } from './gen-state.js';
import { pickConfig } from './layout.js';
import { setupScenario } from './modes.js';
import { pickMutator } from './mutators.js';
import { resolveGeneratorOptions, SHADOW_SHARE, type GeneratorOptions } from './options.js';
import { Rng } from './rng.js';

export type { GeneratorOptions } from './options.js';

/** A generated scenario with what the generator knows about it (for tests and statistics). */
export interface GeneratedScenario {
  readonly scenario: Scenario;
  /** Target paging mode of the opening. */
  readonly mode: string;
  /** Names of the mix-phase generators used, in order of first use. */
  readonly mutators: readonly string[];
  /** The generator's shadow at the end (tables, entries, mappings, registers). */
  readonly state: GenState;
}

/** Chance, per mix-phase draw, of a `check` op (the models' digest of their page tables). */
const SHADOW_CHECK_RATE = 0.04;
const TDP_CHECK_RATE = 0.005;

function emitCheck(g: GenState): void {
  g.origin = 'check';
  g.emit({ op: 'check' });
  g.markUsed('check');
}

/** Scenario number `index` of the campaign seeded with `seed`. */
export function generateScenario(seed: string, index: number, opts: Partial<GeneratorOptions> = {}): Scenario {
  return generateDetailed(seed, index, opts).scenario;
}

/** generateScenario plus the target mode, the generator names and the generator's shadow. */
export function generateDetailed(seed: string, index: number, opts: Partial<GeneratorOptions> = {}): GeneratedScenario {
  const o = resolveGeneratorOptions(opts);
  const rng = new Rng(`${seed}/${index}`);
  // The host comes from its own stream: a TDP scenario of a seed is the same whatever the share.
  const shadow = o.tdp === 'none' || (o.tdp === undefined && rng.fork('host').bool(o.shadowShare ?? SHADOW_SHARE));
  const config = pickConfig(rng.fork('config'), o, shadow);
  const total = o.minOps + rng.int(o.maxOps - o.minOps + 1);
  const g = new GenState(rng.fork('ops'), config, total, o.kvmDeviations === true);
  // `check` ops come from a stream of their own too, so they never shift the other draws.
  const checks = rng.fork('check');
  setupScenario(g);
  if (!g.full) {
    // Every scenario touches what it mapped at least once, right after paging is on.
    g.origin = 'access-mapped';
    accessMapped(g);
    g.markUsed('access-mapped');
  }
  for (let idle = 0; !g.full && idle < 100; ) {
    if (checks.bool(g.shadow ? SHADOW_CHECK_RATE : TDP_CHECK_RATE)) {
      emitCheck(g);
      continue;
    }
    const m = pickMutator(g);
    g.origin = m.name;
    if (m.run(g)) {
      g.markUsed(m.name);
      idle = 0;
    } else {
      idle++;
    }
  }
  // Only reached when 100 draws in a row did not apply: fill up with accesses.
  g.origin = 'access-mapped';
  while (!g.full) accessMapped(g);
  const ops = g.ops.slice(0, total);
  // Shadow scenarios often end on a check: the last chance to compare the shadow pages.
  if (g.shadow && ops.length > 1 && ops[ops.length - 1].op !== 'check' && checks.bool(0.5)) {
    ops[ops.length - 1] = { op: 'check' };
    g.markUsed('check');
  }
  const scenario: Scenario = {
    format: SCENARIO_FORMAT,
    name: `random-${seed}-${index}`,
    description: `generated seed=${seed} index=${index} mode=${g.plan.target} mutators=${g.used.join(',')}`,
    config,
    ops,
  };
  return { scenario, mode: g.plan.target, mutators: [...g.used], state: g };
}
