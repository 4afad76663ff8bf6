// How the fuzz command shows a running campaign: a live line rewritten with '\r' on a terminal,
// a plain line every few seconds otherwise (logs and CI stay readable).
import type { CampaignProgress, CampaignReporter, SignatureSummary } from '../campaign/campaign.js';
import { renderProgress } from '../campaign/summary.js';
import type { CliIo } from './io.js';

/** Seconds between plain progress lines when stdout is not a terminal. */
export const PLAIN_PROGRESS_INTERVAL_MS = 5000;

export interface ProgressDisplay extends CampaignReporter {
  /** Removes the live line (TTY) so the summary starts on a clean line. */
  finish(): void;
}

export function progressDisplay(io: CliIo): ProgressDisplay {
  let live = false;
  let nextPlain = PLAIN_PROGRESS_INTERVAL_MS;
  const clearLive = (): void => {
    if (live) io.stdout('\r\x1b[K');
    live = false;
  };
  return {
    onProgress(p: CampaignProgress): void {
      if (io.isTTY) {
        io.stdout(`\r\x1b[K${renderProgress(p)}`);
        live = true;
      } else if (p.elapsedMs >= nextPlain) {
        // Timed by the campaign's clock, so a test with a fake clock sees the same lines every run.
        nextPlain = (Math.floor(p.elapsedMs / PLAIN_PROGRESS_INTERVAL_MS) + 1) * PLAIN_PROGRESS_INTERVAL_MS;
        io.stdout(renderProgress(p) + '\n');
      }
    },
    onFinding(f: SignatureSummary): void {
      clearLive();
      const where = f.isNew ? f.dir : `${f.dir} (already in the store)`;
      io.stdout(`divergence ${f.signature} at scenario ${f.firstIndex} -> ${where}\n`);
    },
    finish: clearLive,
  };
}
