// A coupled rewrite for pass 5: one self-mapping entry instead of one table per level. From level
// k of the diverging access's walk down, the walk moves to entry 0 of level k's table: the GVA's
// index bits for those levels are cleared, each walked entry's stores move to that entry 0 (same
// byte offset inside the entry) and point it at level k's table (a 4 KiB leaf too: the models never
// read data pages), other stores into those tables move into level k's table, and frames and CR3
// values naming them name it. The levels then read the same gpte, as in a table
// that maps itself, and ddmin drops the stores that became repeats. Tried from the top level
// (k = 0) down, since a PAE PDPTE cannot carry the bits the levels below may need; from the last
// level alone it just moves the leaf to entry 0 of its table.
import type { BackendFactory, Op, U64 } from '../../mmus/backend.js';
import type { Scenario } from '../scenario/scenario.js';
import { clearBits } from './bits.js';
import { withOps } from './candidate.js';
import { entryPage, withEntryPage } from './frames.js';
import { walkOfLastOp, type Walk, type WalkEntry } from './walk-entries.js';

const PAGE = 0x1000;

/** The GVA's page as a string key (GVAs may have 57 bits: no JS number arithmetic). */
function gvaPageKey(v: U64): string {
  return `${v.hi}:${v.lo >>> 12}`;
}

/** Every collapse of the last op's walk, from the top level down (empty when there is none). */
export function walkCollapses(s: Scenario, first: BackendFactory): Scenario[] {
  const w = walkOfLastOp(s, first);
  if (w === undefined) return [];
  const out: Scenario[] = [];
  for (let k = 0; k < w.entries.length; k++) out.push(collapseFrom(s, w, k));
  return out;
}

function collapseFrom(s: Scenario, w: Walk, k: number): Scenario {
  const last = s.ops.at(-1)!;
  if (last.op !== 'access' && last.op !== 'gva_to_gpa') return s;
  const below = w.entries.slice(k);
  const home = Math.floor(below[0].start / PAGE);
  const tables = new Set(below.map((e) => Math.floor(e.start / PAGE)));
  const target = gvaPageKey(last.gva);
  // Level k's index bits and everything below them; from the top level, the whole GVA but the offset.
  const topBit = k === 0 ? 63 : w.entries[k].shift + w.entries[k].width - 1;
  const moveGpa = (gpa: number): number => {
    const e = below.find((x) => gpa >= x.start && gpa < x.end);
    if (e !== undefined) return home * PAGE + (gpa - e.start);
    return tables.has(Math.floor(gpa / PAGE)) ? home * PAGE + (gpa % PAGE) : gpa;
  };
  // Frame bits 12..51 (12..31 for 4-byte entries) naming a collapsed table name level k's table.
  const maxphyaddr = s.config.cpu.maxphyaddr;
  const withHome = (v: U64, size: number): U64 => withEntryPage(v, size, home, maxphyaddr);
  const moveFrame = (v: U64, size: number): U64 => (tables.has(entryPage(v, size, maxphyaddr)) ? withHome(v, size) : v);
  // The root is level 0's table: only a collapse from the top moves it (to entry 0 of its page).
  const rootMask = w.mode === 'pae' ? 0x1f : 0xfff;
  /** A store into a walked entry: the same store into entry 0, pointing at home unless a large leaf. */
  const storeEntry = (op: Extract<Op, { op: 'write' }>, e: WalkEntry): Op => {
    const at = op.gpa - e.start;
    const gpa = home * PAGE + at;
    const largeLeaf = (op.value.lo & 0x80) !== 0 && e.shift !== 12;
    if (largeLeaf || op.size < 4) return { ...op, gpa };
    // The high half of a 64-bit entry holds frame bits 32..MAXPHYADDR-1.
    if (at === 4) return { ...op, gpa, value: { lo: withEntryPage({ lo: 0, hi: op.value.lo }, 8, home, maxphyaddr).hi, hi: op.value.hi } };
    return { ...op, gpa, value: withHome(op.value, op.size) };
  };
  const ops = s.ops.map((op): Op => {
    switch (op.op) {
      case 'write': {
        const e = below.find((x) => op.gpa >= x.start && op.gpa < x.end);
        if (e !== undefined) return storeEntry(op, e);
        return { ...op, gpa: moveGpa(op.gpa), value: op.size >= 4 ? moveFrame(op.value, op.size) : op.value };
      }
      case 'read':
        return { ...op, gpa: moveGpa(op.gpa) };
      case 'set':
        if (k !== 0 || op.reg !== 'cr3' || !tables.has(entryPage(op.value, 8, maxphyaddr))) return op;
        return { ...op, value: withHome({ lo: op.value.lo & rootMask, hi: op.value.hi }, 8) };
      case 'access':
      case 'gva_to_gpa':
      case 'invlpg':
      case 'invpcid':
        return gvaPageKey(op.gva) === target ? { ...op, gva: clearBits(op.gva, 12, topBit) } : op;
      default:
        return op;
    }
  });
  return withOps(s, ops);
}
