// Guest-physical memory as KVM userspace provides it: memslots, each with sparse typed-array
// backing. Plumbing shared by every backend; it holds no MMU logic (no walks, no SPTEs, no zaps).
import { PAGE_SIZE } from '../x86/bits.js';
import { Memslot, type MemslotSpec } from './memslot.js';

/** Returned by read32 when the address is outside every memslot. Real values are >= 0. */
export const NOT_BACKED = -1;

/** Host physical memory for slots starts at 4 GiB, so an hpa never equals its gpa by accident. */
const HOST_BASE_PFN = 0x100000;

export class GuestMemory {
  private readonly list: Memslot[] = [];
  private last: Memslot | undefined;
  private nextHostPfn = HOST_BASE_PFN;

  constructor(specs: readonly MemslotSpec[] = []) {
    for (const s of specs) {
      const err = this.addSlot(s);
      if (err) throw new Error(`memslot ${s.slot}: ${err}`);
    }
  }

  /** Slots in ascending gfn order. */
  slots(): readonly Memslot[] {
    return this.list;
  }

  slotById(id: number): Memslot | undefined {
    return this.list.find((s) => s.id === id);
  }

  /** The memslot holding gfn, if any (KVM: gfn_to_memslot). */
  findSlot(gfn: number): Memslot | undefined {
    const last = this.last;
    if (last !== undefined && gfn >= last.baseGfn && gfn < last.baseGfn + last.npages) return last;
    for (const s of this.list) {
      if (gfn >= s.baseGfn && gfn < s.baseGfn + s.npages) {
        this.last = s;
        return s;
      }
    }
    return undefined;
  }

  /** Host physical address backing gpa, or NOT_BACKED. */
  hpaOf(gpa: number): number {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const s = this.findSlot(gfn);
    if (s === undefined) return NOT_BACKED;
    return (s.hostBasePfn + (gfn - s.baseGfn)) * PAGE_SIZE + (gpa % PAGE_SIZE);
  }

  /** Unsigned 32-bit little-endian value at a 4-byte aligned gpa, or NOT_BACKED. */
  read32(gpa: number): number {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const s = this.findSlot(gfn);
    if (s === undefined) return NOT_BACKED;
    const page = s.pages.get(gfn - s.baseGfn);
    if (page === undefined) return 0;
    return page[(gpa % PAGE_SIZE) >>> 2];
  }

  /**
   * Reads `size` bytes (1, 2, 4 or 8, naturally aligned) into [lo, hi] halves.
   * Returns false when gpa is outside every memslot.
   */
  read(gpa: number, size: number, out: [number, number]): boolean {
    const w0 = this.read32(gpa - (gpa % 4));
    if (w0 === NOT_BACKED) return false;
    if (size === 8) {
      out[0] = w0;
      out[1] = this.read32(gpa + 4);
      return true;
    }
    const shift = (gpa % 4) * 8;
    const mask = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    out[0] = ((w0 >>> shift) & mask) >>> 0;
    out[1] = 0;
    return true;
  }

  /**
   * Stores `size` bytes (naturally aligned) from [lo, hi]. Returns false, changing nothing, when
   * gpa is outside every memslot. Read-only slots are the caller's business (it decides between
   * MMIO exit and silent skip); this writes whatever it is given.
   */
  write(gpa: number, size: number, lo: number, hi: number): boolean {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const s = this.findSlot(gfn);
    if (s === undefined) return false;
    let page = s.pages.get(gfn - s.baseGfn);
    if (page === undefined) {
      page = new Uint32Array(PAGE_SIZE / 4);
      s.pages.set(gfn - s.baseGfn, page);
    }
    const idx = (gpa % PAGE_SIZE) >>> 2;
    if (size === 8) {
      page[idx] = lo;
      page[idx + 1] = hi;
      return true;
    }
    if (size === 4) {
      page[idx] = lo;
      return true;
    }
    const shift = (gpa % 4) * 8;
    const mask = ((1 << (size * 8)) - 1) << shift;
    page[idx] = ((page[idx] & ~mask) | ((lo << shift) & mask)) >>> 0;
    return true;
  }

  /**
   * KVM_SET_USER_MEMORY_REGION creating a slot. Returns an error message (nothing changed) or
   * undefined. Rules: unused slot id, page-aligned non-zero size and gpa, no overlap.
   */
  addSlot(spec: MemslotSpec): string | undefined {
    if (this.slotById(spec.slot) !== undefined) return `slot ${spec.slot} already exists`;
    const err = this.checkRange(spec.gpa, spec.size, spec.slot);
    if (err) return err;
    const npages = spec.size / PAGE_SIZE;
    const slot = new Memslot(
      spec.slot,
      spec.gpa / PAGE_SIZE,
      npages,
      spec.flags.includes('readonly'),
      spec.flags.includes('dirty_log'),
      this.nextHostPfn,
    );
    this.nextHostPfn += npages;
    this.list.push(slot);
    this.list.sort((a, b) => a.baseGfn - b.baseGfn);
    return undefined;
  }

  /** Deletes a slot and its backing. Returns an error message or undefined. */
  deleteSlot(id: number): string | undefined {
    const i = this.list.findIndex((s) => s.id === id);
    if (i < 0) return `slot ${id} does not exist`;
    this.list.splice(i, 1);
    this.last = undefined;
    return undefined;
  }

  /** Moves a slot (same size and backing) to a new gpa. Returns an error message or undefined. */
  moveSlot(id: number, gpa: number): string | undefined {
    const s = this.slotById(id);
    if (s === undefined) return `slot ${id} does not exist`;
    const err = this.checkRange(gpa, s.npages * PAGE_SIZE, id);
    if (err) return err;
    s.baseGfn = gpa / PAGE_SIZE;
    this.list.sort((a, b) => a.baseGfn - b.baseGfn);
    this.last = undefined;
    return undefined;
  }

  /** Changes a slot's flags: only dirty_log may change (KVM refuses a READONLY change). */
  setFlags(id: number, flags: readonly string[]): string | undefined {
    const s = this.slotById(id);
    if (s === undefined) return `slot ${id} does not exist`;
    if (flags.includes('readonly') !== s.readonly) return 'the readonly flag of an existing slot cannot change';
    s.dirtyLog = flags.includes('dirty_log');
    return undefined;
  }

  /** Would a range of this size at gpa be a valid slot, ignoring slot `self`? */
  checkRange(gpa: number, size: number, self: number): string | undefined {
    if (size <= 0 || size % PAGE_SIZE !== 0) return 'size must be a non-zero multiple of 4 KiB';
    if (gpa % PAGE_SIZE !== 0) return 'gpa must be 4 KiB aligned';
    const base = gpa / PAGE_SIZE;
    const end = base + size / PAGE_SIZE;
    for (const s of this.list) {
      if (s.id === self) continue;
      if (base < s.endGfn && s.baseGfn < end) return `range overlaps slot ${s.id}`;
    }
    return undefined;
  }
}

