// The minimizer's budget: a time limit read from an injected clock and a cap on oracle calls.
// Once spent it stays spent, so every pass winds down without a special path.

export interface BudgetLimits {
  /** Milliseconds from the start; undefined = no time limit. */
  readonly timeLimitMs?: number | undefined;
  /** Oracle calls; undefined = no cap. */
  readonly maxOracleCalls?: number | undefined;
  /** Milliseconds from a fixed origin (injected: tests pass a fake clock). */
  readonly clock: () => number;
}

export class Budget {
  private readonly start: number;
  private calls = 0;
  private exhausted = false;

  constructor(private readonly limits: BudgetLimits) {
    this.start = limits.clock();
  }

  /** Oracle calls charged so far. */
  get oracleCalls(): number {
    return this.calls;
  }

  get elapsedMs(): number {
    return this.limits.clock() - this.start;
  }

  /** True once a limit was reached (checked before each call, never undone). */
  get spent(): boolean {
    return this.exhausted;
  }

  /** Counts a call that is made whatever the limits (the input's own run). */
  record(): void {
    this.calls++;
  }

  /** Asks for one oracle call: false (and spent from now on) when a limit is reached. */
  charge(): boolean {
    if (this.exhausted) return false;
    const { timeLimitMs, maxOracleCalls } = this.limits;
    if ((maxOracleCalls !== undefined && this.calls >= maxOracleCalls) || (timeLimitMs !== undefined && this.elapsedMs >= timeLimitMs)) {
      this.exhausted = true;
      return false;
    }
    this.calls++;
    return true;
  }
}
