import { describe, it, expect } from 'vitest';
import type { Observation, Op } from '../../mmus/backend.js';
import { u64 } from '../../mmus/x86/u64.js';
import { OutcomeMix, pageFaultKey } from './stats.js';

const access: Op = { op: 'access', gva: u64(0x1000), kind: 'write', cpl: 3, implicit: false };
const set: Op = { op: 'set', reg: 'cr0', value: u64(1) };
const obs = (outcome: Observation['outcome'], errorCode?: number): Observation => ({ outcome, errorCode, events: [] });

describe('OutcomeMix', () => {
  it('names page faults by error-code class and flags', () => {
    expect(pageFaultKey(0x00)).toBe('pf:np');
    expect(pageFaultKey(0x07)).toBe('pf:prot|W|U');
    expect(pageFaultKey(0x09)).toBe('pf:rsvd');
    expect(pageFaultKey(0x25)).toBe('pf:pk|U');
    expect(pageFaultKey(0x11)).toBe('pf:prot|F');
  });

  it('counts, merges and renders', () => {
    const a = new OutcomeMix();
    a.addScenario([access, access, set, access], [obs('ok'), obs('page_fault', 7), obs('gp'), obs('mmio')]);
    const b = new OutcomeMix();
    b.add(access, obs('ok'));
    b.add(set, obs('ok'));
    b.add({ op: 'read', gpa: 0, size: 8 }, obs('ok'));
    a.merge(b);
    expect(a.translationCount).toBe(4);
    expect(a.setCount).toBe(2);
    expect(a.toJson()).toEqual({ ok: 2, mmio: 1, 'pf:prot|W|U': 1, 'set:gp': 1, 'set:ok': 1 });
    expect(a.render()).toBe('translations 4: ok 50% mmio 25% pf:prot|W|U 25% | sets 2: gp 50% ok 50%');
    expect(new OutcomeMix().render()).toBe('translations 0 | sets 0');
  });
});

describe('OutcomeMix coverage matrix', () => {
  const ok: Observation = { outcome: 'ok', events: [] };
  const pf = (errorCode: number): Observation => ({ outcome: 'page_fault', errorCode, events: [] });
  const set = (reg: 'cr0' | 'cr4' | 'efer', lo: number): Op => ({ op: 'set', reg, value: { lo, hi: 0 } });
  const access: Op = { op: 'access', gva: { lo: 0x1000, hi: 0 }, kind: 'read', cpl: 3, implicit: false };

  it('splits translations by the paging mode reached through successful register writes', () => {
    const mix = new OutcomeMix();
    mix.addScenario(
      [access, set('cr4', 0x20), set('efer', 0x900), set('cr0', 0x80010011), access, access, set('cr4', 0x1000), access],
      [ok, ok, ok, ok, ok, pf(0x5), { outcome: 'gp', events: [] }, pf(0x0)],
    );
    expect(mix.byMode()).toEqual({ off: { ok: 1 }, '4-level': { ok: 1, 'pf:prot': 1, 'pf:np': 1 } });
    const cells = mix.coverageMatrix().filter((c) => c.mode === '4-level' && c.feature === 'NXE');
    expect(cells).toEqual([
      { mode: '4-level', feature: 'NXE', outcome: 'ok', count: 1 },
      { mode: '4-level', feature: 'NXE', outcome: 'pf:np', count: 1 },
      { mode: '4-level', feature: 'NXE', outcome: 'pf:prot', count: 1 },
    ]);
  });

  it('survives a JSON round trip and merges', () => {
    const a = new OutcomeMix();
    a.addScenario([set('cr4', 0x10), set('cr0', 0x80000011), access], [ok, ok, ok]);
    const b = OutcomeMix.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    b.merge(a);
    expect(b.byMode()).toEqual({ '32-bit': { ok: 2 } });
    expect(b.translationCount).toBe(2);
  });
});
