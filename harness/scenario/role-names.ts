// Human reading of a shadow-page role in the common layout of events (the kvm-chainsaw bit
// positions, docs/model-contract-shadow.md "Roles"): `level 1, direct, access RWUX, wp, nx`.
// Decoding only; the models compute roles, this file just names their bits.

/** Flag bits of the common layout, in print order (level, quadrant and access are fields). */
const ROLE_FLAGS: readonly (readonly [bit: number, name: string])[] = [
  [4, 'gpte4'],
  [7, 'direct'],
  [12, 'invalid'],
  [13, 'nx'],
  [14, 'wp'],
  [15, 'smap_andnot_wp'],
  [16, 'ad_disabled'],
  [17, 'guest_mode'],
  [18, 'passthrough'],
];
/** Access bits in the common layout (NEW encoding): READ, WRITE, USER, EXEC. */
const ACCESS_LETTERS = ['R', 'W', 'U', 'X'] as const;
/** Bits the common layout defines: 0-18 and the smm byte 24-31. */
const KNOWN_MASK = 0xff07ffff;

/** `level 1, direct, access RWUX, wp, nx` for a role in the common layout (unsigned 32-bit). */
export function decodeRole(role: number): string {
  const r = role >>> 0;
  const parts = [`level ${r & 0xf}`];
  const quadrant = (r >>> 5) & 3;
  if (quadrant !== 0) parts.push(`quadrant ${quadrant}`);
  for (const [bit, name] of ROLE_FLAGS.slice(0, 2)) if ((r >>> bit) & 1) parts.push(name);
  const access = (r >>> 8) & 0xf;
  parts.push(`access ${access === 0 ? '-' : ACCESS_LETTERS.filter((_, i) => (access >>> i) & 1).join('')}`);
  for (const [bit, name] of ROLE_FLAGS.slice(2)) if ((r >>> bit) & 1) parts.push(name);
  const smm = r >>> 24;
  if (smm !== 0) parts.push(`smm ${smm}`);
  const unknown = (r & ~KNOWN_MASK) >>> 0;
  if (unknown !== 0) parts.push(`rsvd?[0x${unknown.toString(16)}]`);
  return parts.join(', ');
}
