// One jsfuzz run: a Fuzzer started on the corpus, watched (executions, coverage, how its worker
// ended) and stopped cleanly — SIGINT to the worker, which exits at its next input, then SIGKILL if
// it does not. Its worker output is kept (the last few KiB) for error messages, never printed.
import { enqueueInput } from './coverage-queue.js';
import type { JsfuzzFuzzer, JsfuzzFuzzerClass } from './coverage-jsfuzz.js';

/** How much of the worker's output and of jsfuzz's own log is kept for error messages. */
const TAIL_CHARS = 4000;

export interface SessionSettings {
  /** Target path relative to the worker's cwd (jsfuzz resolves it against its cwd; absolute fails). */
  readonly target: string;
  /** Corpus directories: the first receives new inputs, the others are only read. */
  readonly dirs: readonly string[];
  /** Where jsfuzz would write a crash file (our writeCrash override writes none). */
  readonly artifactPath: string;
  readonly queueDir: string;
  readonly rssLimitMb: number;
  /** Seconds one input may take before jsfuzz kills the worker (queued as a hang). */
  readonly hangSeconds: number;
}

export interface SessionExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We asked it to stop. */
  readonly requested: boolean;
}

export class FuzzSession {
  readonly fuzzer: JsfuzzFuzzer;
  exit: SessionExit | null = null;
  /** The input jsfuzz reported as a crash or hang (copied), if any. */
  killedInput: Buffer | null = null;
  private stopping = false;
  private output = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(
    Fuzzer: JsfuzzFuzzerClass,
    private readonly settings: SessionSettings,
    private readonly log: { text: string },
  ) {
    const fuzzer = new Fuzzer(settings.target, [...settings.dirs], settings.artifactPath, settings.rssLimitMb, settings.hangSeconds, false, false, false);
    this.fuzzer = fuzzer;
    // Instance overrides: no status lines, and a killed input goes to our queue, not to a crash file.
    fuzzer.logStats = () => {};
    fuzzer.writeCrash = (buf: Buffer) => {
      this.killedInput = Buffer.from(buf);
    };
    const keep = (chunk: Buffer | string) => {
      this.output = (this.output + chunk.toString()).slice(-TAIL_CHARS);
    };
    fuzzer.worker.stdout?.on('data', keep);
    fuzzer.worker.stderr?.on('data', keep);
  }

  /** Starts fuzzing; the worker's exit is watched from here on. */
  start(): void {
    const { fuzzer, settings } = this;
    fuzzer.start();
    // Registered after jsfuzz's own exit handler, which has by then handed writeCrash the input
    // the worker was running if jsfuzz killed it (its time or memory limit): replay it as a hang.
    this.exited = new Promise((resolve) => {
      fuzzer.worker.once('exit', (code, signal) => {
        this.exit = { code, signal, requested: this.stopping };
        if (this.killedInput !== null && signal !== null && !this.stopping) {
          enqueueInput(settings.queueDir, this.killedInput, {
            signature: '',
            reason: 'hang',
            message: `jsfuzz killed its worker (${signal}) on this input: over ${settings.hangSeconds} s or ${settings.rssLimitMb} MB`,
          });
        }
        fuzzer.clearIntervals();
        resolve();
      });
    });
  }

  get executions(): number {
    return this.fuzzer.total_executions;
  }

  /** The last of the worker's output and of jsfuzz's log, for an error message. */
  diagnostics(): string {
    const parts = [this.output.trim(), this.log.text.trim()].filter((s) => s !== '');
    return parts.length === 0 ? '(no output)' : parts.join('\n');
  }

  /** Stops the worker (SIGINT, then SIGKILL after graceMs) and waits for it to exit. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exit === null) {
      this.stopping = true;
      this.fuzzer.worker.kill('SIGINT');
      const timer = setTimeout(() => this.fuzzer.worker.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.fuzzer.clearIntervals();
  }
}
