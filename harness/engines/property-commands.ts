// The commands of the property engine's model-based test: one fast-check command per operation
// intent. Commands are valid by construction (check() is always true, no fc.pre filtering), so
// every drawn command runs — which is also what lets a run be replayed from (seed, path) alone.
import fc from 'fast-check';
import { opIntentArbitrary } from '../generate/arbitraries/op-intent-arbitrary.js';
import type { EngineIntent } from './decode-intent.js';

/** The model: what the drawn commands asked for so far (the oracle is the real check). */
export interface PropertyModel {
  count: number;
}

/** The system under test, as far as the commands see it: the scenario being written. */
export interface PropertyReal {
  readonly intents: EngineIntent[];
}

export type PropertyCommand = fc.Command<PropertyModel, PropertyReal>;

/** Appends one intent; the scenario is built and run on every backend once the sequence ends. */
export class IntentCommand implements PropertyCommand {
  constructor(readonly intent: EngineIntent) {}

  check(): boolean {
    return true;
  }

  run(model: PropertyModel, real: PropertyReal): void {
    model.count++;
    real.intents.push(this.intent);
  }

  toString(): string {
    return `${this.intent.kind}${JSON.stringify(this.intent).replace(/"kind":"[a-z_0-9]+",?/, '')}`;
  }
}

/** The command arbitraries fc.commands draws from: every OpIntent, weighted as in the arbitrary. */
export const COMMAND_ARBITRARIES: readonly fc.Arbitrary<PropertyCommand>[] = [
  opIntentArbitrary.map((intent): PropertyCommand => new IntentCommand(intent)),
];

/** Runs `cmds` against a fresh model and returns the intents they appended, in order. */
export function runCommands(cmds: Iterable<PropertyCommand>): EngineIntent[] {
  const real: PropertyReal = { intents: [] };
  fc.modelRun(() => ({ model: { count: 0 }, real }), cmds);
  return real.intents;
}
