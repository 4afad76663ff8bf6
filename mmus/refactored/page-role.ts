// Bit layout of the MMU roles in the kvm-chainsaw tree (§1.2/§1.3 NEW columns): union
// kvm_mmu_page_role (32 bits) and union kvm_mmu_extended_role (32 bits), plus the 4-bit ACC
// encoding. Models arch/x86/include/asm/kvm_host.h after "pull page format to a new struct".

// ACC bits, NEW encoding: each right is one bit so permissions[] entries are 16 bits wide.
// READ and WRITE and USER sit at the x86 gpte's P, R/W and U/S positions on purpose.
export const ACC_READ = 1;
export const ACC_WRITE = 2;
/** x86 U/S; for EPT also "user-mode executable" (XU) under MBEC. */
export const ACC_USER = 4;
/** x86 !NX; for EPT the X (XS) bit. */
export const ACC_EXEC = 8;
export const ACC_ALL = 15;

// kvm_mmu_page_role
export const ROLE_LEVEL_MASK = 0xf;
export const ROLE_HAS_4_BYTE_GPTE = 1 << 4;
export const ROLE_QUADRANT_SHIFT = 5;
export const ROLE_DIRECT = 1 << 7;
export const ROLE_ACCESS_SHIFT = 8;
export const ROLE_INVALID = 1 << 12;
export const ROLE_EFER_NX = 1 << 13;
export const ROLE_CR0_WP = 1 << 14;
export const ROLE_SMAP_ANDNOT_WP = 1 << 15;
export const ROLE_AD_DISABLED = 1 << 16;
export const ROLE_GUEST_MODE = 1 << 17;
export const ROLE_PASSTHROUGH = 1 << 18;
export const ROLE_IS_MIRROR = 1 << 19;
/** Guest CR4.SMEP for CPU roles; MBEC/GMET for nested-TDP walkers and L0 TDP roots. */
export const ROLE_CR4_SMEP = 1 << 20;
export const ROLE_SMM_SHIFT = 24;

// kvm_mmu_extended_role (NEW: cr4_smep moved to the base role, has_pferr_fetch added)
export const EXT_VALID = 1 << 0;
export const EXT_EXECONLY = 1 << 1;
export const EXT_CR4_PSE = 1 << 2;
export const EXT_CR4_PKE = 1 << 3;
export const EXT_CR4_SMAP = 1 << 4;
export const EXT_CR4_LA57 = 1 << 5;
export const EXT_EFER_LMA = 1 << 6;
export const EXT_HAS_PFERR_FETCH = 1 << 7;

/** union kvm_cpu_role: base page role plus extended role, both packed as numbers. Immutable. */
export interface CpuRole {
  readonly base: number;
  readonly ext: number;
}

/** The never-initialized role (ext.valid = 0): any computed role differs from it. */
export const CPU_ROLE_INVALID: CpuRole = Object.freeze({ base: 0, ext: 0 });

export function cpuRoleEquals(a: CpuRole, b: CpuRole): boolean {
  return a.base === b.base && a.ext === b.ext;
}

export function roleLevel(base: number): number {
  return base & ROLE_LEVEL_MASK;
}

/** Role with a different level (KVM builds child-page roles this way). */
export function roleWithLevel(base: number, level: number): number {
  return ((base & ~ROLE_LEVEL_MASK) | level) >>> 0;
}
