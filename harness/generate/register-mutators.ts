// Op generators for register transitions, valid and invalid: CR0.WP, CR4 feature bits, EFER.NXE,
// PCIDs, CR3 reloads and switches, paging off/on, mode switches, LA57 in long mode, reserved bits,
// PKRU and RFLAGS.AC.
import { u64 } from '../../mmus/x86/u64.js';
import {
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
  CR4_SMXE,
  CR4_UMIP,
  CR4_VMXE,
  CR4_CET,
  CR4_PKS,
  EFER_LMA,
  EFER_NXE,
  RFLAGS_AC,
} from '../../mmus/x86/bits.js';
import type { Reg } from '../../mmus/backend.js';
import { accessMapped } from './access-mutators.js';
import type { GenState } from './gen-state.js';
import { isLongMode, type GenMode } from './geometry.js';
import { cr3For, enablePcid, enterMode, hierarchyFor, pcidCr3, randomPkru } from './modes.js';
import { newHierarchy, mapRandom } from './tables.js';

/** toggle-wp: flips CR0.WP (KVM re-initializes the walker without a flush). */
export function toggleWp(g: GenState): boolean {
  g.set('cr0', u64(g.regs.cr0 ^ CR0_WP));
  return true;
}

/** toggle-cr4: flips SMEP, SMAP, PKE, PGE, PSE or (rarely) PAE; #GP when the feature is missing or the mode forbids it. */
export function toggleCr4(g: GenState): boolean {
  const bit = g.rng.pick([CR4_SMEP, CR4_SMEP, CR4_SMEP, CR4_SMAP, CR4_SMAP, CR4_SMAP, CR4_PKE, CR4_PKE, CR4_PGE, CR4_PGE, CR4_PSE, CR4_PSE, CR4_PAE]);
  g.set('cr4', u64((g.regs.cr4 ^ bit) >>> 0));
  return true;
}

/** toggle-nxe: flips EFER.NXE (an MMU reset; NX bits become reserved or meaningful). */
export function toggleNxe(g: GenState): boolean {
  g.set('efer', u64((g.regs.efer ^ EFER_NXE) & ~EFER_LMA));
  return true;
}

/** pcid: turns PCIDE on (valid only in long mode with CR3[11:0] = 0), or loads CR3 with a PCID and maybe NOFLUSH. */
export function pcid(g: GenState): boolean {
  const rng = g.rng;
  const long = (g.regs.efer & EFER_LMA) !== 0;
  if ((g.regs.cr4 & CR4_PCIDE) === 0) {
    if (!g.has('pcid') && !rng.bool(0.3)) return false;
    if (long && rng.bool(0.85)) enablePcid(g);
    else g.set('cr4', u64(g.regs.cr4 | CR4_PCIDE));
    return true;
  }
  const h = g.currentHierarchy() ?? (g.mode !== 'off' ? hierarchyFor(g, g.mode) : undefined);
  if (h === undefined) return false;
  g.set('cr3', pcidCr3(g, h));
  return true;
}

/** reload-cr3: writes CR3 with its own value (a flush; PAE reloads the PDPTRs), NOFLUSH sometimes. */
export function reloadCr3(g: GenState): boolean {
  const cr3 = g.regs.cr3;
  const noflush = (g.regs.cr4 & CR4_PCIDE) !== 0 && g.rng.bool(0.3);
  g.set('cr3', u64(cr3.lo, noflush ? cr3.hi | CR3_NOFLUSH_HI : cr3.hi));
  if (g.rng.bool(0.5)) accessMapped(g);
  return true;
}

/** switch-cr3: moves CR3 to another hierarchy of the current mode (building one if needed). */
export function switchCr3(g: GenState): boolean {
  const mode = g.mode;
  if (mode === 'off') return false;
  const current = g.currentHierarchy();
  const others = g.hierarchies.filter((h) => h.mode === mode && h !== current);
  let h = others.length > 0 && g.rng.bool(0.6) ? g.rng.pick(others) : undefined;
  if (h === undefined) {
    h = newHierarchy(g, mode);
    for (let i = 1 + g.rng.int(2); i > 0; i--) mapRandom(g, h);
  }
  g.set('cr3', (g.regs.cr4 & CR4_PCIDE) !== 0 ? pcidCr3(g, h) : cr3For(g, h));
  g.focus = h.mappings.slice(-2);
  accessMapped(g);
  return true;
}

/** paging-off-on: clears CR0.PG (#GP with PCIDE), sometimes accesses 1:1 meanwhile, sets it again. */
export function pagingOffOn(g: GenState): boolean {
  if ((g.regs.cr0 & CR0_PG) === 0) return false;
  const cr0 = g.regs.cr0;
  g.set('cr0', u64(cr0 & ~CR0_PG));
  if (g.rng.bool(0.5)) accessMapped(g);
  g.set('cr0', u64(cr0 >>> 0));
  return true;
}

/** switch-mode: moves to another paging mode through a valid sequence (PAE <-> 32-bit, into or out of long mode, 4 <-> 5 levels). */
export function switchMode(g: GenState): boolean {
  const modes: GenMode[] = ['32-bit', 'pae', '4-level'];
  if (g.has('la57')) modes.push('5-level');
  // Paging off is a short visit (paging-off-on covers it); staying off would waste the scenario.
  const target: GenMode | 'off' = g.mode !== 'off' && g.rng.bool(0.1) ? 'off' : g.rng.pick(modes.filter((m) => m !== g.mode));
  enterMode(g, target);
  if (target !== 'off') {
    const h = g.currentHierarchy();
    if (h !== undefined) g.focus = h.mappings.slice(-2);
  }
  accessMapped(g);
  return true;
}

/** la57-toggle: flips CR4.LA57; in long mode that is a #GP (the mode cannot change under paging). */
export function la57Toggle(g: GenState): boolean {
  if (!isLongMode(g.mode as GenMode) && g.rng.bool(0.7)) return false;
  g.set('cr4', u64(g.regs.cr4 ^ CR4_LA57));
  return true;
}

/** rsvd-reg: a register write with a reserved or unsupported bit set (#GP, nothing changes). */
export function reservedRegister(g: GenState): boolean {
  const rng = g.rng;
  const r = g.regs;
  const reg: Reg = rng.pick(['cr0', 'cr3', 'cr4', 'cr4', 'efer', 'pkru', 'rflags']);
  switch (reg) {
    case 'cr0':
      g.set('cr0', u64(r.cr0, 1 << rng.int(32)));
      break;
    case 'cr3': {
      const bit = g.maxphyaddr + rng.int(63 - g.maxphyaddr);
      g.set('cr3', bit < 32 ? u64(r.cr3.lo | (1 << bit), r.cr3.hi) : u64(r.cr3.lo, r.cr3.hi | (1 << (bit - 32))));
      break;
    }
    case 'cr4':
      g.set('cr4', u64((r.cr4 | rng.pick([CR4_VMXE, CR4_SMXE, CR4_UMIP, CR4_CET, CR4_PKS, 1 << (25 + rng.int(7))])) >>> 0));
      break;
    case 'efer':
      g.set('efer', u64(r.efer | rng.pick([1 << 1, 1 << 7, 1 << 9, 1 << 12, 1 << 14, 1 << 20])));
      break;
    case 'pkru':
      g.set('pkru', u64(r.pkru, 1));
      break;
    case 'rflags':
      g.set('rflags', u64(r.rflags, 1 << rng.int(32)));
      break;
  }
  return true;
}

/** pkru: a new PKRU (#GP without CR4.PKE, so mostly only when it is on). */
export function pkru(g: GenState): boolean {
  if ((g.regs.cr4 & CR4_PKE) === 0 && !g.rng.bool(0.2)) return false;
  g.set('pkru', u64(randomPkru(g)));
  if (g.rng.bool(0.5)) accessMapped(g);
  return true;
}

/** rflags-ac: flips RFLAGS.AC (SMAP's override for explicit supervisor accesses). */
export function rflagsAc(g: GenState): boolean {
  g.set('rflags', u64((g.regs.rflags ^ RFLAGS_AC) >>> 0));
  if (g.rng.bool(0.5)) accessMapped(g);
  return true;
}
