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

const TOTAL_WEIGHT = MUTATORS.reduce((sum, m) => sum + m.weight, 0);

/** Draws an entry with probability proportional to its weight. */
export function pickMutator(g: GenState): MutatorEntry {
  let x = g.rng.next() * TOTAL_WEIGHT;
  for (const m of MUTATORS) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return MUTATORS[MUTATORS.length - 1];
}
