// Where the CLI writes: injected, so tests run commands in-process and read what they print.

export interface CliIo {
  /** Raw chunks: callers include their own newlines ('\r' rewrites a progress line on a TTY). */
  stdout(s: string): void;
  stderr(s: string): void;
  /** Whether stdout is a terminal (live progress line) or a pipe/file (periodic plain lines). */
  isTTY: boolean;
}

/** A CliIo that collects output in memory, for tests and embedding. */
export function memoryIo(isTTY = false): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTTY,
    stdout(s: string) {
      io.out += s;
    },
    stderr(s: string) {
      io.err += s;
    },
  };
  return io;
}
