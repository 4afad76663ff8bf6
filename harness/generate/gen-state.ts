// The random generator's shadow of what it has built: the ops so far, the registers it set, the
// memslots, the page-table pages and entries it wrote and the GVAs they map. It records writes,
// it does not model the MMU: a mapping stays "mapped" here even after a mutation breaks it.
import type { Config, CpuFeature, Op, Reg } from '../../mmus/backend.js';
import type { U64 } from '../../mmus/x86/u64.js';
import type { GenMode } from './geometry.js';
import { KvmDeviationGuard } from './kvm-deviation-guard.js';
import { applySet, regsMode, RESET_REGS, type Regs } from './regs.js';
import type { Rng } from './rng.js';
import { HIGH_SLOT, TABLE_BASE, TABLE_END, type SlotShadow } from './layout.js';

/** A page-table page (for PAE's PDPT: the 32-byte block CR3 points at). */
export interface TableRec {
  readonly gpa: number;
  readonly level: number;
  readonly mode: GenMode;
}

/** One entry the generator wrote (value = what it last wrote; A/D set by walks are not tracked). */
export interface EntryRec {
  readonly gpa: number;
  readonly level: number;
  readonly mode: GenMode;
  /** gpa of the table holding this entry. */
  readonly table: number;
  readonly hierarchy: Hierarchy;
  /** Written as a leaf (level 1, or PS set at a large-page level). */
  leaf: boolean;
  value: U64;
  /** What the builder first wrote (restore-entry goes back to it). */
  readonly orig: U64;
  readonly origLeaf: boolean;
}

/** A GVA page the generator mapped, and the entries on its path (top level first). */
export interface Mapping {
  readonly gva: U64;
  readonly level: number;
  readonly gpa: number;
  readonly path: readonly number[];
  readonly hierarchy: Hierarchy;
}

/** One set of page tables for one mode, rooted at `root` (CR3's address). */
export interface Hierarchy {
  readonly mode: GenMode;
  readonly root: number;
  readonly mappings: Mapping[];
  /** Index vectors (level -> index for levels >= 2) around which mappings cluster. */
  readonly regions: Readonly<Record<number, number>>[];
}

/** Choices made once per scenario and reused by every transition into paging. */
export interface Plan {
  readonly target: GenMode | 'off';
  /** CR4 bits besides PAE/LA57/PCIDE to turn on with paging (PSE, PGE, SMEP, SMAP, PKE). */
  readonly cr4Extra: number;
  readonly nxe: boolean;
  readonly wp: boolean;
}

export class GenState {
  readonly ops: Op[] = [];
  /** For each op, the name of the generator that emitted it ('setup' for the opening). */
  readonly origins: string[] = [];
  /** Name recorded for the ops emitted from now on. */
  origin = 'setup';
  /** Names of the mix-phase generators that ran, in order of first use. */
  readonly used: string[] = [];
  regs: Regs = RESET_REGS;
  readonly slots: SlotShadow[];
  readonly tables = new Map<number, TableRec>();
  readonly entries = new Map<number, EntryRec>();
  readonly hierarchies: Hierarchy[] = [];
  /** Mappings touched last (mapped or mutated): accesses prefer them. */
  focus: Mapping[] = [];
  plan: Plan = { target: 'off', cr4Extra: 0, nxe: false, wp: true };
  private nextTable = TABLE_BASE;
  private nextHighTable = HIGH_SLOT.gpa;
  /** Shadow paging without kvmDeviations: adjusts register writes away from the known KVM deviations. */
  private readonly guard: KvmDeviationGuard | undefined;

  constructor(
    readonly rng: Rng,
    readonly config: Config,
    /** Ops wanted in total. */
    readonly target: number,
    /** Allow the triggers of the known KVM deviations (GeneratorOptions.kvmDeviations). */
    kvmDeviations = false,
  ) {
    this.guard = config.host.tdp === 'none' && !kvmDeviations ? new KvmDeviationGuard(config.cpu) : undefined;
    this.slots = config.memslots.map((m) => ({
      slot: m.slot,
      gpa: m.gpa,
      size: m.size,
      readonly: m.flags.includes('readonly'),
      dirtyLog: m.flags.includes('dirty_log'),
    }));
  }

  get maxphyaddr(): number {
    return this.config.cpu.maxphyaddr;
  }

  has(feature: CpuFeature): boolean {
    return this.config.cpu.features.has(feature);
  }

  /** Host tdp none: KVM shadows the guest tables, so the shadow generators join the mix. */
  get shadow(): boolean {
    return this.config.host.tdp === 'none';
  }

  get full(): boolean {
    return this.ops.length >= this.target;
  }

  get mode(): GenMode | 'off' {
    return regsMode(this.regs);
  }

  emit(op: Op): void {
    this.ops.push(op);
    this.origins.push(this.origin);
  }

  /**
   * Emits `set reg = value` (adjusted by the deviation guard, if any) and follows it in the shadow
   * registers when it would not #GP.
   */
  set(reg: Reg, value: U64): boolean {
    const v = this.guard === undefined ? value : this.guard.adjust(this.regs, reg, value);
    this.emit({ op: 'set', reg, value: v });
    const next = applySet(this.regs, this.config.cpu, reg, v);
    if (next === null) return false;
    this.regs = next;
    this.guard?.observe(next);
    return true;
  }

  /** Emits a write of `size` bytes (value truncated to fit). */
  write(gpa: number, value: U64, size: 1 | 2 | 4 | 8): void {
    const lo = size === 8 || size === 4 ? value.lo >>> 0 : value.lo & (size === 2 ? 0xffff : 0xff);
    this.emit({ op: 'write', gpa, value: { lo, hi: size === 8 ? value.hi >>> 0 : 0 }, size });
  }

  /** A fresh zeroed page for a page table: slot 0's table area, or the high slot when asked and present. */
  allocTablePage(high: boolean): number {
    if (high && this.slotAt(HIGH_SLOT.gpa) !== undefined && this.nextHighTable < HIGH_SLOT.gpa + HIGH_SLOT.size) {
      const gpa = this.nextHighTable;
      this.nextHighTable += 0x1000;
      return gpa;
    }
    // Past the area, reuse pages from its start: aliasing is a legitimate scenario too.
    if (this.nextTable >= TABLE_END) this.nextTable = TABLE_BASE;
    const gpa = this.nextTable;
    this.nextTable += 0x1000;
    return gpa;
  }

  slotAt(gpa: number): SlotShadow | undefined {
    return this.slots.find((s) => gpa >= s.gpa && gpa < s.gpa + s.size);
  }

  /** The hierarchy CR3 points at in the current mode, if the generator built it. */
  currentHierarchy(): Hierarchy | undefined {
    const mode = this.mode;
    if (mode === 'off') return undefined;
    const cr3 = this.regs.cr3;
    const mask = mode === 'pae' ? 0xffffffe0 : 0xfffff000;
    const root = ((cr3.lo & mask) >>> 0) + (mode === 'pae' || mode === '32-bit' ? 0 : (cr3.hi & 0xfffff) * 2 ** 32);
    return this.hierarchies.find((h) => h.root === root && h.mode === mode);
  }

  /** Records that a generator ran (for the scenario description). */
  markUsed(name: string): void {
    if (!this.used.includes(name)) this.used.push(name);
  }

  /** Mappings whose path goes through the entry at gpa. */
  mappingsThrough(entryGpa: number): Mapping[] {
    const e = this.entries.get(entryGpa);
    if (e === undefined) return [];
    return e.hierarchy.mappings.filter((m) => m.path.includes(entryGpa));
  }
}
