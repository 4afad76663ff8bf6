import { describe, it, expect } from 'vitest';
import type { MmuEvent, Observation } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { compareObservations } from './compare.js';

const setAd = (gpa: number, lo: number): MmuEvent => ({ type: 'set_ad', gpa, value: u64(lo) });
const map = (gfn: number): MmuEvent => ({ type: 'map', gfn, level: 1, spte: u64(0x607, 0x80000000) });
const flush: MmuEvent = { type: 'flush', scope: 'guest' };

const ok = (extra: Partial<Observation> = {}): Observation => ({
  outcome: 'ok',
  gpa: 0x5000,
  hpa: 0x100005000,
  level: 1,
  events: [setAd(0x1000, 0x27), setAd(0x2000, 0x67), map(5)],
  ...extra,
});
const pf = (errorCode: number, extra: Partial<Observation> = {}): Observation => ({
  outcome: 'page_fault',
  errorCode,
  address: u64(0x5000, 0xffff8000),
  to: 'L1',
  events: [],
  ...extra,
});

describe('compareObservations', () => {
  it('compares shadow events field by field: role, then the zap reason; an sp has none', () => {
    const zap = (reason: 'pte_write' | 'flood', role = 0x6f01): MmuEvent => ({ type: 'zap_sp', gfn: 4, level: 1, role, reason });
    const sp = (role: number): MmuEvent => ({ type: 'sp', gfn: 4, level: 1, role });
    expect(compareObservations(ok({ events: [zap('flood')] }), ok({ events: [zap('flood')] }), 'kvm')).toBeNull();
    expect(compareObservations(ok({ events: [zap('flood')] }), ok({ events: [zap('pte_write')] }), 'kvm')).toMatchObject({ field: 'events[0].reason', values: ['flood', 'pte_write'] });
    expect(compareObservations(ok({ events: [zap('flood')] }), ok({ events: [zap('flood', 0x6f02)] }), 'kvm')).toMatchObject({ field: 'events[0].role' });
    expect(compareObservations(ok({ events: [sp(0x6f01)] }), ok({ events: [sp(0x6f01)] }), 'kvm')).toBeNull();
    // Roles compare as unsigned 32-bit numbers (smm in bits 24-31).
    expect(compareObservations(ok({ events: [sp(-1)] }), ok({ events: [sp(0xffffffff)] }), 'kvm')).toBeNull();
  });

  it('finds no difference between equal observations (fresh objects)', () => {
    expect(compareObservations(ok(), ok(), 'kvm')).toBeNull();
    expect(compareObservations(pf(7), pf(7), 'kvm')).toBeNull();
    expect(compareObservations({ outcome: 'ok', value: u64(1, 2), events: [] }, { outcome: 'ok', value: u64(1, 2), events: [] }, 'kvm')).toBeNull();
  });

  it('classifies an outcome difference first', () => {
    expect(compareObservations(ok(), pf(7), 'kvm')).toEqual({ field: 'outcome', class: 'outcome', values: ['ok', 'page_fault'] });
  });

  it('classifies gpa, hpa and level as translation', () => {
    expect(compareObservations(ok(), ok({ gpa: 0x6000 }), 'kvm')).toMatchObject({ field: 'gpa', class: 'translation', values: [0x5000, 0x6000] });
    expect(compareObservations(ok(), ok({ hpa: 1 }), 'kvm')).toMatchObject({ field: 'hpa', class: 'translation' });
    expect(compareObservations(ok(), ok({ level: 2 }), 'kvm')).toMatchObject({ field: 'level', class: 'translation' });
    expect(compareObservations(ok(), ok({ gpa: undefined }), 'kvm')).toMatchObject({ field: 'gpa', values: [0x5000, undefined] });
  });

  it('classifies errorCode, address and to as error_code', () => {
    expect(compareObservations(pf(7), pf(5), 'kvm')).toMatchObject({ field: 'error_code', class: 'error_code', values: [7, 5] });
    expect(compareObservations(pf(7), pf(7, { address: u64(0x5000) }), 'kvm')).toMatchObject({ field: 'address', class: 'error_code' });
    expect(compareObservations(pf(7), pf(7, { to: 'L2' }), 'kvm')).toMatchObject({ field: 'to', class: 'error_code' });
  });

  it('classifies a read value difference as value (compares both halves)', () => {
    const a: Observation = { outcome: 'ok', value: u64(0x27, 0x80000000), events: [] };
    const b: Observation = { outcome: 'ok', value: u64(0x27, 0), events: [] };
    expect(compareObservations(a, b, 'kvm')).toMatchObject({ field: 'value', class: 'value' });
  });

  it('classifies set_ad differences as ad and names the event field', () => {
    const b = ok({ events: [setAd(0x1000, 0x27), setAd(0x2000, 0x27), map(5)] });
    expect(compareObservations(ok(), b, 'kvm')).toEqual({ field: 'events[1].value', class: 'ad', values: [u64(0x67), u64(0x27)] });
    const missing = ok({ events: [setAd(0x1000, 0x27), map(5)] });
    expect(compareObservations(ok(), missing, 'kvm')).toMatchObject({ field: 'events[1]', class: 'ad' });
  });

  it('classifies other event differences as events', () => {
    const extraFlush = ok({ events: [...ok().events, flush] });
    expect(compareObservations(ok(), extraFlush, 'kvm')).toEqual({ field: 'events.length', class: 'events', values: [3, 4] });
    const otherGfn = ok({ events: [setAd(0x1000, 0x27), setAd(0x2000, 0x67), map(6)] });
    expect(compareObservations(ok(), otherGfn, 'kvm')).toMatchObject({ field: 'events[2].gfn', class: 'events', values: [5, 6] });
    const scope = { ...ok(), events: [{ type: 'flush', scope: 'current' } as MmuEvent] };
    expect(compareObservations({ ...ok(), events: [flush] }, scope, 'kvm')).toMatchObject({ field: 'events[0].scope', class: 'events' });
  });

  it('an extra set_ad at the end is an ad difference', () => {
    const more = ok({ events: [...ok().events, setAd(0x3000, 0x67)] });
    expect(compareObservations(ok(), more, 'kvm')).toMatchObject({ field: 'events.length', class: 'ad' });
  });

  describe('architectural scope', () => {
    it('ignores hpa and every non-set_ad event', () => {
      const arch: Observation = { outcome: 'ok', gpa: 0x5000, level: 1, events: [setAd(0x1000, 0x27), setAd(0x2000, 0x67)] };
      expect(compareObservations(ok(), arch, 'architectural')).toBeNull();
      expect(compareObservations(ok({ events: [flush, ...ok().events, flush] }), arch, 'architectural')).toBeNull();
      expect(compareObservations(ok(), arch, 'kvm')).toMatchObject({ field: 'hpa' });
    });

    it('still compares outcome, translation, error code and set_ad order', () => {
      const arch: Observation = { outcome: 'ok', gpa: 0x5000, level: 1, events: [setAd(0x2000, 0x67), setAd(0x1000, 0x27)] };
      expect(compareObservations(ok(), arch, 'architectural')).toMatchObject({ field: 'set_ad[0].gpa', class: 'ad', values: [0x1000, 0x2000] });
      const fewer: Observation = { outcome: 'ok', gpa: 0x5000, level: 1, events: [setAd(0x1000, 0x27)] };
      expect(compareObservations(ok(), fewer, 'architectural')).toEqual({ field: 'set_ad.length', class: 'ad', values: [2, 1] });
      expect(compareObservations(pf(7), pf(0x15), 'architectural')).toMatchObject({ field: 'error_code' });
      expect(compareObservations(ok(), { ...ok(), level: 2 }, 'architectural')).toMatchObject({ field: 'level' });
    });
  });

  describe('alternatives (architectural TLB staleness)', () => {
    // The reference's fresh walk says 0x5000 with an A update; a stale TLB entry allows 0x9000
    // at level 1 with no A/D write, or mmio at 0x7000000.
    const arch: Observation = {
      outcome: 'ok', gpa: 0x5000, level: 1, events: [setAd(0x1000, 0x27)],
      alternatives: [
        { outcome: 'ok', gpa: 0x9000, level: 1, events: [] },
        { outcome: 'mmio', gpa: 0x7000000, level: 1, events: [] },
      ],
    };
    const kvm = (extra: Partial<Observation>): Observation => ({ outcome: 'ok', hpa: 0x100009000, level: 1, events: [map(9)], ...extra });

    it('accepts a kvm observation equal to an alternative, on either side', () => {
      expect(compareObservations(kvm({ gpa: 0x9000 }), arch, 'architectural')).toBeNull();
      expect(compareObservations(arch, kvm({ gpa: 0x9000 }), 'architectural')).toBeNull();
      expect(compareObservations({ outcome: 'mmio', gpa: 0x7000000, level: 1, events: [] }, arch, 'architectural')).toBeNull();
    });

    it('still accepts the primary', () => {
      expect(compareObservations(kvm({ gpa: 0x5000, events: [setAd(0x1000, 0x27), map(5)] }), arch, 'architectural')).toBeNull();
    });

    it('an alternative is compared on every architectural field, set_ad included', () => {
      // Same gpa as the alternative but with an A/D write the stale entry would not make.
      const withAd = kvm({ gpa: 0x9000, events: [setAd(0x1000, 0x27)] });
      expect(compareObservations(withAd, arch, 'architectural')).toEqual({ field: 'gpa', class: 'translation', values: [0x9000, 0x5000] });
      expect(compareObservations(kvm({ gpa: 0x9000, level: 2 }), arch, 'architectural')).toMatchObject({ field: 'gpa' });
    });

    it('reports the difference against the primary when nothing matches', () => {
      const pf: Observation = { outcome: 'page_fault', errorCode: 3, address: u64(0x5000), to: 'L1', events: [] };
      expect(compareObservations(pf, arch, 'architectural')).toEqual({ field: 'outcome', class: 'outcome', values: ['page_fault', 'ok'] });
      expect(compareObservations(kvm({ gpa: 0xa000 }), arch, 'architectural')).toEqual({ field: 'gpa', class: 'translation', values: [0xa000, 0x5000] });
    });

    it('alternatives of a fault primary: ok from the stale entry is accepted', () => {
      const stale: Observation = {
        outcome: 'page_fault', errorCode: 3, address: u64(0x5000), to: 'L1', events: [],
        alternatives: [{ outcome: 'ok', gpa: 0x9000, level: 1, events: [] }],
      };
      expect(compareObservations(kvm({ gpa: 0x9000 }), stale, 'architectural')).toBeNull();
      expect(compareObservations({ outcome: 'page_fault', errorCode: 3, address: u64(0x5000), to: 'L1', events: [] }, stale, 'architectural')).toBeNull();
    });

    it('the kvm scope ignores alternatives', () => {
      const a: Observation = { ...kvm({ gpa: 0x5000 }), alternatives: [kvm({ gpa: 0x9000 })] };
      expect(compareObservations(kvm({ gpa: 0x9000 }), a, 'kvm')).toMatchObject({ field: 'gpa' });
    });
  });
});
