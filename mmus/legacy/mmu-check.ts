// The deep check (`check` op, docs/model-contract-shadow.md "Deep check"): a canonical text
// digest of the vCPU's current MMU tables, read the way a debugfs dump of mmu_page_hash /
// the TDP MMU roots would be. Shadow paging: the roots, then every shadow page reachable from
// them in ascending (gfn, level, role) with its present SPTEs; TDP: the current root's leaves.
import { SP_DUMMY_ROOT, SP_PAE_ROOT, type KvmMmuPage, type KvmVcpu } from './kvm-host.js';
import { kvm_mmu_reload } from './mmu.js';
import { hex64, sp_cmp, sp_event_role } from './shadow-mmu.js';
import { SHADOW_SPTE_SW_LO, is_mmio_spte, is_shadow_present_pte, spte_event_hi, spte_event_lo } from './spte.js';

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function root_desc(i: number, sp: KvmMmuPage): string {
  return `root ${i} gfn=${hex(sp.gfn)} role=${hex(sp_event_role(sp))}`;
}

function sp_desc(sp: KvmMmuPage): string {
  return `gfn=${hex(sp.gfn)} level=${sp.level} role=${hex(sp_event_role(sp))}`;
}

/** The TDP digest: `tdp gfn=<hex> spte=<hex>` per leaf of the current root, ascending gfn. */
function tdp_digest(vcpu: KvmVcpu): string {
  // The vCPU enters the guest with a root loaded; a dropped root is reloaded (same role, same tables).
  kvm_mmu_reload(vcpu);
  const m = vcpu.kvm.spte_masks;
  const lines: string[] = [];
  const walk = (sp: KvmMmuPage): void => {
    if (sp.children !== null) {
      for (const child of sp.children) if (child !== null) walk(child);
      return;
    }
    const lo = sp.spte_lo!;
    const hi = sp.spte_hi!;
    for (let i = 0; i < 512; i++) {
      if (!is_shadow_present_pte(lo[i])) continue;
      lines.push(`tdp gfn=${hex(sp.gfn + i)} spte=${hex64(spte_event_lo(m, lo[i]), spte_event_hi(m, hi[i]))}`);
    }
  };
  const root = vcpu.arch.mmu.root.hpa;
  if (root !== null) walk(root);
  return lines.join('\n');
}

function shadow_digest(vcpu: KvmVcpu): string {
  const mmu = vcpu.arch.mmu;
  const lines: string[] = [];
  const roots: KvmMmuPage[] = [];
  const hpa = mmu.root.hpa;
  if (hpa === null) lines.push('root none');
  else if (hpa.kind === SP_DUMMY_ROOT) lines.push('root dummy');
  else if (hpa.kind === SP_PAE_ROOT) {
    for (let i = 0; i < 4; i++) {
      const sp = mmu.pae_root[i];
      if (sp === null) lines.push(`root ${i} none`);
      else {
        lines.push(root_desc(i, sp));
        roots.push(sp);
      }
    }
  } else {
    lines.push(root_desc(0, hpa));
    roots.push(hpa);
  }
  const seen = new Set<KvmMmuPage>();
  const visit = (sp: KvmMmuPage): void => {
    if (seen.has(sp)) return;
    seen.add(sp);
    if (sp.children !== null) for (const child of sp.children) if (child !== null) visit(child);
  };
  for (const r of roots) visit(r);
  for (const sp of [...seen].sort(sp_cmp)) {
    lines.push(`sp ${sp_desc(sp)} unsync=${sp.unsync ? 1 : 0}`);
    if (sp.children !== null) {
      for (let i = 0; i < 512; i++) {
        const child = sp.children[i];
        if (child !== null) lines.push(`  ${i} -> sp ${sp_desc(child)}`);
      }
      continue;
    }
    const lo = sp.spte_lo!;
    const hi = sp.spte_hi!;
    for (let i = 0; i < 512; i++) {
      if (is_shadow_present_pte(lo[i])) lines.push(`  ${i} spte=${hex64((lo[i] & ~SHADOW_SPTE_SW_LO) >>> 0, hi[i])}`);
      else if (is_mmio_spte(lo[i], hi[i])) lines.push(`  ${i} mmio gfn=${hex(sp.gfns![i])}`);
    }
  }
  return lines.join('\n');
}

/** kvm_mmu_check_digest: the `check` op's digest for the vCPU's current MMU. */
export function kvm_mmu_check_digest(vcpu: KvmVcpu): string {
  return vcpu.kvm.tdp_enabled ? tdp_digest(vcpu) : shadow_digest(vcpu);
}
