// One memslot: a range of guest-physical pages backed by its own sparse host memory.
// Mirrors KVM's struct kvm_memory_slot as far as the MMU sees it (base_gfn, npages, flags).

export type MemslotFlag = 'readonly' | 'dirty_log';

/** A memslot as a scenario's config or a `memslot` operation describes it. */
export interface MemslotSpec {
  readonly slot: number;
  /** Page-aligned guest-physical base address. */
  readonly gpa: number;
  /** Page-aligned, non-zero size in bytes. */
  readonly size: number;
  readonly flags: readonly MemslotFlag[];
}

export class Memslot {
  /** 4 KiB pages of backing, by page index inside the slot; absent = all zeroes. */
  readonly pages = new Map<number, Uint32Array>();
  dirtyLog: boolean;

  constructor(
    readonly id: number,
    public baseGfn: number,
    readonly npages: number,
    readonly readonly: boolean,
    dirtyLog: boolean,
    /** First host pfn backing this slot; fixed for the slot's life (a move keeps it). */
    readonly hostBasePfn: number,
  ) {
    this.dirtyLog = dirtyLog;
  }

  get endGfn(): number {
    return this.baseGfn + this.npages;
  }

  containsGfn(gfn: number): boolean {
    return gfn >= this.baseGfn && gfn < this.baseGfn + this.npages;
  }
}
