// Planted refactor bugs ("mutants") for measuring the harness: each is one realistic mistake a
// split of struct kvm_mmu into kvm_pagewalk / kvm_page_format / kvm_mmu could make. The model
// reads a frozen flags object; with every flag false it is the faithful kvm-chainsaw model.

/** One boolean per mutant; the model tests these at the few places each bug lives. */
export interface MutantFlags {
  /** kvm_post_set_cr0's WP-only fast path skips kvm_init_mmu and the CR0.WP refresh exempts gva_walk. */
  readonly wpToggleNoWalkerReinit: boolean;
  /** permission_fault lets RFLAGS.AC override SMAP even for implicit supervisor accesses. */
  readonly smapImplicitHonorsAc: boolean;
  /** Reserved masks are cached by (level, PSE) only, so an EFER.NX change keeps the old bit-63 rule. */
  readonly nxRsvdStaleEfer: boolean;
  /** The Intel PAE walker re-reads PDPTEs from guest memory instead of the loaded PDPTR cache. */
  readonly pdptrFromMemory: boolean;
  /** The 32-bit walker forgets the PSE-36 PDE[16:13] -> PA[35:32] bits of a 4 MiB page. */
  readonly pse36HighBitsDropped: boolean;
  /** pkru_mask is cached by paging level only, so CR4.PKE or CR0.WP changes do not rebuild it. */
  readonly pkruMaskNotRecomputed: boolean;
  /** Accessed/dirty bits are written before permission_fault, i.e. also on faulting walks. */
  readonly accessedOnFaultingWalk: boolean;
  /** The 1 GiB page-size bit is never reserved, even when guest CPUID lacks GBPAGES. */
  readonly gbpagesWithoutCpuid: boolean;
  /** ext.has_pferr_fetch is computed from EFER.NX only (CR4.SMEP forgotten). */
  readonly fetchBitIgnoresSmep: boolean;
  /** Bit 8 of PML4E/PML5E is reserved for Intel guests too (the AMD-only condition lost). */
  readonly pml4Bit8ReservedOnIntel: boolean;
  /** kvm_post_set_cr4 drops the current-context flush on CR4.SMEP 0->1. */
  readonly smepEnableNoFlush: boolean;
  /** Memslot delete/move zaps [base, base + npages - 1): the slot's last gfn keeps its SPTE. */
  readonly memslotZapMissesLastGfn: boolean;
  /** The CR0.WP=0 write-term suppression is applied to user writes as well as supervisor ones. */
  readonly wp0WriteTermAppliesToUser: boolean;
  /** Guest reserved-bit masks use host MAXPHYADDR (52) instead of the guest's. */
  readonly guestRsvdFromHostMaxphyaddr: boolean;
  /** The CPU role ignores CR4.LA57: a 5-level guest is walked with 4 levels. */
  readonly la57IgnoredInRole: boolean;
  /** MOV CR3 with an unchanged value under PAE paging skips the PDPTR reload. */
  readonly pdptrNoReloadSameCr3: boolean;
  /** The dirty bit is set on every level of a write walk, not only on the leaf. */
  readonly dirtyOnNonLeaf: boolean;
  /** The shadow root role is computed from ngpa_walk's role instead of root_mmu's own walker (gva_walk). */
  readonly shadowRootFromNgpaWalk: boolean;
  /** The shadow-page hash lookup ignores the cr0_wp role bit. */
  readonly spHashIgnoresCr0Wp: boolean;
  /** The shadow-page hash lookup ignores the quadrant role bits. */
  readonly spHashIgnoresQuadrant: boolean;
  /** kvm_mmu_unload frees only the current shadow root, not prev_roots. */
  readonly prevRootsKeptOnReset: boolean;
  /** kvm_invalidate_pcid does not free the cached roots of the invalidated PCID. */
  readonly invalidatePcidKeepsPrevRoots: boolean;
  /** mmu_try_to_unsync_pages skips the write-track check and unsyncs upper-level pages too. */
  readonly unsyncUpperLevel: boolean;
  /** The write-flooding count of a shadow page is never cleared on use. */
  readonly floodCountNeverReset: boolean;
  /** The CR0.WP=0 trick makes the SPTE writable without clearing U. */
  readonly wp0TrickKeepsUser: boolean;
  /** The CR0.WP=0 trick does not clear EXEC under CR4.SMEP. */
  readonly wp0TrickKeepsExec: boolean;
  /** An MMIO SPTE is honoured whatever memslot generation it carries. */
  readonly mmioGenerationIgnored: boolean;
  /** Enabling dirty logging does not write-protect the slot's shadow SPTEs. */
  readonly dirtyLogNoWrprot: boolean;
  /** INVLPG syncs the gva only in the current root, not in prev_roots. */
  readonly invlpgSkipsPrevRoots: boolean;
  /** sync_spte ignores `synchronizing` and may make an SPTE writable. */
  readonly syncSpteMakesWritable: boolean;
  /** A NOFLUSH CR3 write under shadow paging still runs kvm_invalidate_pcid. */
  readonly noflushCr3Syncs: boolean;
  /** detect_write_misaligned uses offset + bytes as the last byte (off by one). */
  readonly misalignedOffByOne: boolean;
}

export const NO_MUTANT: MutantFlags = Object.freeze({
  wpToggleNoWalkerReinit: false,
  smapImplicitHonorsAc: false,
  nxRsvdStaleEfer: false,
  pdptrFromMemory: false,
  pse36HighBitsDropped: false,
  pkruMaskNotRecomputed: false,
  accessedOnFaultingWalk: false,
  gbpagesWithoutCpuid: false,
  fetchBitIgnoresSmep: false,
  pml4Bit8ReservedOnIntel: false,
  smepEnableNoFlush: false,
  memslotZapMissesLastGfn: false,
  wp0WriteTermAppliesToUser: false,
  guestRsvdFromHostMaxphyaddr: false,
  la57IgnoredInRole: false,
  pdptrNoReloadSameCr3: false,
  dirtyOnNonLeaf: false,
  shadowRootFromNgpaWalk: false,
  spHashIgnoresCr0Wp: false,
  spHashIgnoresQuadrant: false,
  prevRootsKeptOnReset: false,
  invalidatePcidKeepsPrevRoots: false,
  unsyncUpperLevel: false,
  floodCountNeverReset: false,
  wp0TrickKeepsUser: false,
  wp0TrickKeepsExec: false,
  mmioGenerationIgnored: false,
  dirtyLogNoWrprot: false,
  invlpgSkipsPrevRoots: false,
  syncSpteMakesWritable: false,
  noflushCr3Syncs: false,
  misalignedOffByOne: false,
});

interface MutantEntry {
  readonly name: string;
  readonly flag: keyof MutantFlags;
  readonly description: string;
}

const TABLE: readonly MutantEntry[] = [
  { name: 'wp-toggle-no-walker-reinit', flag: 'wpToggleNoWalkerReinit', description: 'CR0.WP toggle with TDP does not re-init gva_walk, and the passthrough refresh exempts gva_walk instead of ngpa_walk' },
  { name: 'smap-implicit-honors-ac', flag: 'smapImplicitHonorsAc', description: 'SMAP is overridden by RFLAGS.AC even for implicit supervisor accesses' },
  { name: 'nx-rsvd-stale-efer', flag: 'nxRsvdStaleEfer', description: 'an EFER.NX change does not rebuild the guest reserved-bit masks (bit 63 keeps its old status)' },
  { name: 'pdptr-from-memory', flag: 'pdptrFromMemory', description: 'the Intel PAE walk reads PDPTEs from guest memory instead of the loaded PDPTR cache' },
  { name: 'pse36-high-bits-dropped', flag: 'pse36HighBitsDropped', description: 'a 32-bit 4 MiB page loses its PSE-36 physical-address bits 35:32' },
  { name: 'pkru-mask-not-recomputed', flag: 'pkruMaskNotRecomputed', description: 'pkru_mask is not recomputed when CR4.PKE or CR0.WP changes (only on a paging-level change)' },
  { name: 'accessed-on-faulting-walk', flag: 'accessedOnFaultingWalk', description: 'A/D bits are written before the permission check, so a permission-faulting walk sets them' },
  { name: 'gbpages-without-cpuid', flag: 'gbpagesWithoutCpuid', description: 'PDPTE.PS is accepted as a 1 GiB page even when guest CPUID lacks GBPAGES' },
  { name: 'fetch-bit-ignores-smep', flag: 'fetchBitIgnoresSmep', description: 'the #PF I/D bit is reported from EFER.NX only, ignoring CR4.SMEP' },
  { name: 'pml4-bit8-reserved-on-intel', flag: 'pml4Bit8ReservedOnIntel', description: 'bit 8 of PML4E/PML5E is treated as reserved on Intel guests too' },
  { name: 'smep-enable-no-flush', flag: 'smepEnableNoFlush', description: 'setting CR4.SMEP does not request a flush of the current TLB context' },
  { name: 'memslot-zap-misses-last-gfn', flag: 'memslotZapMissesLastGfn', description: 'memslot delete/move zaps all but the last gfn of the slot (off-by-one end)' },
  { name: 'wp0-write-term-applies-to-user', flag: 'wp0WriteTermAppliesToUser', description: 'with CR0.WP=0 the write-permission term is suppressed for user writes too' },
  { name: 'guest-rsvd-from-host-maxphyaddr', flag: 'guestRsvdFromHostMaxphyaddr', description: 'guest reserved-bit masks are built from host MAXPHYADDR instead of guest MAXPHYADDR' },
  { name: 'la57-ignored-in-role', flag: 'la57IgnoredInRole', description: 'the CPU role ignores CR4.LA57, so 5-level guests are walked with 4 levels' },
  { name: 'pdptr-no-reload-same-cr3', flag: 'pdptrNoReloadSameCr3', description: 'MOV CR3 of the current value under PAE paging does not reload the PDPTRs' },
  { name: 'dirty-on-nonleaf', flag: 'dirtyOnNonLeaf', description: 'a write walk sets the dirty bit on upper-level gptes as well as on the leaf' },
  { name: 'shadow-root-from-ngpa-walk', flag: 'shadowRootFromNgpaWalk', description: 'the shadow MMU root role is taken from the nested-TDP walker (ngpa_walk) instead of gva_walk, giving direct roots under guest paging' },
  { name: 'sp-hash-ignores-cr0-wp', flag: 'spHashIgnoresCr0Wp', description: 'the shadow page hash drops cr0_wp from the role compare, so pages built under CR0.WP=0 are reused with WP=1' },
  { name: 'sp-hash-ignores-quadrant', flag: 'spHashIgnoresQuadrant', description: 'the shadow page hash drops the quadrant from the role compare, so 32-bit guests share one quarter/half page for all' },
  { name: 'prev-roots-kept-on-reset', flag: 'prevRootsKeptOnReset', description: 'an MMU reset (role change) frees only the current shadow root, prev_roots survive it' },
  { name: 'invalidate-pcid-keeps-prev-roots', flag: 'invalidatePcidKeepsPrevRoots', description: 'kvm_invalidate_pcid (CR3 write, INVPCID type 1) does not free the prev_roots carrying that PCID' },
  { name: 'unsync-upper-level', flag: 'unsyncUpperLevel', description: 'mmu_try_to_unsync_pages forgets the write-track check, so upper-level (level >= 2) shadow pages go unsync' },
  { name: 'flood-count-never-reset', flag: 'floodCountNeverReset', description: 'the write-flooding count is never reset when a shadow page is used, so three emulated writes zap it even with faults between' },
  { name: 'wp0-trick-keeps-user', flag: 'wp0TrickKeepsUser', description: 'the CR0.WP=0 trick makes the SPTE writable but keeps U, so user code may then write a read-only page' },
  { name: 'wp0-trick-keeps-exec', flag: 'wp0TrickKeepsExec', description: 'the CR0.WP=0 trick forgets to make the SPTE non-executable under CR4.SMEP' },
  { name: 'mmio-generation-ignored', flag: 'mmioGenerationIgnored', description: 'MMIO SPTEs ignore the memslot generation: after a memslot add a stale MMIO SPTE still gives mmio' },
  { name: 'dirty-log-no-wrprot', flag: 'dirtyLogNoWrprot', description: 'enabling dirty logging under shadow paging does not write-protect existing writable SPTEs' },
  { name: 'invlpg-skips-prev-roots', flag: 'invlpgSkipsPrevRoots', description: 'INVLPG syncs the gva SPTE only in the current root, not in the cached prev_roots' },
  { name: 'sync-spte-makes-writable', flag: 'syncSpteMakesWritable', description: 'sync_spte ignores `synchronizing` and makes a rebuilt SPTE writable when the gpte became writable' },
  { name: 'noflush-cr3-syncs', flag: 'noflushCr3Syncs', description: 'a MOV CR3 with NOFLUSH still invalidates the PCID under shadow paging (syncs roots, flushes)' },
  { name: 'misaligned-off-by-one', flag: 'misalignedOffByOne', description: 'detect_write_misaligned computes the last byte as offset + bytes, so aligned gpte writes count as misaligned' },
];

/** Every mutant with its one-line description, in a stable order. */
export const REFACTORED_MUTANTS: readonly { name: string; description: string }[] = Object.freeze(
  TABLE.map((m) => Object.freeze({ name: m.name, description: m.description })),
);

/** The frozen flags for one mutant; throws on an unknown name. */
export function mutantFlags(name: string): MutantFlags {
  const entry = TABLE.find((m) => m.name === name);
  if (entry === undefined) {
    throw new Error(`unknown refactored mutant '${name}' (known: ${TABLE.map((m) => m.name).join(', ')})`);
  }
  return Object.freeze({ ...NO_MUTANT, [entry.flag]: true });
}

/** The description of a mutant (for the backend factory's description). */
export function mutantDescription(name: string): string {
  const entry = TABLE.find((m) => m.name === name);
  if (entry === undefined) throw new Error(`unknown refactored mutant '${name}'`);
  return entry.description;
}
