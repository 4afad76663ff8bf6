// The parsed scenario: what the harness hands to backends. JSON <-> Scenario lives in parse.ts
// and encode.ts; the public description is docs/scenario-format.md.
import type { Config, Op } from '../../mmus/backend.js';

export const SCENARIO_FORMAT = 'mmufuzz.scenario/1';

export interface Scenario {
  readonly format: typeof SCENARIO_FORMAT;
  /** Optional human name and description (kept through parse/encode). */
  readonly name?: string;
  readonly description?: string;
  readonly config: Config;
  readonly ops: readonly Op[];
}
