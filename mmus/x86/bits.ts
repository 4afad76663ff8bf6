// Architectural bit positions (Intel SDM vol. 3A ch. 2 and 4; AMD APM vol. 2 ch. 3 and 5).
// Facts only: no walker, permission or role logic lives here.

// CR0 (SDM 2.5)
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = (1 << 31) >>> 0;
/** CR0 value at architectural reset (INIT): CD | NW | ET. */
export const CR0_RESET = (CR0_CD | CR0_NW | CR0_ET) >>> 0;
/** Bits of CR0[31:0] that exist; the rest are reserved (KVM silently clears them). */
export const CR0_DEFINED = (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG) >>> 0;

// CR3
export const CR3_PCID_MASK = 0xfff;
/** Bit 63 of the MOV CR3 source when CR4.PCIDE=1: do not flush (it is not stored in CR3). */
export const CR3_NOFLUSH_HI = (1 << 31) >>> 0;

// CR4 (SDM 2.5)
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_MCE = 1 << 6;
export const CR4_PGE = 1 << 7;
export const CR4_PCE = 1 << 8;
export const CR4_OSFXSR = 1 << 9;
export const CR4_OSXMMEXCPT = 1 << 10;
export const CR4_UMIP = 1 << 11;
export const CR4_LA57 = 1 << 12;
export const CR4_VMXE = 1 << 13;
export const CR4_SMXE = 1 << 14;
export const CR4_FSGSBASE = 1 << 16;
export const CR4_PCIDE = 1 << 17;
export const CR4_OSXSAVE = 1 << 18;
export const CR4_SMEP = 1 << 20;
export const CR4_SMAP = 1 << 21;
export const CR4_PKE = 1 << 22;
export const CR4_CET = 1 << 23;
export const CR4_PKS = 1 << 24;

// EFER (SDM 2.2.1, MSR 0xC0000080)
export const EFER_SCE = 1 << 0;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11;

// RFLAGS
export const RFLAGS_FIXED = 1 << 1;
export const RFLAGS_AC = 1 << 18;

// x86 paging-structure entries (SDM 4.3-4.5), positions in the low half unless noted.
export const PTE_P = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_US = 1 << 2;
export const PTE_PWT = 1 << 3;
export const PTE_PCD = 1 << 4;
export const PTE_A = 1 << 5;
export const PTE_D = 1 << 6;
/** PS in a PDE/PDPTE; PAT in a 4 KiB PTE. */
export const PTE_PS = 1 << 7;
export const PTE_G = 1 << 8;
/** PAT bit of a large-page entry. */
export const PTE_LARGE_PAT = 1 << 12;
/** NX is bit 63: bit 31 of the high half (64-bit formats only). */
export const PTE_NX_HI = (1 << 31) >>> 0;
/** Protection key: bits 62:59 = bits 30:27 of the high half. */
export const PTE_PKEY_SHIFT_HI = 27;

// EPT entries (SDM 29.3.2)
export const EPT_R = 1 << 0;
export const EPT_W = 1 << 1;
export const EPT_X = 1 << 2;
export const EPT_MT_SHIFT = 3;
export const EPT_MT_WB = 6;
export const EPT_IPAT = 1 << 6;
export const EPT_PS = 1 << 7;
export const EPT_A = 1 << 8;
export const EPT_D = 1 << 9;
export const EPT_XU = 1 << 10;
/** Suppress #VE is bit 63 (high half bit 31). */
export const EPT_SVE_HI = (1 << 31) >>> 0;

// #PF error code (SDM 4.7) and KVM's PFERR input flags.
export const PFERR_PRESENT = 1 << 0;
export const PFERR_WRITE = 1 << 1;
export const PFERR_USER = 1 << 2;
export const PFERR_RSVD = 1 << 3;
export const PFERR_FETCH = 1 << 4;
export const PFERR_PK = 1 << 5;

/** Page sizes by level (1 = 4 KiB). */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
