// Turning paging on, off and between modes with `set` ops in an order the architecture accepts
// (docs/model-contract.md "Register writes"), and the scenario's opening: tables, then paging.
import { u64 } from '../../mmus/x86/u64.js';
import {
  CR0_CD,
  CR0_NE,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR3_NOFLUSH_HI,
  CR4_LA57,
  CR4_PAE,
  CR4_PCIDE,
  CR4_PGE,
  CR4_PKE,
  CR4_PSE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_LMA,
  EFER_LME,
  EFER_NXE,
  PTE_PCD,
  PTE_PWT,
} from '../../mmus/x86/bits.js';
import type { GenState, Hierarchy, Plan } from './gen-state.js';
import { isLongMode, type GenMode } from './geometry.js';
import { dataPage } from './layout.js';
import { shadowOpening } from './shadow-opening.js';
import { mapRandom, newHierarchy } from './tables.js';

/** Target mode and the CR4/EFER/CR0 extras for this scenario. */
export function pickPlan(g: GenState): Plan {
  const rng = g.rng;
  const r = rng.next();
  let target: GenMode | 'off' = r < 0.04 ? 'off' : r < 0.18 ? '32-bit' : r < 0.32 ? 'pae' : r < 0.72 ? '4-level' : '5-level';
  if (target === '5-level' && !g.has('la57')) target = '4-level';
  let cr4Extra = 0;
  if (rng.bool(target === '32-bit' ? 0.7 : 0.3)) cr4Extra |= CR4_PSE;
  if (rng.bool(0.3)) cr4Extra |= CR4_PGE;
  if (g.has('smep') && rng.bool(0.45)) cr4Extra |= CR4_SMEP;
  if (g.has('smap') && rng.bool(0.35)) cr4Extra |= CR4_SMAP;
  if (g.has('pku') && rng.bool(0.45)) cr4Extra |= CR4_PKE;
  const nxe = g.has('nx') && rng.bool(target === '32-bit' ? 0.3 : 0.8);
  return { target, cr4Extra, nxe, wp: rng.bool(0.8) };
}

/** The CR3 value pointing at h: its root, sometimes with PWT/PCD (PAE: bits 4:0 are ignored). */
export function cr3For(g: GenState, h: Hierarchy, pcid = 0): { lo: number; hi: number } {
  const attrs = h.mode !== 'pae' && pcid === 0 && g.rng.bool(0.1) ? PTE_PWT | (g.rng.bool() ? PTE_PCD : 0) : 0;
  const v = u64((h.root % 2 ** 32) | attrs | pcid, Math.floor(h.root / 2 ** 32));
  return v;
}

/** A hierarchy for mode: usually an existing one, else a new one with a few mappings. */
export function hierarchyFor(g: GenState, mode: GenMode): Hierarchy {
  const existing = g.hierarchies.filter((h) => h.mode === mode);
  if (existing.length > 0 && g.rng.bool(0.7)) return g.rng.pick(existing);
  const h = newHierarchy(g, mode);
  const n = 1 + g.rng.int(3);
  for (let i = 0; i < n; i++) mapRandom(g, h);
  return h;
}

/**
 * Emits the register writes that move the vCPU from its current state into `target`: paging off
 * first when on (PCIDE off before that), then CR4 (PAE, LA57, extras), EFER (LME, NXE) and CR3 in
 * a random order, and CR0.PG last.
 */
export function enterMode(g: GenState, target: GenMode | 'off', h?: Hierarchy, extra?: { cr4: number; nxe: boolean; wp: boolean }): void {
  const rng = g.rng;
  if ((g.regs.cr0 & CR0_PG) !== 0) {
    if ((g.regs.cr4 & CR4_PCIDE) !== 0) g.set('cr4', u64(g.regs.cr4 & ~CR4_PCIDE));
    g.set('cr0', u64(g.regs.cr0 & ~CR0_PG));
  }
  if (target === 'off') return;
  const tables = h ?? hierarchyFor(g, target);
  const long = isLongMode(target);
  const steps: (() => void)[] = [
    () => {
      let cr4 = (g.regs.cr4 & ~(CR4_PAE | CR4_LA57 | CR4_PCIDE)) | (extra?.cr4 ?? 0);
      if (target !== '32-bit') cr4 |= CR4_PAE;
      if (target === '5-level') cr4 |= CR4_LA57;
      if (cr4 !== g.regs.cr4 || rng.bool(0.2)) g.set('cr4', u64(cr4));
    },
    () => {
      let efer = g.regs.efer & ~(EFER_LME | EFER_LMA);
      if (long) efer |= EFER_LME;
      if (extra?.nxe) efer |= EFER_NXE;
      if (efer !== g.regs.efer || rng.bool(0.2)) g.set('efer', u64(efer));
    },
    () => g.set('cr3', cr3For(g, tables)),
  ];
  // CR4, EFER and CR3 may come in any order while CR0.PG = 0.
  for (let i = steps.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [steps[i], steps[j]] = [steps[j], steps[i]];
  }
  for (const step of steps) step();
  let cr0 = (g.regs.cr0 | CR0_PG | CR0_PE) & ~(CR0_CD | CR0_NW);
  if (extra !== undefined) {
    cr0 = extra.wp ? cr0 | CR0_WP : cr0 & ~CR0_WP;
    if (rng.bool(0.5)) cr0 |= CR0_NE;
  }
  // Sometimes protection first and paging in a second write, as a real OS does.
  if ((g.regs.cr0 & CR0_PE) === 0 && rng.bool(0.15)) g.set('cr0', u64((cr0 & ~CR0_PG) >>> 0));
  g.set('cr0', u64(cr0 >>> 0));
}

/** Turns PCIDE on (long mode with the pcid feature): CR3's PCID bits cleared first. */
export function enablePcid(g: GenState): void {
  const cr3 = g.regs.cr3;
  if ((cr3.lo & 0xfff) !== 0) g.set('cr3', u64(cr3.lo & ~0xfff, cr3.hi));
  g.set('cr4', u64(g.regs.cr4 | CR4_PCIDE));
}

/** A CR3 value for h under PCIDE: a small PCID and sometimes the NOFLUSH bit. */
export function pcidCr3(g: GenState, h: Hierarchy): { lo: number; hi: number } {
  const pcid = g.rng.bool(0.8) ? g.rng.int(4) : g.rng.int(0x1000);
  const v = cr3For(g, h, pcid);
  return g.rng.bool(0.3) ? { lo: v.lo, hi: (v.hi | CR3_NOFLUSH_HI) >>> 0 } : v;
}

/** The opening of every scenario: the plan, valid tables for its target mode, then paging on. */
export function setupScenario(g: GenState): void {
  const rng = g.rng;
  g.plan = pickPlan(g);
  const target = g.plan.target;
  if (target === 'off') {
    // Paging stays off: accesses translate 1:1, memory still matters for MMIO and dirty logging.
    g.write(dataPage(rng), u64(rng.u32(), rng.u32()), 8);
    return;
  }
  const h = newHierarchy(g, target);
  const budget = Math.max(8, Math.floor(g.target * 0.35)) - 4;
  const maxMappings = 2 + rng.int(7);
  for (let tries = 0; tries < 2 * maxMappings && h.mappings.length < maxMappings; tries++) {
    if (h.mappings.length > 0 && g.ops.length >= budget) break;
    mapRandom(g, h);
  }
  if (g.shadow) shadowOpening(g, h);
  enterMode(g, target, h, { cr4: g.plan.cr4Extra, nxe: g.plan.nxe, wp: g.plan.wp });
  if (isLongMode(target) && g.has('pcid') && rng.bool(0.25)) enablePcid(g);
  if ((g.regs.cr4 & CR4_PKE) !== 0 && rng.bool(0.5)) g.set('pkru', u64(randomPkru(g)));
  g.focus = h.mappings.slice(-2);
}

/** A PKRU value: each key's AD and WD bits set with some probability (key 0 mostly open). */
export function randomPkru(g: GenState): number {
  const rng = g.rng;
  if (rng.bool(0.1)) return 0;
  let v = 0;
  for (let key = 0; key < 16; key++) {
    const p = key === 0 ? 0.05 : 0.25;
    if (rng.bool(p)) v |= 1 << (2 * key);
    if (rng.bool(p)) v |= 1 << (2 * key + 1);
  }
  return v >>> 0;
}
