import { it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { runOracle } from './oracle.js';
import { renderDivergence } from './report.js';
import { buildFixtureHierarchy } from '../generate/arbitraries/fixture-hierarchy.js';
import { modeRegisters, enablePagingOps } from '../generate/arbitraries/mode-registers.js';
import { encodeOpIntent } from '../generate/arbitraries/encode-op-intent.js';
import { renderObservation, renderOp } from '../scenario/print.js';
import { CPU_FEATURES } from '../../mmus/backend.js';
it('probe', () => {
  const config: any = { cpu: { maxphyaddr: 46, features: new Set(CPU_FEATURES) }, host: { tdp: 'ept', eptAd: false, mbec: false }, memslots: [{ slot: 0, gpa: 0, size: 0x4000000, flags: [] }, { slot: 1, gpa: 0x8000000, size: 0x200000, flags: ['readonly'] }] };
  const tables = buildFixtureHierarchy('4-level');
  const regs = modeRegisters('4-level', config, tables.root);
  const f = { p: true, rw: true, us: true, pwt: false, pcd: false, a: false, d: false, ps: false, g: false, nx: false, pkey: 0, rsvdBit: null, target: 5 };
  const intents: any[] = [
    { kind: 'write_gpte', gva: 0, level: 1, fields: f },
    { kind: 'translate', op: 'access', gva: 0, access: 'read', cpl: 0, implicit: false },
    { kind: 'memslot', action: 'delete', alt: false },
  ];
  const s: any = { format: 'mmufuzz.scenario/1', config, ops: [...tables.writes, ...enablePagingOps(regs), ...intents.map((i) => encodeOpIntent(i, { config, tables, regs }))] };
  const r = runOracle(s, [getBackend('legacy'), getBackend('refactored', 'memslot-zap-misses-last-gfn')]);
  s.ops.forEach((op: any, i: number) => console.log(renderOp(op), ' => ', r.observations.legacy[i] && renderObservation(r.observations.legacy[i])));
  console.log(r.divergence && renderDivergence(r, s));
});
