// Atomic file writes for the findings store: a reader (or a killed campaign) sees either the old
// file or the complete new one, never a torn write.
import { renameSync, writeFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Temporary files carry this prefix, so a directory listing can tell them apart. */
export const TEMP_PREFIX = '.tmp-';

/** Writes text to path through a temporary file in the same directory, then renames it over path. */
export function writeFileAtomic(path: string, text: string): void {
  // Same directory: rename(2) is atomic only within one filesystem.
  const tmp = join(dirname(path), `${TEMP_PREFIX}${process.pid}-${counter++}-${basename(path)}`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // The temporary file may never have been created; the original error is what matters.
    }
    throw e;
  }
}
