// MinimizeError: the input cannot be minimized (it does not diverge, or not with the signature
// asked for, or a backend refuses its config). A user error: the CLI prints it without a stack.

export type MinimizeErrorReason = 'no-divergence' | 'other-signature' | 'unsupported-config';

export class MinimizeError extends Error {
  override readonly name = 'MinimizeError';

  /**
   * @param reason why the scenario cannot be minimized
   * @param found  the signature the scenario does show, when it diverges at all
   */
  constructor(
    readonly reason: MinimizeErrorReason,
    message: string,
    readonly found?: string,
  ) {
    super(message);
  }
}
