// Replays every corpus scenario on legacy, refactored and reference: they must not diverge.
// (The seed scenarios' hand-written expectations are checked in mmus/sdm-corpus-expectations.test.ts;
// corpus/kvm-deviations/ pins KVM behaviour the reference reports, checked in kvm-deviations.test.ts.)
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BackendFactory } from '../mmus/backend.js';
import { getBackend } from '../mmus/registry.js';
import { runOracle } from './oracle/oracle.js';
import { renderDivergence } from './oracle/report.js';
import { listScenarioFiles, loadScenarioFile } from './scenario/parse.js';

const CORPUS = fileURLToPath(new URL('../corpus', import.meta.url));
/** Scenarios where the KVM models are expected to differ from the reference. */
const KVM_DEVIATIONS = 'kvm-deviations';
const BACKENDS: readonly BackendFactory[] = ['legacy', 'refactored', 'reference'].map((n) => getBackend(n));

describe('corpus replays without divergence', () => {
  for (const file of listScenarioFiles([CORPUS])) {
    const name = relative(CORPUS, file).split(sep).join('/');
    if (name.startsWith(`${KVM_DEVIATIONS}/`)) continue;
    it(name, () => {
      const scenario = loadScenarioFile(file);
      const result = runOracle(scenario, BACKENDS);
      expect(result.divergence, renderDivergence(result, scenario)).toBeNull();
    });
  }
});
