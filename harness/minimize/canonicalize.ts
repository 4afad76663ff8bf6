// Pass 5: canonical form. First the diverging walk collapses onto one self-mapping entry where it
// can (collapse-walk.ts). Then page-table pages (pages some op stores to, and CR3 roots) are
// renumbered together by first use onto the lowest free pages inside the memslots (0x0, 0x1000,
// ...), rewriting every store address, entry frame, CR3 value and read that names them, so two
// reductions of one bug read alike; a root at page 0 lets ddmin drop the CR3 write (0 is its reset
// value). Then a PAE root's offset inside its page goes to 0, moving its four PDPTEs along.
// Each is one try, kept only if the signature is.
import type { BackendFactory, Op, U64 } from '../../mmus/backend.js';
import type { Scenario } from '../scenario/scenario.js';
import { withOps } from './candidate.js';
import { entryPage, withEntryPage } from './frames.js';
import { walkCollapses } from './collapse-walk.js';
import { reduceOps } from './reduce-ops.js';
import { simpler, type Tester } from './tester.js';

const PAGE = 0x1000;
const isEntryStore = (op: Op): op is Extract<Op, { op: 'write' }> => op.op === 'write' && (op.size === 4 || op.size === 8);

/** The renaming of table pages (old page -> new page), in first-use order; empty when nothing moves. */
export function tablePageRenaming(s: Scenario): Map<number, number> {
  const mpa = s.config.cpu.maxphyaddr;
  const tables = new Set<number>();
  for (const op of s.ops) {
    if (op.op === 'write') tables.add(Math.floor(op.gpa / PAGE));
    if (op.op === 'set' && op.reg === 'cr3') tables.add(entryPage(op.value, 8, mpa));
  }
  const order: number[] = [];
  const taken = new Set<number>();
  const reserved: [number, number][] = [];
  const use = (page: number) => {
    if (tables.has(page) && !taken.has(page)) {
      taken.add(page);
      order.push(page);
    }
  };
  for (const op of s.ops) {
    if (op.op === 'set' && op.reg === 'cr3') use(entryPage(op.value, 8, mpa));
    if (op.op === 'write') use(Math.floor(op.gpa / PAGE));
    if (op.op === 'read') {
      const page = Math.floor(op.gpa / PAGE);
      use(page);
      // A read of a non-table page reports its contents: keep tables away from it.
      if (!tables.has(page)) reserved.push([page, page + 1]);
    }
    if (isEntryStore(op)) {
      const page = entryPage(op.value, op.size, mpa);
      // A frame that is not a table is data. Tables may move onto data pages: the models never
      // look at data contents (accesses store nothing but A/D bits, and only in entries).
      use(page);
    }
  }
  const inSlot = (p: number) => s.config.memslots.some((m) => p * PAGE >= m.gpa && (p + 1) * PAGE <= m.gpa + m.size);
  // Tables outside every memslot (MMIO) keep their numbers; no other table may take them.
  for (const p of order) if (!inSlot(p)) reserved.push([p, p + 1]);
  /** The first page at or above p that is in a slot and not reserved; undefined when none. */
  const firstFree = (p: number): number | undefined => {
    for (;;) {
      const r = reserved.find(([a, b]) => p >= a && p < b);
      if (r !== undefined) {
        p = r[1];
        continue;
      }
      if (inSlot(p)) return p;
      const above = s.config.memslots.map((m) => m.gpa / PAGE).filter((b) => b > p);
      if (above.length === 0) return undefined;
      p = Math.min(...above);
    }
  };
  const renaming = new Map<number, number>();
  let next = 0;
  let moved = false;
  for (const old of order) {
    if (!inSlot(old)) continue;
    const p = firstFree(next);
    if (p === undefined) return new Map();
    next = p;
    if (next !== old) moved = true;
    renaming.set(old, next++);
  }
  return moved ? renaming : new Map();
}

function renameOp(op: Op, r: ReadonlyMap<number, number>, mpa: number): Op {
  const page = (gpa: number) => r.get(Math.floor(gpa / PAGE));
  switch (op.op) {
    case 'write': {
      const p = page(op.gpa);
      const gpa = p === undefined ? op.gpa : p * PAGE + (op.gpa % PAGE);
      const f = isEntryStore(op) ? r.get(entryPage(op.value, op.size, mpa)) : undefined;
      const value = f === undefined ? op.value : withEntryPage(op.value, op.size, f, mpa);
      return { ...op, gpa, value };
    }
    case 'read': {
      const p = page(op.gpa);
      return p === undefined ? op : { ...op, gpa: p * PAGE + (op.gpa % PAGE) };
    }
    case 'set': {
      const f = op.reg === 'cr3' ? r.get(entryPage(op.value, 8, mpa)) : undefined;
      return f === undefined ? op : { ...op, value: withEntryPage(op.value, 8, f, mpa) };
    }
    default:
      return op;
  }
}

/** s with its table pages renumbered by first use (s itself when they already are). */
export function renumberTables(s: Scenario): Scenario {
  const r = tablePageRenaming(s);
  return r.size === 0 ? s : withOps(s, s.ops.map((op) => renameOp(op, r, s.config.cpu.maxphyaddr)));
}

/** s with a PAE root moved to the start of its page (s itself when no CR3 write has an offset). */
export function alignPaeRoot(s: Scenario): Scenario {
  const roots = s.ops.filter((op): op is Extract<Op, { op: 'set' }> => op.op === 'set' && op.reg === 'cr3');
  const offsets = new Set(roots.map((op) => op.value.lo & 0xfe0));
  if (offsets.size !== 1) return s;
  const off = [...offsets][0];
  if (off === 0) return s;
  const mpa = s.config.cpu.maxphyaddr;
  const inBlock = (gpa: number): boolean => roots.some((r) => {
    const base = entryPage(r.value, 8, mpa) * PAGE + off;
    return gpa >= base && gpa < base + 32;
  });
  return withOps(
    s,
    s.ops.map((op): Op => {
      if (op.op === 'set' && op.reg === 'cr3') return { ...op, value: { lo: (op.value.lo & ~0xfe0) >>> 0, hi: op.value.hi } };
      if ((op.op === 'write' || op.op === 'read') && inBlock(op.gpa)) return { ...op, gpa: op.gpa - off };
      return op;
    }),
  );
}

/**
 * A coupled rewrite is kept when it is simpler outright, or when ddmin after it ends simpler than
 * where it started (a collapsed walk repeats one store per level until ddmin drops the repeats).
 */
function attempt(t: Tester, candidate: Scenario): Scenario | undefined {
  const before = t.current;
  const got = t.tryDetour(candidate);
  if (got === undefined) return undefined;
  if (!simpler(got, before)) reduceOps(got.scenario, t);
  const end = t.commitOrRestore(before);
  return end === before ? undefined : end.scenario;
}

/** Pass 5: the walk collapsed onto one entry, then tables renumbered, then the PAE root aligned. */
export function canonicalize(s: Scenario, t: Tester, first: BackendFactory): Scenario {
  let current = s;
  for (const candidate of walkCollapses(current, first)) {
    if (t.spent) return current;
    const got = attempt(t, candidate);
    if (got !== undefined) {
      current = got;
      break;
    }
  }
  for (const transform of [renumberTables, alignPaeRoot]) {
    const candidate = transform(current);
    if (candidate !== current && !t.spent) current = attempt(t, candidate) ?? current;
  }
  return current;
}
