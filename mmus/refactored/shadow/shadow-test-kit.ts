// Test helpers for the Shadow MMU tests: a shadow-paging config, a backend, event filters and a
// 4-level / PAE / 32-bit setup built with the shared builders of mmus/testing. Expected values in
// the tests are written by hand; these only save typing.
import type { Backend, Config, MmuEvent, Observation, Op } from '../../backend.js';
import { makeConfig, type ConfigOptions } from '../../testing/config.js';
import { access, setReg, write } from '../../testing/ops.js';
import { PageTables, type PagingMode } from '../../testing/page-tables.js';
import { enablePaging, type PagingSetup } from '../../testing/paging-setup.js';
import { refactoredBackend, refactoredMutantBackend } from '../index.js';

/** A shadow-paging config (Intel guest, no EPT): the shared defaults with host.tdp "none". */
export function shadowConfig(o: Omit<ConfigOptions, 'tdp' | 'eptAd'> = {}): Config {
  const c = makeConfig(o);
  return { ...c, host: { tdp: 'none', eptAd: false, mbec: false } };
}

export function shadowBackend(o: Omit<ConfigOptions, 'tdp' | 'eptAd'> = {}, mutant?: string): Backend {
  return (mutant === undefined ? refactoredBackend : refactoredMutantBackend(mutant)).create(shadowConfig(o));
}

/** Applies ops, requiring each to be ok; returns every observation. */
export function apply(b: Backend, ops: readonly Op[]): Observation[] {
  return ops.map((o) => {
    const r = b.apply(o);
    if (r.outcome !== 'ok') throw new Error(`setup op ${JSON.stringify(o)} gave ${r.outcome}`);
    return r;
  });
}

/** Events as short strings, for readable expectations. */
export function ev(o: Observation): string[] {
  return o.events.map(evString);
}

const h = (n: number) => `0x${n.toString(16)}`;

export function evString(e: MmuEvent): string {
  switch (e.type) {
    case 'set_ad':
      return `set_ad ${h(e.gpa)}`;
    case 'map':
      return `map ${h(e.gfn)} ${h(e.spte.hi)}:${h(e.spte.lo)}`;
    case 'zap':
      return `zap ${h(e.gfn)} l${e.level} ${h(e.role)} ${e.reason}`;
    case 'sp':
      return `sp ${h(e.gfn)} l${e.level} ${h(e.role)}`;
    case 'zap_sp':
      return `zap_sp ${h(e.gfn)} l${e.level} ${h(e.role)} ${e.reason}`;
    case 'unsync':
      return `unsync ${h(e.gfn)} ${h(e.role)}`;
    case 'sync':
      return `sync ${h(e.gfn)} ${h(e.role)}`;
    case 'mmio_spte':
      return `mmio_spte ${h(e.gfn)}`;
    case 'wrprot':
      return `wrprot ${h(e.gfn)}`;
    case 'dirty':
      return `dirty ${h(e.gfn)}`;
    case 'flush':
      return e.gva === undefined ? `flush ${e.scope}` : `flush ${e.scope} ${h(e.gva.lo)}`;
  }
}

/** Events of one type only (as strings), dropping set_ad and flushes unless asked. */
export function evOf(o: Observation, ...types: MmuEvent['type'][]): string[] {
  return o.events.filter((e) => types.includes(e.type)).map(evString);
}

export { brief } from '../test-kit.js';

/** One guest page-table hierarchy plus the ops that turn paging on. */
export interface Guest {
  readonly pt: PageTables;
  /** Table writes then the register writes (CR3 = root). */
  readonly ops: Op[];
}

/**
 * A guest with tables at `root` (tables allocated from root + 0x1000), mapping each
 * [gva, gpa, opts] and enabling paging with the setup given.
 */
export function guest(
  mode: PagingMode,
  maps: readonly (readonly [number, number, Parameters<PageTables['map']>[2]?])[],
  s: Partial<PagingSetup> = {},
  root = 0x10000,
): Guest {
  const pt = new PageTables(mode, root, root + 0x1000);
  const ops: Op[] = [];
  for (const [gva, gpa, opts] of maps) ops.push(...pt.map(gva, gpa, opts));
  ops.push(...enablePaging(mode, { cr3: root, ...s }));
  return { pt, ops };
}

export { access, setReg, write };

/** The SPTE bits a leaf is made of (for the derivation table). */
export const SPTE = { P: 1, W: 2, U: 4, A: 0x20, D: 0x40 } as const;
