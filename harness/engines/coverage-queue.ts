// The findings queue between the jsfuzz worker and the engine: the fuzz target writes each
// diverging input as its own file, named by content hash, through a temporary name and a rename,
// so the engine never reads half a file; the engine takes files out as it replays them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One queued input: the bytes as hex, what the target saw, and why it was queued. */
export interface QueuedInput {
  readonly input: string;
  /** The divergence signature the target observed (empty for hangs and target errors). */
  readonly signature: string;
  /** divergence: the oracle reported one; hang: jsfuzz killed the worker on it; error: the target failed. */
  readonly reason: 'divergence' | 'hang' | 'error';
  readonly message?: string;
}

const SUFFIX = '.input.json';

/** The queue file name of an input: the first 32 hex digits of sha256(bytes). */
export function queueFileName(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32) + SUFFIX;
}

/** Adds `entry` to the queue in `dir` (idempotent: the same bytes land in the same file). */
export function enqueueInput(dir: string, bytes: Uint8Array, entry: Omit<QueuedInput, 'input'>): void {
  const name = queueFileName(bytes);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  const body: QueuedInput = { input: Buffer.from(bytes).toString('hex'), ...entry };
  writeFileSync(tmp, JSON.stringify(body) + '\n');
  renameSync(tmp, join(dir, name));
}

/**
 * Takes every complete entry out of the queue, oldest name order (sorted, for determinism of the
 * replay order within one poll). A file that does not parse (none should) is dropped.
 */
export function drainQueue(dir: string): QueuedInput[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(SUFFIX) && !n.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out: QueuedInput[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as QueuedInput;
      if (typeof parsed.input === 'string' && /^[0-9a-f]*$/.test(parsed.input)) out.push(parsed);
    } catch {
      // Unreadable: nothing to replay.
    }
    rmSync(path, { force: true });
  }
  return out;
}
