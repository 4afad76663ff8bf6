// Human names for the bits of x86 page-table entries and registers, for printing scenarios.
// Decoding only: whether a bit is legal is the backends' business (docs/model-contract.md).
import type { Reg, U64 } from '../../mmus/backend.js';
import { u64Bit } from '../../mmus/x86/u64.js';

type BitTable = readonly (readonly [bit: number, name: string])[];

const CR0_BITS: BitTable = [
  [0, 'PE'], [1, 'MP'], [2, 'EM'], [3, 'TS'], [4, 'ET'], [5, 'NE'],
  [16, 'WP'], [18, 'AM'], [29, 'NW'], [30, 'CD'], [31, 'PG'],
];
const CR4_BITS: BitTable = [
  [0, 'VME'], [1, 'PVI'], [2, 'TSD'], [3, 'DE'], [4, 'PSE'], [5, 'PAE'], [6, 'MCE'], [7, 'PGE'], [8, 'PCE'],
  [9, 'OSFXSR'], [10, 'OSXMMEXCPT'], [11, 'UMIP'], [12, 'LA57'], [13, 'VMXE'], [14, 'SMXE'], [16, 'FSGSBASE'],
  [17, 'PCIDE'], [18, 'OSXSAVE'], [20, 'SMEP'], [21, 'SMAP'], [22, 'PKE'], [23, 'CET'], [24, 'PKS'],
];
const EFER_BITS: BitTable = [
  [0, 'SCE'], [8, 'LME'], [10, 'LMA'], [11, 'NXE'], [12, 'SVME'], [13, 'LMSLE'], [14, 'FFXSR'], [15, 'TCE'],
];
// Bit 1 is fixed to 1 and says nothing; IOPL (12-13) is a field.
const RFLAGS_BITS: BitTable = [
  [0, 'CF'], [1, ''], [2, 'PF'], [4, 'AF'], [6, 'ZF'], [7, 'SF'], [8, 'TF'], [9, 'IF'], [10, 'DF'], [11, 'OF'],
  [12, 'IOPL0'], [13, 'IOPL1'], [14, 'NT'], [16, 'RF'], [17, 'VM'], [18, 'AC'], [19, 'VIF'], [20, 'VIP'], [21, 'ID'],
];
const PTE_FLAG_BITS: BitTable = [
  [0, 'P'], [1, 'RW'], [2, 'US'], [3, 'PWT'], [4, 'PCD'], [5, 'A'], [6, 'D'], [7, 'PS'], [8, 'G'],
];

/** Named set bits in table order, then `rsvd?[n,...]` for set bits the table does not name. */
function decodeBits(v: U64, table: BitTable, width = 64): string[] {
  const out: string[] = [];
  const named = new Set<number>();
  for (const [bit, name] of table) {
    named.add(bit);
    if (name !== '' && u64Bit(v, bit)) out.push(name);
  }
  const unnamed: number[] = [];
  for (let b = 0; b < width; b++) if (!named.has(b) && u64Bit(v, b)) unnamed.push(b);
  if (unnamed.length > 0) out.push(`rsvd?[${unnamed.join(',')}]`);
  return out;
}

/** The meaning of a register value, e.g. "PE WP PG"; '' when nothing is set. */
export function decodeRegister(reg: Reg, v: U64): string {
  switch (reg) {
    case 'cr0':
      return decodeBits(v, CR0_BITS).join(' ');
    case 'cr4':
      return decodeBits(v, CR4_BITS).join(' ');
    case 'efer':
      return decodeBits(v, EFER_BITS).join(' ');
    case 'rflags': {
      const names = decodeBits(v, RFLAGS_BITS).filter((n) => !n.startsWith('IOPL'));
      const iopl = (v.lo >>> 12) & 3;
      return (iopl !== 0 ? [...names, `IOPL=${iopl}`] : names).join(' ');
    }
    case 'pkru':
      return decodePkru(v);
    case 'cr3': {
      const out: string[] = [];
      if ((v.lo & 0xfff) !== 0) out.push(`low12=0x${(v.lo & 0xfff).toString(16)}`);
      if (u64Bit(v, 63)) out.push('bit63');
      return out.join(' ');
    }
  }
}

/** "k1:AD k3:AD,WD": access-disable / write-disable per protection key. */
function decodePkru(v: U64): string {
  const out: string[] = [];
  for (let key = 0; key < 16; key++) {
    const ad = (v.lo >>> (2 * key)) & 1;
    const wd = (v.lo >>> (2 * key + 1)) & 1;
    if (ad || wd) out.push(`k${key}:${[ad ? 'AD' : '', wd ? 'WD' : ''].filter((s) => s !== '').join(',')}`);
  }
  if (v.hi !== 0) out.push(decodeBits({ lo: 0, hi: v.hi }, []).join(' '));
  return out.join(' ');
}

/**
 * A value stored as an x86 paging-structure entry, e.g. "P RW US A D frame=0x2000 NX". Bits
 * maxphyaddr..51 are shown as `rsvd?[...]` (reserved in every entry format), bits 9-11 and 52-58
 * (ignored by the walk) as `avl[...]`. 4-byte entries are decoded as 32-bit paging entries.
 */
export function decodePte(v: U64, size: 4 | 8, maxphyaddr = 52): string {
  if (v.lo === 0 && v.hi === 0) return 'empty';
  const out: string[] = u64Bit(v, 0) ? [] : ['!P'];
  for (const [bit, name] of PTE_FLAG_BITS) if (u64Bit(v, bit)) out.push(name);
  const avl: number[] = [];
  for (let b = 9; b <= 11; b++) if (u64Bit(v, b)) avl.push(b);
  const frameLo = (v.lo & 0xfffff000) >>> 0;
  if (size === 4) {
    if (frameLo !== 0) out.push(`frame=0x${frameLo.toString(16)}`);
    if (avl.length > 0) out.push(`avl[${avl.join(',')}]`);
    return out.join(' ');
  }
  const hiFrameMask = maxphyaddr >= 52 ? 0xfffff : (1 << (maxphyaddr - 32)) - 1;
  const frameHi = v.hi & hiFrameMask;
  if (frameLo !== 0 || frameHi !== 0) {
    const frame = frameHi === 0 ? frameLo.toString(16) : frameHi.toString(16) + frameLo.toString(16).padStart(8, '0');
    out.push(`frame=0x${frame}`);
  }
  const pkey = (v.hi >>> 27) & 0xf;
  if (pkey !== 0) out.push(`pkey=${pkey}`);
  if (u64Bit(v, 63)) out.push('NX');
  for (let b = 52; b <= 58; b++) if (u64Bit(v, b)) avl.push(b);
  if (avl.length > 0) out.push(`avl[${avl.join(',')}]`);
  const rsvd: number[] = [];
  for (let b = maxphyaddr; b <= 51; b++) if (u64Bit(v, b)) rsvd.push(b);
  if (rsvd.length > 0) out.push(`rsvd?[${rsvd.join(',')}]`);
  return out.join(' ');
}

/** The high dword of a 64-bit entry (a 4-byte write at an address = 4 mod 8), e.g. "NX pkey=2". */
export function decodePteHigh(hi: number, maxphyaddr = 52): string {
  return hi === 0 ? '' : decodePte({ lo: 0, hi }, 8, maxphyaddr).replace(/^!P ?/, '');
}
