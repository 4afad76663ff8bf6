// Every shadow-path mutant changes an observation on a short hand-built scenario: the faithful
// model gives the hand-derived value, the mutant the hand-derived wrong one.
import { describe, expect, it } from 'vitest';
import { SHADOW_MUTANT_CASES } from './shadow-mutant-cases.js';
import { shadowBackend } from './shadow-test-kit.js';

describe('each shadow mutant is observable', () => {
  for (const [name, c] of Object.entries(SHADOW_MUTANT_CASES)) {
    it(name, () => {
      expect(c.scenario(shadowBackend(c.config))).toEqual(c.faithful);
      expect(c.scenario(shadowBackend(c.config, name))).toEqual(c.mutant);
    });
  }
});
