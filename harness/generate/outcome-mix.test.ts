// Generated scenarios exercise the MMU rather than fault on everything: run them on a real
// backend and look at the outcome mix. Skipped while no backend can be loaded.
import { describe, it, expect } from 'vitest';
import type { BackendFactory } from '../../mmus/backend.js';
import { generateDetailed } from './random.js';

async function loadBackend(): Promise<BackendFactory | undefined> {
  try {
    const registry = await import('../../mmus/registry.js');
    return registry.getBackend('reference');
  } catch {
    return undefined;
  }
}

const backend = await loadBackend();

describe.skipIf(backend === undefined)('generated scenarios on the reference backend', () => {
  it('translate often, fault sometimes, and rarely #GP on register writes', () => {
    const counts = { translations: 0, ok: 0, pagedOk: 0, pf: 0, sets: 0, setGp: 0, crashed: 0 };
    for (let i = 0; i < 60; i++) {
      const { scenario } = generateDetailed('mix', i);
      try {
        const b = backend!.create(scenario.config);
        for (const op of scenario.ops) {
          const o = b.apply(op);
          if (op.op === 'access' || op.op === 'gva_to_gpa') {
            counts.translations++;
            if (o.outcome === 'ok') counts.ok++;
            if (o.outcome === 'ok' && (o.level ?? 0) >= 1) counts.pagedOk++;
            if (o.outcome === 'page_fault') counts.pf++;
          } else if (op.op === 'set') {
            counts.sets++;
            if (o.outcome === 'gp') counts.setGp++;
          }
        }
      } catch {
        counts.crashed++;
      }
    }
    expect(counts.crashed).toBeLessThan(10);
    expect(counts.pagedOk / counts.translations).toBeGreaterThan(0.2);
    expect(counts.pf / counts.translations).toBeGreaterThan(0.05);
    expect(counts.setGp / counts.sets).toBeLessThan(0.3);
  });
});
