// The part of a shadow-paging scenario's opening that TDP scenarios do not have: guest tables
// reached by two walks and extra address spaces to switch CR3 to, built before paging turns on.
// Draws only when the host is tdp none, so TDP openings stay what they were.
import type { GenState, Hierarchy } from './gen-state.js';
import { prepareSpace, shareTable } from './shadow-tables.js';

/** Room the opening leaves for the mix phase: past this share of the ops nothing more is built. */
const OPENING_SHARE = 0.45;

export function shadowOpening(g: GenState, h: Hierarchy): void {
  const rng = g.rng;
  const budget = Math.floor(g.target * OPENING_SHARE);
  if (rng.bool(0.6)) {
    for (let i = 1 + rng.int(2); i > 0 && g.ops.length < budget; i--) shareTable(g, h);
  }
  if (rng.bool(0.5)) {
    for (let i = 1 + rng.int(2); i > 0 && g.ops.length < budget; i--) prepareSpace(g, h.mode);
  }
}
