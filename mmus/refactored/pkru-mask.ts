// update_pkru_bitmask (§5.5): which protection-key bits of PKRU apply to each access class.
// Models arch/x86/kvm/mmu/mmu.c. Only user pages and data accesses are key-checked (SDM 4.6.2).
import { PFERR_FETCH, PFERR_RSVD, PFERR_USER, PFERR_WRITE } from '../x86/bits.js';
import type { KvmPageFormat } from './page-format.js';

/**
 * Sets fmt.pkruMask: 2 bits per idx (AD check, WD check) at bit 2 * idx, idx = pfec >> 1 with the
 * page's U bit in the RSVD slot. Zero unless keys are active (CR4.PKE and long mode).
 */
export function updatePkruBitmask(fmt: KvmPageFormat, pke: boolean, wp: boolean): void {
  if (!pke) {
    fmt.pkruMask = 0;
    return;
  }
  let mask = 0;
  for (let idx = 0; idx < 16; idx++) {
    const pfec = idx << 1;
    const f = (pfec & PFERR_FETCH) !== 0;
    const u = (pfec & PFERR_USER) !== 0;
    const w = (pfec & PFERR_WRITE) !== 0;
    const pteUser = (pfec & PFERR_RSVD) !== 0;
    const checkAd = !f && pteUser;
    // WD blocks user writes, and supervisor writes only when CR0.WP = 1.
    const checkWd = checkAd && w && (u || wp);
    mask |= ((checkAd ? 1 : 0) | (checkWd ? 2 : 0)) << pfec;
  }
  fmt.pkruMask = mask >>> 0;
}
