// The weighted table of op generators the seeded random engine draws from (libFuzzer-style:
// each has a name, recorded in the scenario's description, and a weight).
import {
  accessMapped,
  accessNonCanonical,
  accessUnmapped,
  gvaToGpa,
  readGpteOp,
} from './access-mutators.js';
import {
  clearEntry,
  flipFlag,
  leafOutside,
  mapMore,
  repoint,
  restoreEntry,
  selfRef,
  setPkey,
  setReserved,
} from './entry-mutators.js';
import type { GenState } from './gen-state.js';
import {
  la57Toggle,
  pagingOffOn,
  pcid,
  pkru,
  reloadCr3,
  reservedRegister,
  rflagsAc,
  switchCr3,
  switchMode,
  toggleCr4,
  toggleNxe,
  toggleWp,
} from './register-mutators.js';
import {
  cr3Cycle,
  dirtyLogLive,
  floodTable,
  invlpgLive,
  liveGpteWrite,
  mapTablePageMutator,
  shareTableMutator,
  wpSupervisorWrite,
} from './shadow-mutators.js';
import { editAway } from './shadow-away-mutators.js';
import { invlpg, invpcid, memslot, writeData } from './system-mutators.js';

/** Emits one or more ops; returns false (emitting nothing) when it does not apply right now. */
export type OpGenerator = (g: GenState) => boolean;

export interface MutatorEntry {
  readonly name: string;
  readonly weight: number;
  readonly run: OpGenerator;
}

export const MUTATORS: readonly MutatorEntry[] = [
  { name: 'access-mapped', weight: 30, run: (g) => accessMapped(g) },
  { name: 'access-unmapped', weight: 5, run: accessUnmapped },
  { name: 'access-noncanonical', weight: 2, run: accessNonCanonical },
  { name: 'gva-to-gpa', weight: 6, run: gvaToGpa },
  { name: 'read-gpte', weight: 5, run: readGpteOp },
  { name: 'write-data', weight: 2, run: writeData },
  { name: 'flip-flag', weight: 9, run: flipFlag },
  { name: 'set-rsvd', weight: 4, run: setReserved },
  { name: 'set-pkey', weight: 3, run: setPkey },
  { name: 'repoint', weight: 2, run: repoint },
  { name: 'self-ref', weight: 1, run: selfRef },
  { name: 'leaf-outside', weight: 1, run: leafOutside },
  { name: 'clear-entry', weight: 1, run: clearEntry },
  { name: 'restore-entry', weight: 5, run: restoreEntry },
  { name: 'map-more', weight: 3, run: mapMore },
  { name: 'toggle-wp', weight: 2, run: toggleWp },
  { name: 'toggle-cr4', weight: 3, run: toggleCr4 },
  { name: 'toggle-nxe', weight: 1, run: toggleNxe },
  { name: 'pcid', weight: 2, run: pcid },
  { name: 'reload-cr3', weight: 2, run: reloadCr3 },
  { name: 'switch-cr3', weight: 1, run: switchCr3 },
  { name: 'paging-off-on', weight: 1, run: pagingOffOn },
  { name: 'switch-mode', weight: 1, run: switchMode },
  { name: 'la57-toggle', weight: 1, run: la57Toggle },
  { name: 'rsvd-reg', weight: 1, run: reservedRegister },
  { name: 'pkru', weight: 2, run: pkru },
  { name: 'rflags-ac', weight: 2, run: rflagsAc },
  { name: 'invlpg', weight: 2, run: invlpg },
  { name: 'invpcid', weight: 1, run: invpcid },
  { name: 'memslot', weight: 1, run: memslot },
];

/**
 * Weights of the TDP generators under shadow paging: mode switches, CR3 loads, invalidations and
 * memslot changes reach far more of KVM there (roots, prev_roots, unsync, zaps); protection keys
 * are hidden from a shadow-paging guest.
 */
const SHADOW_WEIGHTS: Readonly<Record<string, number>> = {
  'access-mapped': 24,
  'flip-flag': 6,
  'set-pkey': 1,
  pkru: 1,
  'toggle-wp': 3,
  'reload-cr3': 3,
  'switch-cr3': 2,
  'paging-off-on': 2,
  'switch-mode': 3,
  invlpg: 4,
  invpcid: 3,
  memslot: 3,
};

/** The generators only the shadow table has, aimed at KVM's shadow MMU (shadow-mutators.ts). */
export const SHADOW_ONLY_MUTATORS: readonly MutatorEntry[] = [
  { name: 'live-gpte-write', weight: 10, run: liveGpteWrite },
  { name: 'share-table', weight: 4, run: shareTableMutator },
  { name: 'flood-table', weight: 3, run: floodTable },
  { name: 'map-table-page', weight: 4, run: mapTablePageMutator },
  { name: 'invlpg-live', weight: 4, run: invlpgLive },
  { name: 'cr3-cycle', weight: 4, run: cr3Cycle },
  { name: 'wp-supervisor-write', weight: 3, run: wpSupervisorWrite },
  { name: 'dirty-log-live', weight: 2, run: dirtyLogLive },
  { name: 'edit-away', weight: 4, run: editAway },
];

/** The table of host tdp none scenarios: the TDP generators reweighted, then the shadow ones. */
export const SHADOW_MUTATORS: readonly MutatorEntry[] = [
  ...MUTATORS.map((m) => ({ ...m, weight: SHADOW_WEIGHTS[m.name] ?? m.weight })),
  ...SHADOW_ONLY_MUTATORS,
];

const TOTAL_WEIGHT = MUTATORS.reduce((sum, m) => sum + m.weight, 0);
const SHADOW_TOTAL_WEIGHT = SHADOW_MUTATORS.reduce((sum, m) => sum + m.weight, 0);

/** Draws an entry of the scenario's table (TDP or shadow) with probability proportional to its weight. */
export function pickMutator(g: GenState): MutatorEntry {
  const table = g.shadow ? SHADOW_MUTATORS : MUTATORS;
  let x = g.rng.next() * (g.shadow ? SHADOW_TOTAL_WEIGHT : TOTAL_WEIGHT);
  for (const m of table) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return table[table.length - 1];
}
