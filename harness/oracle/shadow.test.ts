// The oracle under shadow paging: `check` digests compared between kvm backends only, a digest
// divergence reported by its first differing line, signatures and statistics that keep shadow
// modes apart from TDP ones, and the shadow events compared and counted.
import { describe, expect, it } from 'vitest';
import type { Backend, BackendFactory, Config, MmuEvent, Observation, Op, TdpKind } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { SCENARIO_FORMAT, type Scenario } from '../scenario/scenario.js';
import { compareObservations, digestDifference } from './compare.js';
import { hostModeOf, hostPagingMode } from './mode.js';
import { RESET_STATE, runOracle } from './oracle.js';
import { divergenceToJson, renderDivergence } from './report.js';
import { divergenceSignature } from './signature.js';
import { OutcomeMix } from './stats.js';

const config = (tdp: TdpKind): Config => ({
  cpu: { maxphyaddr: 46, features: new Set(['nx']) },
  host: { tdp, eptAd: false, mbec: false },
  memslots: [{ slot: 0, gpa: 0, size: 0x4000000, flags: [] }],
});

const set = (reg: 'cr0' | 'cr4' | 'efer', lo: number): Op => ({ op: 'set', reg, value: u64(lo) });
const access: Op = { op: 'access', gva: u64(0x1000), kind: 'read', cpl: 0, implicit: false };
const DIGEST = ['root 0 gfn=0x1 role=0x6f04', 'sp gfn=0x1 level=4 role=0x6f04 unsync=0', '  0 -> sp gfn=0x2 level=3 role=0x6f03'];

/** A backend answering `check` with `digest` (none for an architectural one) and `events` on every access. */
function backend(name: string, fidelity: 'kvm' | 'architectural', digest: string | undefined, events: MmuEvent[] = []): BackendFactory {
  return {
    name,
    description: 'test double',
    fidelity,
    create(): Backend {
      let cr0 = RESET_STATE.cr0;
      let cr4 = 0;
      let efer = 0;
      return {
        apply(op: Op): Observation {
          if (op.op === 'set') {
            if (op.reg === 'cr0') cr0 = op.value.lo;
            if (op.reg === 'cr4') cr4 = op.value.lo;
            if (op.reg === 'efer') efer = op.value.lo | ((op.value.lo & 0x100) !== 0 && (cr0 & 0x80000000) !== 0 ? 0x400 : 0);
            if (op.reg === 'cr0' && (efer & 0x100) !== 0 && (cr0 & 0x80000000) !== 0) efer |= 0x400;
            return { outcome: 'ok', events: [] };
          }
          if (op.op === 'check') return fidelity === 'kvm' && digest !== undefined ? { outcome: 'ok', events: [], digest } : { outcome: 'ok', events: [] };
          return { outcome: 'ok', gpa: 0x1000, level: 1, events: fidelity === 'kvm' ? events : [] };
        },
        state: () => ({ ...RESET_STATE, cr0, cr4, efer }),
      };
    },
  };
}

const scenario = (tdp: TdpKind): Scenario => ({
  format: SCENARIO_FORMAT,
  config: config(tdp),
  ops: [set('cr4', 0x20), set('efer', 0x900), set('cr0', 0x80010011), access, { op: 'check' }],
});

describe('digest comparison', () => {
  it('agrees on equal digests and ignores the digest against an architectural backend', () => {
    const a = backend('legacy', 'kvm', DIGEST.join('\n'));
    const b = backend('refactored', 'kvm', DIGEST.join('\n'));
    const ref = backend('reference', 'architectural', undefined);
    expect(runOracle(scenario('none'), [a, b, ref]).divergence).toBeNull();
  });

  it('reports a digest divergence at the check, with the first differing line of each side', () => {
    const other = [...DIGEST.slice(0, 2), '  0 -> sp gfn=0x2 level=3 role=0x6e03', '  1 spte=0x8000000100005027'];
    const r = runOracle(scenario('none'), [backend('legacy', 'kvm', DIGEST.join('\n')), backend('refactored', 'kvm', other.join('\n'))]);
    const d = r.divergence!;
    expect(d.index).toBe(4);
    expect(d.class).toBe('digest');
    expect(d.field).toBe('digest');
    expect(d.values).toEqual(['line 3:   0 -> sp gfn=0x2 level=3 role=0x6f03', 'line 3:   0 -> sp gfn=0x2 level=3 role=0x6e03']);
    expect(d.mode).toBe('shadow-4-level');
    expect(d.signature).toBe('digest/check/digest/shadow-4-level/legacy~refactored');
    const text = renderDivergence(r, scenario('none'));
    expect(text).toContain('divergence at op 4 of 5: digest (field digest) between legacy and refactored');
    expect(text).toContain('  legacy:     ok digest=3 lines');
    expect(text).toContain('  digest:     legacy      "line 3:   0 -> sp gfn=0x2 level=3 role=0x6f03"');
    expect(text).toContain('             refactored  "line 3:   0 -> sp gfn=0x2 level=3 role=0x6e03"');
    // The whole digest is not in the report.
    expect(text).not.toContain('root 0 gfn=0x1');
    expect(divergenceToJson(d)).toMatchObject({ class: 'digest', field: 'digest', mode: 'shadow-4-level', values: d.values });
  });

  it('names the end of the shorter digest and a missing digest', () => {
    expect(digestDifference('a\nb', 'a').values).toEqual(['line 2: b', 'line 2: (end of digest)']);
    expect(digestDifference('a', undefined).values).toEqual(['a', undefined]);
    const ok = (digest?: string): Observation => ({ outcome: 'ok', events: [], ...(digest !== undefined ? { digest } : {}) });
    expect(compareObservations(ok('x'), ok('y'), 'architectural')).toBeNull();
    expect(compareObservations(ok('x'), ok(), 'kvm')?.class).toBe('digest');
  });
});

describe('shadow events in the comparison', () => {
  it('compares sp, zap_sp, unsync, sync and mmio_spte field by field, in order', () => {
    const ok = (events: MmuEvent[]): Observation => ({ outcome: 'ok', events });
    const sp: MmuEvent = { type: 'sp', gfn: 1, level: 1, role: 0x6f01 };
    expect(compareObservations(ok([sp]), ok([{ ...sp, role: 0x6e01 }]), 'kvm')).toMatchObject({ field: 'events[0].role', class: 'events' });
    const zapSp: MmuEvent = { type: 'zap_sp', gfn: 1, level: 2, role: 0x6f02, reason: 'flood' };
    expect(compareObservations(ok([zapSp]), ok([{ ...zapSp, reason: 'misaligned' }]), 'kvm')?.field).toBe('events[0].reason');
    const unsync: MmuEvent = { type: 'unsync', gfn: 3, role: 0x6f01 };
    const sync: MmuEvent = { type: 'sync', gfn: 3, role: 0x6f01 };
    expect(compareObservations(ok([unsync, sync]), ok([sync, unsync]), 'kvm')?.field).toBe('events[0]');
    expect(compareObservations(ok([{ type: 'mmio_spte', gfn: 5 }]), ok([{ type: 'mmio_spte', gfn: 6 }]), 'kvm')?.field).toBe('events[0].gfn');
    // A role is an unsigned 32-bit number: the same bits agree however they were computed.
    expect(compareObservations(ok([{ ...sp, role: 0x80000001 }]), ok([{ ...sp, role: -0x7fffffff }]), 'kvm')).toBeNull();
    // Against the reference only set_ad counts.
    expect(compareObservations(ok([sp, unsync]), ok([]), 'architectural')).toBeNull();
  });

  it('reports an event divergence under shadow paging with a shadow mode and a decoded role', () => {
    const a = backend('legacy', 'kvm', undefined, [{ type: 'sp', gfn: 2, level: 1, role: 0x6f01 }]);
    const b = backend('refactored', 'kvm', undefined, [{ type: 'sp', gfn: 2, level: 1, role: 0x6e01 }]);
    const r = runOracle({ ...scenario('none'), ops: scenario('none').ops.slice(0, 4) }, [a, b]);
    expect(r.divergence?.signature).toBe('events/access/events[*].role/shadow-4-level/legacy~refactored');
    expect(renderDivergence(r, { ...scenario('none'), ops: scenario('none').ops.slice(0, 4) })).toContain('legacy=0x6f01 (level 1, access RWUX, nx, wp)  refactored=0x6e01 (level 1, access WUX, nx, wp)');
  });
});

describe('shadow modes', () => {
  const st = { ...RESET_STATE, cr0: 0x80000011, cr4: 0x20, efer: 0 };
  it('prefix the paging mode under tdp none only', () => {
    expect(hostModeOf(st, 'none')).toBe('shadow-pae');
    expect(hostModeOf(st, 'ept')).toBe('pae');
    expect(hostModeOf(st, undefined)).toBe('pae');
    expect(hostPagingMode('off', 'none')).toBe('shadow-off');
  });

  it('keep shadow and TDP signatures apart, TDP ones unchanged', () => {
    const input = { class: 'outcome' as const, opKind: 'access', field: 'outcome', state: st, pair: ['legacy', 'refactored'] as const };
    expect(divergenceSignature(input)).toBe('outcome/access/outcome/pae/legacy~refactored');
    expect(divergenceSignature({ ...input, tdp: 'npt' })).toBe('outcome/access/outcome/pae/legacy~refactored');
    expect(divergenceSignature({ ...input, tdp: 'none' })).toBe('outcome/access/outcome/shadow-pae/legacy~refactored');
  });
});

describe('OutcomeMix under shadow paging', () => {
  it('files translations under shadow modes and counts the shadow events', () => {
    const mix = new OutcomeMix();
    const ops: Op[] = [set('cr4', 0x20), set('efer', 0x900), set('cr0', 0x80010011), access, access, { op: 'check' }];
    const events: MmuEvent[] = [
      { type: 'sp', gfn: 1, level: 4, role: 0x6f04 },
      { type: 'sp', gfn: 2, level: 1, role: 0x6f01 },
      { type: 'unsync', gfn: 2, role: 0x6f01 },
      { type: 'zap_sp', gfn: 2, level: 1, role: 0x6f01, reason: 'unsync_upper' },
      { type: 'zap', gfn: 5, level: 1, role: 0x6f01, reason: 'pte_write' },
      { type: 'mmio_spte', gfn: 0xfee00 },
    ];
    const ok = (ev: MmuEvent[] = []): Observation => ({ outcome: 'ok', events: ev });
    mix.addScenario(ops, [ok(), ok(), ok(), ok(events), ok([{ type: 'sync', gfn: 2, role: 0x6f01 }]), ok()], 'none');
    mix.addScenario(ops.slice(0, 4), [ok(), ok(), ok(), ok()], 'ept');
    expect(mix.byMode()).toEqual({ 'shadow-4-level': { ok: 2 }, '4-level': { ok: 1 } });
    expect(mix.coverageMatrix().some((c) => c.mode === 'shadow-4-level' && c.feature === 'WP')).toBe(true);
    expect(mix.eventCount('ev:sp')).toBe(2);
    expect(mix.eventCount('ev:zap_sp:unsync_upper')).toBe(1);
    expect(mix.render()).toBe(
      'translations 3: ok 100% | sets 6: ok 100% | mmu events: sp 2 unsync 1 sync 1 mmio_spte 1 zap:pte_write 1 zap_sp:unsync_upper 1',
    );
    // The event counts survive the trip between workers.
    expect(OutcomeMix.fromJSON(JSON.parse(JSON.stringify(mix.toJSON()))).render()).toBe(mix.render());
  });
});
