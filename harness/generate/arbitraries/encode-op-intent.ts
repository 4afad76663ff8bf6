// Turns an OpIntent into a concrete Op for one scenario: pool indices become fixture addresses,
// register bit records become whole register values built on the mode's fixed bits.
import type { Config, MemslotFlag, MemslotSpec, Op } from '../../../mmus/backend.js';
import { u64 } from '../../../mmus/x86/u64.js';
import {
  CR0_WP,
  CR3_NOFLUSH_HI,
  PTE_NX_HI,
  CR4_PCIDE,
  CR4_PGE,
  CR4_PKE,
  CR4_PSE,
  CR4_SMAP,
  CR4_SMEP,
  EFER_NXE,
  RFLAGS_AC,
  RFLAGS_FIXED,
} from '../../../mmus/x86/bits.js';
import { entrySize, topLevel } from '../geometry.js';
import { HIGH_SLOT, HOLES, RO_SLOT } from '../layout.js';
import { encodeGpte } from './encode-gpte.js';
import type { FixtureHierarchy } from './fixture-hierarchy.js';
import type { ModeRegisters } from './mode-registers.js';
import type { OpIntent } from './op-intent-arbitrary.js';

/** Everything an intent is resolved against. */
export interface IntentContext {
  readonly config: Config;
  readonly tables: FixtureHierarchy;
  readonly regs: ModeRegisters;
}

/** A one-page slot an add may hot-plug, clear of every other slot and of the fixture's device page. */
const SPARE_SLOT = { slot: 3, gpa: 0x7000000, size: 0x1000 } as const;

/** Where a moved slot goes: 16 MiB above its base, clear of every other slot. */
const MOVE_DISTANCE = 0x1000000;

export function encodeOpIntent(intent: OpIntent, ctx: IntentContext): Op {
  const { config, tables, regs } = ctx;
  const features = config.cpu.features;
  switch (intent.kind) {
    case 'translate':
      return { op: intent.op, gva: tables.gvas[intent.gva], kind: intent.access, cpl: intent.cpl, implicit: intent.implicit };
    case 'write_gpte': {
      const e = entryAt(ctx, intent.gva, intent.level);
      const value = encodeGpte(intent.fields, {
        mode: tables.mode,
        level: e.level,
        maxphyaddr: config.cpu.maxphyaddr,
        original: e.frame,
        pool: targetPool(ctx),
      });
      return { op: 'write', gpa: e.gpa, value, size: entrySize(tables.mode) };
    }
    case 'edit_gpte': {
      const e = entryAt(ctx, intent.gva, intent.level);
      const size = entrySize(tables.mode);
      const edit = intent.edit;
      let frame = e.frame;
      let lo = e.flags;
      let hi = 0;
      if ('target' in edit) {
        const pool = targetPool(ctx);
        frame = pool[(edit.target - 1) % pool.length];
      } else if (edit.bit === 63) {
        if (size === 8) hi = PTE_NX_HI;
      } else {
        lo ^= 1 << edit.bit;
      }
      // A 4-byte entry keeps only the low 32 bits of the frame.
      const value = u64(((frame % 2 ** 32) | lo) >>> 0, size === 8 ? (hi | Math.floor(frame / 2 ** 32)) >>> 0 : 0);
      return { op: 'write', gpa: e.gpa, value, size };
    }
    case 'read_gpte':
      return { op: 'read', gpa: entryAt(ctx, intent.gva, intent.level).gpa, size: entrySize(tables.mode) };
    case 'cr0':
      return setReg('cr0', intent.wp ? regs.cr0 | CR0_WP : regs.cr0 & ~CR0_WP);
    case 'cr4': {
      // Only bits the guest's CPUID allows: the write is valid by construction.
      let cr4 = regs.cr4;
      if (intent.pse) cr4 |= CR4_PSE;
      if (intent.pge) cr4 |= CR4_PGE;
      if (intent.smep && features.has('smep')) cr4 |= CR4_SMEP;
      if (intent.smap && features.has('smap')) cr4 |= CR4_SMAP;
      if (intent.pke && features.has('pku')) cr4 |= CR4_PKE;
      return setReg('cr4', cr4);
    }
    case 'efer':
      return setReg('efer', intent.nxe && features.has('nx') ? regs.efer | EFER_NXE : regs.efer & ~EFER_NXE);
    case 'pkru':
      return setReg('pkru', intent.bits.reduce((v, b) => v | (1 << b), 0));
    case 'rflags':
      return setReg('rflags', RFLAGS_FIXED | (intent.ac ? RFLAGS_AC : 0));
    case 'cr3_reload':
      return setReg('cr3', regs.cr3);
    case 'invlpg':
      return { op: 'invlpg', gva: tables.gvas[intent.gva] };
    case 'memslot':
      return memslotOp(intent.action, intent.alt, extraSlot(config), config.memslots.length > 1);
    case 'dirty_log':
      return dirtyLogOp(config, intent.on);
    case 'cr3': {
      // PCID and NOFLUSH only mean something (and bit 63 is only legal) under CR4.PCIDE.
      const pcide = (regs.cr4 & CR4_PCIDE) !== 0;
      const root = tables.spaces[intent.space % tables.spaces.length];
      return { op: 'set', reg: 'cr3', value: u64(pcide ? root | intent.space : root, pcide && intent.noflush ? CR3_NOFLUSH_HI : 0) };
    }
    case 'invpcid_space':
      return { op: 'invpcid', type: intent.type, pcid: intent.space, gva: tables.gvas[intent.gva] };
    case 'table_write': {
      const e = entryAt(ctx, intent.gva, intent.level);
      const alias = tables.aliases.get(e.gpa - (e.gpa % 0x1000));
      return { op: 'access', gva: alias ?? tables.gvas[intent.gva], kind: 'write', cpl: 0, implicit: false };
    }
    case 'check':
      return { op: 'check' };
  }
}

/** The fixture entry for pool GVA `gva` at drawn level `level` (folded onto the mode's levels). */
function entryAt(ctx: IntentContext, gva: number, level: number) {
  const top = topLevel(ctx.tables.mode);
  return ctx.tables.entries[gva][(level - 1) % top];
}

function setReg(reg: 'cr0' | 'cr3' | 'cr4' | 'efer' | 'pkru' | 'rflags', value: number): Op {
  return { op: 'set', reg, value: u64(value) };
}

/**
 * The fixture's frames, then the second slot's first and last page (its last gfn is where
 * memslot zap ranges end), 4 GiB (PSE-36 and 1 GiB targets) and an address outside every slot.
 */
function targetPool(ctx: IntentContext): number[] {
  const extra = extraSlot(ctx.config);
  return [...ctx.tables.pool, extra.gpa, extra.gpa + extra.size - 0x1000, HIGH_SLOT.gpa, HOLES[0]];
}

/** The config's second slot, or the ROM slot (not present until a memslot add). */
function extraSlot(config: Config): MemslotSpec {
  return config.memslots.find((s) => s.slot !== 0) ?? { ...RO_SLOT, flags: ['readonly'] };
}

/** Dirty logging of slot 0 on or off (its flags are otherwise empty). */
function dirtyLogOp(config: Config, on: boolean): Op {
  const main = config.memslots.find((s) => s.slot === 0);
  const flags: MemslotFlag[] = main?.flags.includes('readonly') ? ['readonly'] : [];
  if (on) flags.push('dirty_log');
  return { op: 'memslot', action: 'flags', slot: 0, gpa: 0, size: 0, flags };
}

/** Ops in the canonical parsed form: fields an action does not take are 0 and []. */
function memslotOp(action: 'delete' | 'add' | 'move' | 'flags', alt: boolean, spec: MemslotSpec, present: boolean): Op {
  const base = { op: 'memslot' as const, action, slot: spec.slot };
  switch (action) {
    case 'delete':
      return { ...base, gpa: 0, size: 0, flags: [] };
    case 'add':
      // With the slot already in the config (not alt), a page hot-plugged elsewhere instead.
      if (present && !alt) return { ...base, slot: SPARE_SLOT.slot, gpa: SPARE_SLOT.gpa, size: SPARE_SLOT.size, flags: [] };
      return { ...base, gpa: spec.gpa, size: spec.size, flags: [...spec.flags] };
    case 'move':
      return { ...base, gpa: alt ? spec.gpa + MOVE_DISTANCE : spec.gpa, size: 0, flags: [] };
    case 'flags': {
      const flags: MemslotFlag[] = spec.flags.includes('readonly') ? ['readonly'] : [];
      if (alt !== spec.flags.includes('dirty_log')) flags.push('dirty_log');
      return { ...base, gpa: 0, size: 0, flags };
    }
  }
}
