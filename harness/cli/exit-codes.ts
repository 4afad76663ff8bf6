// The CLI's exit codes and the error that means "the user asked for something impossible".

export const EXIT_CLEAN = 0;
/** The backends disagreed (replay) or a campaign found at least one divergence (fuzz). */
export const EXIT_DIVERGENCE = 1;
/** Bad command line or bad input file: a message naming what was wrong, no stack. */
export const EXIT_USAGE = 2;
/** A bug in mmufuzz itself: message and stack. */
export const EXIT_HARNESS_BUG = 3;

/** A command-line mistake (bad option value, unknown backend...): exit 2 with the message only. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
