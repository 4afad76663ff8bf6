// Shadow-paging scenarios of the seeded generator: their share, their configs, and the shapes
// that make KVM's shadow MMU work (tables reached by two walks, stores to live page tables,
// CR3 switches among address spaces, PCIDs, WP toggles, checks), in a measurable share.
import { describe, expect, it } from 'vitest';
import { CR0_PG, CR3_NOFLUSH_HI, CR4_PCIDE } from '../../mmus/x86/bits.js';
import { scenarioToJson } from '../scenario/encode.js';
import { parseScenario } from '../scenario/parse.js';
import { entryFrame, isPresent } from './entry-bits.js';
import { SHADOW_MUTATORS, SHADOW_ONLY_MUTATORS } from './mutators.js';
import { generateDetailed, generateScenario, type GeneratedScenario } from './random.js';
import { applySet, RESET_REGS } from './regs.js';

const N = 300;
const mixed: GeneratedScenario[] = Array.from({ length: N }, (_, i) => generateDetailed('shadow-seed', i));
const shadow: GeneratedScenario[] = Array.from({ length: 150 }, (_, i) => generateDetailed('shadow-seed', i, { tdp: 'none' }));

const share = (list: readonly GeneratedScenario[], p: (d: GeneratedScenario) => boolean): number => list.filter(p).length / list.length;

/** A guest table that two present non-leaf entries point at. */
function hasSharedTable(d: GeneratedScenario): boolean {
  const refs = new Map<number, number>();
  for (const e of d.state.entries.values()) {
    if (e.leaf || !isPresent(e.value)) continue;
    const t = entryFrame(e.mode, e.value, false);
    if (d.state.tables.has(t)) refs.set(t, (refs.get(t) ?? 0) + 1);
  }
  return [...refs.values()].some((n) => n >= 2);
}

/** Ops after the first successful CR0.PG = 1, with the registers in force before each. */
function afterPaging(d: GeneratedScenario) {
  const out: { op: (typeof d.scenario.ops)[number]; regs: typeof RESET_REGS }[] = [];
  let regs = RESET_REGS;
  let on = false;
  for (const op of d.scenario.ops) {
    if (on) out.push({ op, regs });
    if (op.op === 'set') regs = applySet(regs, d.scenario.config.cpu, op.reg, op.value) ?? regs;
    on ||= (regs.cr0 & CR0_PG) !== 0;
  }
  return out;
}

/** A store into a page-table page while paging is on. */
function writesLiveTable(d: GeneratedScenario): boolean {
  const pages = new Set([...d.state.tables.keys()].map((t) => t - (t % 0x1000)));
  return afterPaging(d).some(({ op }) => op.op === 'write' && pages.has(op.gpa - (op.gpa % 0x1000)));
}

/** Three stores in a row into one table page (KVM's flooding detection). */
function floods(d: GeneratedScenario): boolean {
  const ops = d.scenario.ops;
  for (let i = 0; i + 2 < ops.length; i++) {
    const w = ops.slice(i, i + 3);
    if (w.every((o) => o.op === 'write') && new Set(w.map((o) => (o.op === 'write' ? o.gpa >>> 12 : -1))).size === 1) return true;
  }
  return false;
}

/** CR3 loaded with at least two different roots while paging is on. */
function switchesCr3(d: GeneratedScenario): boolean {
  const roots = new Set(afterPaging(d).flatMap(({ op }) => (op.op === 'set' && op.reg === 'cr3' ? [op.value.lo & ~0xfff] : [])));
  return roots.size >= 2;
}

describe('shadow-paging scenarios of the seeded generator', () => {
  it('are about a third of the default mix, and none or all when forced', () => {
    const s = share(mixed, (d) => d.scenario.config.host.tdp === 'none');
    expect(s).toBeGreaterThan(0.25);
    expect(s).toBeLessThan(0.42);
    for (let i = 0; i < 20; i++) {
      expect(generateScenario('shadow-seed', i, { shadowShare: 0 }).config.host.tdp).not.toBe('none');
      expect(generateScenario('shadow-seed', i, { shadowShare: 1 }).config.host.tdp).toBe('none');
    }
  });

  it('leave the TDP scenarios of a seed as they are whatever the shadow share', () => {
    for (let i = 0; i < 60; i++) {
      const d = mixed[i];
      if (d.scenario.config.host.tdp === 'none') continue;
      expect(generateScenario('shadow-seed', i, { shadowShare: 0 })).toEqual(d.scenario);
    }
  });

  it('are deterministic and round-trip through the v1 format', () => {
    expect(generateScenario('shadow-seed', 5, { tdp: 'none' })).toEqual(shadow[5].scenario);
    for (const { scenario } of shadow) expect(parseScenario(scenarioToJson(scenario), scenario.name ?? '?')).toEqual(scenario);
  });

  it('never use EPT A/D bits, MBEC or PKU', () => {
    for (const { scenario } of [...shadow, ...mixed.filter((d) => d.scenario.config.host.tdp === 'none')]) {
      expect(scenario.config.host).toEqual({ tdp: 'none', eptAd: false, mbec: false });
      expect(scenario.config.cpu.features.has('pku')).toBe(false);
    }
  });

  it('share tables, write live tables, flood, switch CR3 and check in a measurable share', () => {
    expect(share(shadow, hasSharedTable)).toBeGreaterThan(0.4);
    expect(share(shadow, writesLiveTable)).toBeGreaterThan(0.6);
    expect(share(shadow, floods)).toBeGreaterThan(0.1);
    expect(share(shadow, switchesCr3)).toBeGreaterThan(0.3);
    expect(share(shadow, (d) => d.scenario.ops.some((o) => o.op === 'check'))).toBeGreaterThan(0.6);
    expect(share(shadow, (d) => d.scenario.ops.some((o) => o.op === 'invpcid'))).toBeGreaterThan(0.1);
    expect(share(shadow, (d) => d.scenario.ops.some((o) => o.op === 'memslot'))).toBeGreaterThan(0.2);
  });

  it('switch CR3 with PCIDs and NOFLUSH, and write 1 or 2 bytes of entries, in some scenarios', () => {
    const pcidSwitch = (d: GeneratedScenario) =>
      afterPaging(d).some(({ op, regs }) => op.op === 'set' && op.reg === 'cr3' && (regs.cr4 & CR4_PCIDE) !== 0 && (op.value.hi & CR3_NOFLUSH_HI) !== 0);
    expect(shadow.some(pcidSwitch)).toBe(true);
    const small = (d: GeneratedScenario) => {
      const entries = d.state.entries;
      return d.scenario.ops.some((o) => o.op === 'write' && o.size <= 2 && [...entries.keys()].some((e) => o.gpa >= e && o.gpa < e + 8));
    };
    expect(share(shadow, small)).toBeGreaterThan(0.1);
  });

  it('shoot down a space that is not running: INVPCID naming another PCID, then NOFLUSH back to it', () => {
    const awayShootdown = (d: GeneratedScenario) => {
      const ops = afterPaging(d);
      return ops.some(({ op, regs }, i) => {
        if (op.op !== 'invpcid' || op.type > 1 || (regs.cr4 & CR4_PCIDE) === 0 || op.pcid === (regs.cr3.lo & 0xfff)) return false;
        const back = ops.slice(i + 1).find((x) => x.op.op === 'set' && x.op.reg === 'cr3');
        return back !== undefined && back.op.op === 'set' && (back.op.value.lo & 0xfff) === op.pcid;
      });
    };
    expect(shadow.filter(awayShootdown).length).toBeGreaterThan(0);
  });

  it('use every shadow generator across a batch, and only shadow scenarios do', () => {
    const used = new Set(shadow.flatMap((d) => d.mutators));
    for (const m of SHADOW_MUTATORS) if (m.weight > 0) expect(used, m.name).toContain(m.name);
    const tdpUsed = new Set(mixed.filter((d) => d.scenario.config.host.tdp !== 'none').flatMap((d) => d.mutators));
    for (const m of SHADOW_ONLY_MUTATORS) expect(tdpUsed.has(m.name), m.name).toBe(false);
  });

  it('puts a few check ops in TDP scenarios too, fewer than under shadow paging', () => {
    const checks = (list: readonly GeneratedScenario[]) =>
      list.reduce((n, d) => n + d.scenario.ops.filter((o) => o.op === 'check').length, 0) / list.length;
    const tdp = mixed.filter((d) => d.scenario.config.host.tdp !== 'none');
    expect(checks(tdp)).toBeGreaterThan(0);
    expect(checks(tdp)).toBeLessThan(checks(shadow));
  });
});
