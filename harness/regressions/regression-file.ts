// What a regression file under corpus/regressions/ says besides its scenario: its description
// names the signature, how it was found and the expectation, and for a finding made against a
// mutant carries a machine-readable mutant check that harness/regressions/regressions.test.ts runs.

/** The planted bug must still be caught: with `mutant` as refactored, `backends` diverge with `signature`. */
export interface MutantExpectation {
  readonly mutant: string;
  readonly backends: readonly string[];
  readonly signature: string;
}

export interface RegressionInfo {
  /** The divergence signature the regression was exported from. */
  readonly signature: string;
  /** How it was found, one or two sentences. */
  readonly foundBy: string;
  readonly expect?: MutantExpectation;
}

/** The three backends a regression must agree on. */
export const REGRESSION_BACKENDS = ['legacy', 'refactored', 'reference'] as const;

const CHECK = /\bMutant check: mutant=(\S+) backends=(\S+) signature=(\S+)/;

export function regressionDescription(info: RegressionInfo): string {
  const parts = [
    `Regression for ${info.signature}.`,
    info.foundBy.trim(),
    `Expected: ${REGRESSION_BACKENDS.join(', ')} agree on every op.`,
  ];
  if (info.expect !== undefined) {
    const e = info.expect;
    parts.push(`Mutant check: mutant=${e.mutant} backends=${e.backends.join(',')} signature=${e.signature} (the planted bug is still caught).`);
  }
  return parts.filter((p) => p !== '').join(' ');
}

/** The mutant check a description carries, if any. */
export function parseMutantExpectation(description: string | undefined): MutantExpectation | undefined {
  const m = description === undefined ? null : CHECK.exec(description);
  if (m === null) return undefined;
  return { mutant: m[1], backends: m[2].split(','), signature: m[3].replace(/\)$/, '') };
}
