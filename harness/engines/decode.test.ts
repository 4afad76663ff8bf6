// The byte decoder: every byte string is a valid scenario, decoding is deterministic, one byte of
// a record changes one op (under shadow paging: no earlier op), the header's seed changes only
// the tail, typical inputs run tens of ops, and every record kind is reachable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { drawnOpCount, openingOpCount } from '../generate/arbitraries/opening-op-count.js';
import { runOracle } from '../oracle/oracle.js';
import { scenarioToJson } from '../scenario/encode.js';
import { parseScenario } from '../scenario/parse.js';
import type { Scenario } from '../scenario/scenario.js';
import { RSVD_BITS, TARGET_POOL_SIZE } from '../generate/arbitraries/gpte-fields-arbitrary.js';
import { GVA_POOL_SIZE, MAX_LEVEL } from '../generate/arbitraries/op-intent-arbitrary.js';
import { decodeHeader, TAIL_MIN } from './decode-header.js';
import { DECODE_GVA_POOL, DECODE_MAX_LEVEL, DECODE_RSVD_BITS, DECODE_TARGET_POOL } from './decode-record.js';
import { decodeScenario, HEADER_BYTES, MAX_INPUT_BYTES, RECORD_BYTES } from './decode.js';

/** Ops of a and b (JSON) that differ, position by position, plus the length difference. */
function changedOps(a: Scenario, b: Scenario): number {
  const ja = scenarioToJson(a).ops;
  const jb = scenarioToJson(b).ops;
  let n = Math.abs(ja.length - jb.length);
  for (let i = 0; i < Math.min(ja.length, jb.length); i++) if (JSON.stringify(ja[i]) !== JSON.stringify(jb[i])) n++;
  return n;
}

const typicalInput = fc.uint8Array({ minLength: 64, maxLength: 512 });

describe('decodeScenario', () => {
  it('decodes any byte string to a valid scenario (parse after encode gives it back)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const s = decodeScenario(bytes);
        expect(parseScenario(scenarioToJson(s), 'decoded')).toEqual(s);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('decodes the empty input and an over-long input', () => {
    const empty = decodeScenario(new Uint8Array(0));
    expect(drawnOpCount(empty)).toBe(TAIL_MIN);
    expect(empty.config.host.tdp).toBe('ept');
    const long = decodeScenario(new Uint8Array(MAX_INPUT_BYTES + 400).fill(7));
    expect(drawnOpCount(long)).toBe((MAX_INPUT_BYTES - HEADER_BYTES) / RECORD_BYTES + decodeHeader(new Uint8Array(8).fill(7)).tailOps);
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(typicalInput, (bytes) => {
        expect(scenarioToJson(decodeScenario(Uint8Array.from(bytes)))).toEqual(scenarioToJson(decodeScenario(bytes)));
      }),
      { seed: 2, numRuns: 100 },
    );
  });

  it('changes at most one op when one byte of a record changes (TDP hosts)', () => {
    fc.assert(
      fc.property(typicalInput, fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        if ((bytes[0] & 3) === 3) bytes[0] &= ~1; // not shadow paging: see the next test
        const i = HEADER_BYTES + (at % (bytes.length - HEADER_BYTES));
        const changed = Uint8Array.from(bytes);
        changed[i] = value;
        expect(changedOps(decodeScenario(bytes), decodeScenario(changed))).toBeLessThanOrEqual(1);
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('under shadow paging, changes no op before the record whose byte changes', () => {
    // The known-KVM-deviation guard adjusts register writes by what the earlier ones did
    // (kvm-deviation-guard.ts), so a record can change later writes too, never earlier ops.
    fc.assert(
      fc.property(typicalInput, fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        bytes[0] |= 3;
        bytes[7] &= 0xfe; // records first
        const i = HEADER_BYTES + (at % (bytes.length - HEADER_BYTES));
        const changed = Uint8Array.from(bytes);
        changed[i] = value;
        const a = decodeScenario(bytes);
        const before = openingOpCount(a) + Math.floor((i - HEADER_BYTES) / RECORD_BYTES);
        expect(decodeScenario(changed).ops.slice(0, before)).toEqual(a.ops.slice(0, before));
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('changes only the seeded tail when a seed byte of the header changes', () => {
    fc.assert(
      fc.property(typicalInput, fc.integer({ min: 3, max: 6 }), fc.integer({ min: 1, max: 255 }), (bytes, i, delta) => {
        const a = Uint8Array.from(bytes);
        a[7] &= 0xfe; // records first
        const b = Uint8Array.from(a);
        b[i] = (b[i] + delta) & 0xff;
        const sa = decodeScenario(a);
        const sb = decodeScenario(b);
        const recordsEnd = openingOpCount(sa) + Math.ceil((a.length - HEADER_BYTES) / RECORD_BYTES);
        expect(sb.ops.slice(0, recordsEnd)).toEqual(sa.ops.slice(0, recordsEnd));
        expect(changedOps(sa, sb)).toBeLessThanOrEqual(decodeHeader(a).tailOps);
      }),
      { seed: 4, numRuns: 100 },
    );
  });

  it('runs at least 20 ops after the opening for inputs of 64 to 512 bytes', () => {
    fc.assert(
      fc.property(typicalInput, (bytes) => {
        expect(drawnOpCount(decodeScenario(bytes))).toBeGreaterThanOrEqual(20);
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it('reaches every op kind, register and memslot action from record bytes', () => {
    const seen = new Set<string>();
    for (let b0 = 0; b0 < 256; b0++) {
      for (const payload of [0x000000, 0xffffff, 0x5a5a5a, 0x030303, 0x010101, 0x00f000]) {
        const bytes = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, b0, payload & 0xff, (payload >> 8) & 0xff, payload >> 16]);
        const s = decodeScenario(bytes);
        const op = s.ops[openingOpCount(s)];
        seen.add(op.op === 'set' ? `set ${op.reg}` : op.op === 'memslot' ? `memslot ${op.action}` : op.op);
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'access', 'check', 'gva_to_gpa', 'invlpg', 'invpcid', 'read', 'write',
        'memslot add', 'memslot delete', 'memslot flags', 'memslot move',
        'set cr0', 'set cr3', 'set cr4', 'set efer', 'set pkru', 'set rflags',
      ].sort(),
    );
  });

  it('decodes every host from header byte 0: ept with and without A/D, npt, none (no pku)', () => {
    const host = (b0: number) => decodeScenario(new Uint8Array([b0, 0, 0, 0, 0, 0, 0, 0])).config;
    expect(host(0).host).toEqual({ tdp: 'ept', eptAd: true, mbec: false });
    expect(host(2).host).toEqual({ tdp: 'ept', eptAd: false, mbec: false });
    expect(host(1).host).toEqual({ tdp: 'npt', eptAd: false, mbec: false });
    expect(host(3).host).toEqual({ tdp: 'none', eptAd: false, mbec: false });
    expect(host(3).cpu.features.has('pku')).toBe(false);
    expect(host(0).cpu.features.has('pku')).toBe(true);
  });

  it('uses the same pools as the fast-check arbitraries (repeated to keep fast-check out of the fuzz target)', () => {
    expect([DECODE_GVA_POOL, DECODE_MAX_LEVEL, DECODE_TARGET_POOL]).toEqual([GVA_POOL_SIZE, MAX_LEVEL, TARGET_POOL_SIZE]);
    expect(DECODE_RSVD_BITS).toEqual(RSVD_BITS);
  });

  it('decodes to scenarios on which the three unmutated backends agree', () => {
    const backends = [getBackend('legacy'), getBackend('refactored'), getBackend('reference')];
    fc.assert(
      fc.property(typicalInput, (bytes) => runOracle(decodeScenario(bytes), backends).divergence === null),
      { seed: 6, numRuns: 150 },
    );
  });
});
