// The curated regressions of corpus/regressions/ (written by `mmufuzz export-test` or by hand):
// legacy, refactored and reference must agree on each; one exported from a finding against a
// mutant must still make that mutant diverge with the recorded signature, so the test passes on
// the fixed models and fails if the planted bug stops being caught.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../mmus/registry.js';
import { runOracle } from '../oracle/oracle.js';
import { renderDivergence } from '../oracle/report.js';
import { listScenarioFiles, loadScenarioFile } from '../scenario/parse.js';
import { parseMutantExpectation, REGRESSION_BACKENDS } from './regression-file.js';

const DIR = fileURLToPath(new URL('../../corpus/regressions', import.meta.url));
const FILES = existsSync(DIR) ? listScenarioFiles([DIR]) : [];

describe('corpus/regressions', () => {
  it('holds regressions', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  describe.each(FILES.map((file) => ({ file, name: basename(file, '.json') })))('$name', ({ file }) => {
    const scenario = loadScenarioFile(file);
    const check = parseMutantExpectation(scenario.description);

    it(`${REGRESSION_BACKENDS.join(', ')} agree`, () => {
      const result = runOracle(scenario, REGRESSION_BACKENDS.map((n) => getBackend(n)));
      expect(result.divergence, renderDivergence(result, scenario)).toBeNull();
    });

    // Found without a mutant (a real bug, since fixed): agreement is the whole check.
    if (check !== undefined) {
      it(`the mutant ${check.mutant} still diverges with ${check.signature}`, () => {
        const result = runOracle(scenario, check.backends.map((n) => getBackend(n, check.mutant)));
        expect(result.divergence?.signature, renderDivergence(result, scenario)).toBe(check.signature);
      });
    }
  });
});
