// How the fuzz command shows a running campaign: a live line rewritten with '\r' on a terminal,
// a plain line every few seconds otherwise (logs and CI stay readable), or JSON lines (--json).
// Events (findings, minimizations, accepted divergences, worker restarts) get a line each.
import type { SignatureRecord, WorkerEventRecord } from '../campaign/campaign-file.js';
import type { RuntimeProgress, RuntimeReporter } from '../campaign/runtime.js';
import type { AcceptedFirst } from '../accept/tally.js';
import { firstSeen, minimizedText, renderProgress } from '../campaign/summary.js';
import { opsPerSecond } from '../campaign/stats.js';
import type { CliIo } from './io.js';

/** Campaign milliseconds between plain progress lines when stdout is not a terminal. */
export const PLAIN_PROGRESS_INTERVAL_MS = 5000;
/** Campaign milliseconds between JSON progress lines. */
export const JSON_PROGRESS_INTERVAL_MS = 1000;

export interface ProgressDisplay extends RuntimeReporter {
  /** Removes the live line (TTY) so the summary starts on a clean line. */
  finish(): void;
}

/** The `{"type": "progress", ...}` JSON line's object. */
export function progressJson(p: RuntimeProgress): object {
  return {
    type: 'progress',
    ...p,
    elapsedMs: Math.round(p.elapsedMs),
    opsPerSecond: opsPerSecond(p),
    sinceLastNewMs: p.lastNewMs === null ? null : Math.round(p.elapsedMs - p.lastNewMs),
  };
}

export function findingJson(f: SignatureRecord): object {
  return { type: 'finding', signature: f.signature, class: f.class, dir: f.dir, isNew: f.isNew, elapsedMs: f.firstSeenMs, ops: f.ops, provenance: f.provenance };
}

export function minimizedJson(f: SignatureRecord): object {
  return f.minimized !== null
    ? { type: 'minimized', signature: f.signature, dir: f.dir, ...f.minimized }
    : { type: 'minimized', signature: f.signature, dir: f.dir, failed: f.minimizeNote ?? 'not minimized' };
}

export function progressDisplay(io: CliIo, json = false): ProgressDisplay {
  let live = false;
  const interval = json ? JSON_PROGRESS_INTERVAL_MS : PLAIN_PROGRESS_INTERVAL_MS;
  let nextPlain = interval;
  const clearLive = (): void => {
    if (live) io.stdout('\r\x1b[K');
    live = false;
  };
  const line = (text: string, obj: object): void => {
    if (json) {
      io.stdout(JSON.stringify(obj) + '\n');
    } else {
      clearLive();
      io.stdout(text + '\n');
    }
  };
  return {
    onProgress(p: RuntimeProgress): void {
      if (io.isTTY && !json) {
        io.stdout(`\r\x1b[K${renderProgress(p)}`);
        live = true;
      } else if (p.elapsedMs >= nextPlain) {
        // Timed by the campaign's clock, so a test with a fake clock sees the same lines every run.
        nextPlain = (Math.floor(p.elapsedMs / interval) + 1) * interval;
        if (json) io.stdout(JSON.stringify(progressJson(p)) + '\n');
        else io.stdout(renderProgress(p) + '\n');
      }
    },
    onFinding(f: SignatureRecord): void {
      const where = f.isNew ? f.dir : `${f.dir} (already in the store)`;
      const what = f.class === 'hang' ? 'hang' : 'divergence';
      line(`${what} ${f.signature} at ${firstSeen(f)} -> ${where}`, findingJson(f));
    },
    onMinimized(f: SignatureRecord): void {
      const m = f.minimized;
      const by = m?.by === 'engine' ? ' (shrunk by the engine)' : '';
      const text = m !== null ? `minimized ${f.signature}: ${m.beforeOps} -> ${m.afterOps} ops${by} -> ${f.dir}/minimized.json` : `not minimized ${f.signature}: ${minimizedText(f)}`;
      line(text, minimizedJson(f));
    },
    onAccepted(a: { readonly id: string } & AcceptedFirst): void {
      const index = (a.provenance as { index?: number }).index;
      const at = index !== undefined ? `scenario ${index}` : `${(a.elapsedMs / 1000).toFixed(1)}s`;
      line(`accepted ${a.signature} at ${at} (ledger entry ${a.id})`, { type: 'accepted', ...a });
    },
    onWorkerEvent(e: WorkerEventRecord): void {
      line(`worker ${e.worker}: ${e.type}: ${e.detail}`, { type: 'worker', event: e.type, worker: e.worker, elapsedMs: Math.round(e.elapsedMs), detail: e.detail });
    },
    finish: clearLive,
  };
}
