// Test helper: runs ops on a fresh backend and returns one observation per op.
import type { BackendFactory, Config, Observation, Op } from '../backend.js';

export function runOps(factory: BackendFactory, config: Config, ops: readonly Op[]): Observation[] {
  const backend = factory.create(config);
  return ops.map((op) => backend.apply(op));
}
