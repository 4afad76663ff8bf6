// The one place mapping engine names to engines (`mmufuzz fuzz --engine NAME`).
import { coverageEngine } from './coverage.js';
import { ENGINE_NAMES, type Engine, type EngineName } from './engine.js';
import { propertyEngine } from './property.js';
import { randomEngine } from './random.js';

const ENGINES: Readonly<Record<EngineName, Engine>> = {
  random: randomEngine,
  property: propertyEngine,
  coverage: coverageEngine,
};

export function isEngineName(name: string): name is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(name);
}

/** The engine called `name`. */
export function getEngine(name: EngineName): Engine {
  const engine = ENGINES[name];
  if (engine === undefined) throw new RangeError(`unknown engine "${String(name)}": expected one of ${ENGINE_NAMES.join(', ')}`);
  return engine;
}
