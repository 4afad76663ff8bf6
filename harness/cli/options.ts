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
  engine: {
    type: 'string',
    describe: 'Engine: random (seeded generator; the default), property (fast-check) or coverage (jsfuzz)',
  },
  workers: {
    type: 'number',
    describe: 'Parallel workers (default: one per core; 1 when running from TypeScript sources)',
  },
  shard: {
    type: 'string',
    describe: 'i/N: run shard i of N; N machines with the same seed never repeat each other',
  },
  resume: {
    type: 'string',
    describe: 'Continue the campaign in DIR (its campaign.json); --time/--scenarios give a new total budget',
  },
  accept: {
    type: 'string',
    describe: 'Intended-differences ledger (docs/accept-ledger.md): matching divergences are counted apart, not stored',
  },
  minimize: {
    type: 'boolean',
    default: true,
    describe: 'Minimize each new signature (--no-minimize to skip)',
  },
  'minimize-time': {
    type: 'number',
    describe: 'Seconds of minimization per new signature (default 10)',
  },
  host: {
    type: 'string',
    alias: 'tdp',
    describe:
      'Host of generated scenarios: ept, npt, none (shadow paging) or mixed (the default: shadow paging for about a third, else ept or npt); --tdp is the old name',
  },
  'kvm-deviations': {
    type: 'boolean',
    default: false,
    describe:
      'Random engine: let shadow-paging scenarios reach the triggers of the known KVM deviations the reference reports (docs/model-contract-shadow.md); by default they are avoided',
  },
  corpus: {
    type: 'string',
    describe: 'Coverage engine: the corpus directory (default <findings>/coverage-corpus)',
  },
  'replay-path': {
    type: 'string',
    describe: 'Property engine: replay the run at fast-check SEED:PATH (printed with its findings) instead of a campaign',
  },
  'scenario-timeout': {
    type: 'number',
    describe: 'Seconds before a running scenario is a hang finding and its worker is restarted (default 10)',
  },
  out: {
    type: 'string',
    describe:
      'Output: merge — the directory to merge into (required); report — the report directory (default "report"); minimize — the minimized scenario file (default <name>.min.json beside it)',
  },
  baseline: {
    type: 'string',
    describe: "Directory of known findings (last night's output, corpus/regressions); other signatures are new",
  },
  name: {
    type: 'string',
    describe: 'Regression name: the file is <dir>/<name>.json (default: from the mutant or the signature)',
  },
  dir: {
    type: 'string',
    default: 'corpus/regressions',
    describe: 'Directory of curated regressions',
  },
} as const satisfies Record<string, Options>;

export type OptionName = keyof typeof OPTIONS;
