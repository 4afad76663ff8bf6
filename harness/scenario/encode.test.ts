import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { observationToJson, opToJson, scenarioToJson, vcpuStateToJson } from './encode.js';
import { parseScenario } from './parse.js';
import { scenarioArb } from './test-arbitrary.js';

describe('scenarioToJson', () => {
  it('round-trips: parseScenario(scenarioToJson(s)) equals s, through JSON text', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const text = JSON.stringify(scenarioToJson(s));
        const back = parseScenario(JSON.parse(text), 'roundtrip.json');
        expect(back).toStrictEqual(s);
        expect(JSON.stringify(scenarioToJson(back))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('omits defaults and fields an op does not take', () => {
    expect(opToJson({ op: 'access', gva: u64(0x1000), kind: 'read', cpl: 3, implicit: false })).toStrictEqual({
      op: 'access',
      gva: '0x1000',
      kind: 'read',
      cpl: 3,
    });
    expect(opToJson({ op: 'memslot', action: 'delete', slot: 2, gpa: 0, size: 0, flags: [] })).toStrictEqual({
      op: 'memslot',
      action: 'delete',
      slot: 2,
    });
    expect(opToJson({ op: 'write', gpa: 0x1000, value: u64(0x2067, 0x80000000), size: 8 })).toStrictEqual({
      op: 'write',
      gpa: '0x1000',
      value: '0x8000000000002067',
      size: 8,
    });
  });
});

describe('observationToJson', () => {
  it('encodes every field as hex in a fixed key order and omits absent ones', () => {
    const o: Observation = {
      outcome: 'ok',
      gpa: 0x1234000,
      hpa: 0x100001000,
      level: 1,
      events: [
        { type: 'set_ad', gpa: 0x10008, value: u64(0x1027, 0) },
        { type: 'map', gfn: 0x1234, level: 1, spte: u64(0x1000757, 0x80000001) },
        { type: 'zap', gfn: 0x10, level: 1, role: 0x80006f01, reason: 'memslot' },
        { type: 'wrprot', gfn: 0x11, level: 1 },
        { type: 'dirty', gfn: 0x12 },
        { type: 'flush', scope: 'gva', gva: u64(0x400000) },
        { type: 'flush', scope: 'remote' },
      ],
    };
    expect(JSON.stringify(observationToJson(o, 7))).toBe(
      '{"i":7,"outcome":"ok","gpa":"0x1234000","hpa":"0x100001000","level":1,"events":[' +
        '{"type":"set_ad","gpa":"0x10008","value":"0x1027"},' +
        '{"type":"map","gfn":"0x1234","level":1,"spte":"0x8000000101000757"},' +
        '{"type":"zap","gfn":"0x10","level":1,"role":"0x80006f01","reason":"memslot"},' +
        '{"type":"wrprot","gfn":"0x11","level":1},' +
        '{"type":"dirty","gfn":"0x12"},' +
        '{"type":"flush","scope":"gva","gva":"0x400000"},' +
        '{"type":"flush","scope":"remote"}]}',
    );
    const pf: Observation = { outcome: 'page_fault', errorCode: 7, address: u64(0, 0xffff8000), to: 'L1', events: [] };
    expect(JSON.stringify(observationToJson(pf, 0))).toBe(
      '{"i":0,"outcome":"page_fault","error_code":"0x7","address":"0xffff800000000000","to":"L1","events":[]}',
    );
    const read: Observation = { outcome: 'ok', value: u64(0x27), events: [] };
    expect(observationToJson(read, 3)).toStrictEqual({ i: 3, outcome: 'ok', value: '0x27', events: [] });
  });

  it('encodes vCPU state registers as hex', () => {
    expect(
      vcpuStateToJson({ cr0: 0x80010031 | 0, cr3: u64(0x1000, 0), cr4: 0x20, efer: 0x500, pkru: 0, rflags: 2 }),
    ).toStrictEqual({ cr0: '0x80010031', cr3: '0x1000', cr4: '0x20', efer: '0x500', pkru: '0x0', rflags: '0x2' });
  });
});

describe('shadow paging observations', () => {
  it('encodes the shadow events (roles unsigned) and the digest after the events', () => {
    const o: Observation = {
      outcome: 'ok',
      events: [
        { type: 'sp', gfn: 0x3, level: 1, role: 0x2f81 },
        { type: 'zap_sp', gfn: 0x4, level: 2, role: -0x7fff9100, reason: 'flood' },
        { type: 'unsync', gfn: 0x5, role: 0x6f01 },
        { type: 'sync', gfn: 0x5, role: 0x6f01 },
        { type: 'mmio_spte', gfn: 0xfee00 },
        { type: 'zap', gfn: 0x6, level: 1, role: 0x6f01, reason: 'unsync_upper' },
      ],
      digest: 'root none',
    };
    expect(JSON.stringify(observationToJson(o, 2))).toBe(
      '{"i":2,"outcome":"ok","events":[' +
        '{"type":"sp","gfn":"0x3","level":1,"role":"0x2f81"},' +
        '{"type":"zap_sp","gfn":"0x4","level":2,"role":"0x80006f00","reason":"flood"},' +
        '{"type":"unsync","gfn":"0x5","role":"0x6f01"},' +
        '{"type":"sync","gfn":"0x5","role":"0x6f01"},' +
        '{"type":"mmio_spte","gfn":"0xfee00"},' +
        '{"type":"zap","gfn":"0x6","level":1,"role":"0x6f01","reason":"unsync_upper"}],' +
        '"digest":"root none"}',
    );
  });

  it('encodes the check op with its name only', () => {
    expect(opToJson({ op: 'check' })).toStrictEqual({ op: 'check' });
  });
});

describe('alternatives', () => {
  it('are encoded and rendered after the fresh result', async () => {
    const { renderObservation } = await import('./print.js');
    const o = {
      outcome: 'page_fault' as const,
      errorCode: 5,
      address: { lo: 0x1000, hi: 0 },
      to: 'L1' as const,
      events: [],
      alternatives: [{ outcome: 'ok' as const, gpa: 0x5000, level: 1, events: [] }],
    };
    expect(observationToJson(o, 3)).toEqual({
      i: 3,
      outcome: 'page_fault',
      error_code: '0x5',
      address: '0x1000',
      to: 'L1',
      events: [],
      alternatives: [{ outcome: 'ok', gpa: '0x5000', level: 1, events: [] }],
    });
    expect(renderObservation(o)).toBe('page_fault error_code=0x5 address=0x1000 to=L1 | also allowed: [ok gpa=0x5000 level=1]');
  });
});
