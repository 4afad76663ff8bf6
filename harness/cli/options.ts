// The declarative option table: every option of every command, with its type, default and help.
// Commands list the names they accept; docs/cli.md describes the same table for humans.
import type { Options } from 'yargs';
import { BACKEND_NAMES } from '../../mmus/registry.js';

export const DEFAULT_BACKENDS = BACKEND_NAMES.join(',');
export const DEFAULT_FINDINGS_DIR = 'findings';
export const DEFAULT_TIME_SECONDS = 60;

export const OPTIONS = {
  backends: {
    type: 'string',
    default: DEFAULT_BACKENDS,
    describe: 'Comma-separated backends to run; each is compared with the first',
  },
  mutant: {
    type: 'string',
    describe: 'Use this planted-bug variant as refactored (see "mmufuzz mutants")',
  },
  json: {
    type: 'boolean',
    default: false,
    describe: 'Print one JSON line per scenario instead of the text view',
  },
  seed: {
    type: 'string',
    describe: 'Campaign seed; scenario i comes from (seed, i) (default: from the time)',
  },
  time: {
    type: 'number',
    describe: `Time budget in seconds (default ${DEFAULT_TIME_SECONDS} without --scenarios)`,
    conflicts: 'scenarios',
  },
  scenarios: {
    type: 'number',
    describe: 'Scenario budget: run exactly this many scenarios',
    conflicts: 'time',
  },
  findings: {
    type: 'string',
    default: DEFAULT_FINDINGS_DIR,
    describe: 'Findings store: one directory per divergence signature',
  },
  'min-ops': {
    type: 'number',
    describe: 'Fewest ops in a generated scenario (generator default 20)',
  },
  'max-ops': {
    type: 'number',
    describe: 'Most ops in a generated scenario (generator default 120)',
  },
} as const satisfies Record<string, Options>;

export type OptionName = keyof typeof OPTIONS;
