// Every seed scenario of corpus/ (except corpus/regressions/, which findings produce), in file order.
import { AD_SCENARIOS } from './ad.js';
import { MEMSLOT_SCENARIOS } from './memslots.js';
import { MODE_SCENARIOS } from './modes.js';
import { PAE_SCENARIOS } from './modes-pae.js';
import { PERMISSION_SCENARIOS } from './permissions.js';
import { RESERVED_SCENARIOS } from './reserved.js';
import type { SeedScenario } from './seed-scenario.js';
import { SHADOW_SCENARIOS } from './shadow.js';
import { TRANSITION_SCENARIOS } from './transitions.js';

export type { Expect, SeedScenario } from './seed-scenario.js';

/** Builds the seed scenarios (fresh objects on every call). */
export function seedScenarios(): SeedScenario[] {
  return [
    ...MODE_SCENARIOS,
    ...PAE_SCENARIOS,
    ...PERMISSION_SCENARIOS,
    ...RESERVED_SCENARIOS,
    ...TRANSITION_SCENARIOS,
    ...AD_SCENARIOS,
    ...MEMSLOT_SCENARIOS,
    ...SHADOW_SCENARIOS,
  ].map((build) => build());
}
