// The environment variables through which the coverage engine configures its jsfuzz worker (the
// fuzz target and the instrumentation filter read them; nothing else does).
export const TARGET_ENV = {
  /** Comma-separated backend names, first is the baseline. */
  backends: 'MMUFUZZ_COVERAGE_BACKENDS',
  /** Mutant applied to `refactored`, or empty. */
  mutant: 'MMUFUZZ_COVERAGE_MUTANT',
  /** The findings queue directory. */
  queue: 'MMUFUZZ_COVERAGE_QUEUE',
} as const;

/** The directory whose files stay instrumented; unset or empty = leave jsfuzz's hook alone. */
export const INSTRUMENT_DIR_ENV = 'MMUFUZZ_COVERAGE_INSTRUMENT_DIR';
