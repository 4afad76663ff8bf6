// The `check` digest (docs/model-contract-shadow.md "Deep check"): a canonical text of the MMU's
// page tables — under shadow paging the roots and every page reachable from them with its
// SPTEs; under TDP the leaves of the current TDP root. Not a hot path.
import type { Vcpu } from '../vcpu.js';
import { ROOT_DUMMY, ROOT_INVALID, ROOT_PAE, ROOT_SP } from './roots.js';
import { commonRole, compareSp, type ShadowPage, SPTE_CHILD, SPTE_ENTRIES, SPTE_LEAF, SPTE_MMIO } from './sp.js';

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function hex64(lo: number, hi: number): string {
  return `0x${((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16)}`;
}

function spHead(sp: ShadowPage): string {
  return `sp gfn=${hex(sp.gfn)} level=${sp.level} role=${hex(commonRole(sp.role))}`;
}

/** The shadow-paging digest of the current root(s). */
export function shadowDigest(v: Vcpu): string {
  const r = v.mmu.shadowRoot;
  const lines: string[] = [];
  const tops: ShadowPage[] = [];
  if (r.kind === ROOT_INVALID) lines.push('root none');
  else if (r.kind === ROOT_DUMMY) lines.push('root dummy');
  else if (r.kind === ROOT_SP) {
    lines.push(`root 0 gfn=${hex(r.sp!.gfn)} role=${hex(commonRole(r.sp!.role))}`);
    tops.push(r.sp!);
  } else if (r.kind === ROOT_PAE) {
    r.pae.forEach((sp, i) => {
      if (sp === null) lines.push(`root ${i} none`);
      else {
        lines.push(`root ${i} gfn=${hex(sp.gfn)} role=${hex(commonRole(sp.role))}`);
        tops.push(sp);
      }
    });
  }
  const seen = new Set<ShadowPage>();
  const visit = (sp: ShadowPage): void => {
    if (seen.has(sp)) return;
    seen.add(sp);
    for (let i = 0; i < SPTE_ENTRIES; i++) if (sp.kind[i] === SPTE_CHILD) visit(sp.child[i]!);
  };
  for (const sp of tops) visit(sp);
  for (const sp of [...seen].sort(compareSp)) {
    lines.push(`${spHead(sp)} unsync=${sp.unsync ? 1 : 0}`);
    for (let i = 0; i < SPTE_ENTRIES; i++) {
      const kind = sp.kind[i];
      if (kind === SPTE_CHILD) lines.push(`  ${i} -> ${spHead(sp.child[i]!)}`);
      else if (kind === SPTE_LEAF) lines.push(`  ${i} spte=${hex64(sp.spteLo[i], sp.spteHi[i])}`);
      else if (kind === SPTE_MMIO) lines.push(`  ${i} mmio gfn=${hex(sp.gfns[i])}`);
    }
  }
  return lines.join('\n');
}

/** The TDP digest: the leaves of the TDP root for the current root role, ascending gfn. */
export function tdpDigest(v: Vcpu): string {
  const role = v.mmu.rootRole;
  const root = v.mmu.root ?? v.tdp.roots.find((r) => r.role === role);
  if (root === undefined) return '';
  return [...root.sptes.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([gfn, s]) => `tdp gfn=${hex(gfn)} spte=${hex64(s.lo, s.hi)}`)
    .join('\n');
}
