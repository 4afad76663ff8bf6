import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../../mmus/backend.js';
import { observationToJson } from './encode.js';
import { parseScenarioText } from './parse.js';
import { renderScenario } from './print.js';

// docs/scenario-format.md is the public contract: its worked example must stay true.
const DOC = readFileSync(new URL('../../docs/scenario-format.md', import.meta.url), 'utf8');
const example = DOC.slice(DOC.indexOf('## Worked example'));
const blocks = [...example.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => m[2]);
const [scenarioText, renderedText, observationsText] = blocks;
const expectedLines = observationsText.replace(/\[\n\s+/g, '[').replace(/,\n\s+/g, ',').trim().split('\n');

/** The backends through the registry, or undefined while one of them is not built yet. */
async function loadBackends(): Promise<Record<string, BackendFactory> | undefined> {
  try {
    const { getBackend } = await import('../../mmus/registry.js');
    return { legacy: getBackend('legacy'), refactored: getBackend('refactored'), reference: getBackend('reference') };
  } catch {
    return undefined;
  }
}
const backends = await loadBackends();

describe('docs/scenario-format.md worked example', () => {
  const scenario = parseScenarioText(scenarioText, 'docs/scenario-format.md');

  it('is a valid scenario whose text form is the one shown', () => {
    expect(renderScenario(scenario)).toBe(renderedText.trimEnd());
  });

  it('shows observations in the documented encoding', () => {
    expect(expectedLines).toHaveLength(scenario.ops.length);
    for (const [i, line] of expectedLines.entries()) expect(JSON.parse(line).i).toBe(i);
  });

  it.skipIf(backends === undefined).each(['legacy', 'refactored', 'reference'])('is what %s reports', (name) => {
    const factory = (backends as Record<string, BackendFactory>)[name];
    const backend = factory.create(scenario.config);
    const got = scenario.ops.map((op, i) => JSON.stringify(observationToJson(backend.apply(op), i)));
    const want =
      factory.fidelity === 'kvm'
        ? expectedLines
        : expectedLines.map((line) => {
            // Architectural backends: no hpa and only set_ad events.
            const o = JSON.parse(line);
            delete o.hpa;
            o.events = o.events.filter((e: { type: string }) => e.type === 'set_ad');
            return JSON.stringify(o);
          });
    expect(got).toStrictEqual(want);
  });
});
