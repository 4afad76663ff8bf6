// The report pipeline: load campaign directories and a baseline, build the Report, write it as
// report.md, report.json, junit.xml and report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from './build.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { loadBaselineSignatures, loadCampaignDir } from './load.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';

export { ReportInputError } from './json-node.js';
export type { Report, ReportFinding } from './model.js';

export interface ReportOptions {
  /** Campaign findings directories (each the --findings DIR of a campaign, or merged). */
  readonly dirs: readonly string[];
  /** Directory whose signatures are known; absent: every finding is new. */
  readonly baseline?: string;
  readonly version: string;
}

/** The file names written into the output directory. */
export const REPORT_FILES = ['report.md', 'report.json', 'junit.xml', 'report.html'] as const;

/** Loads and builds; throws ReportInputError for a bad directory or file. */
export function makeReport(opts: ReportOptions): Report {
  if (opts.dirs.length === 0) throw new RangeError('makeReport: no campaign directories given');
  const campaigns = opts.dirs.map((d) => loadCampaignDir(d));
  const baseline = opts.baseline === undefined ? null : { dir: opts.baseline, signatures: loadBaselineSignatures(opts.baseline) };
  return buildReport(campaigns, { baseline, version: opts.version });
}

/** The four renderings, by file name. */
export function renderReport(report: Report): Record<(typeof REPORT_FILES)[number], string> {
  return {
    'report.md': renderMarkdown(report),
    'report.json': JSON.stringify(report, null, 2) + '\n',
    'junit.xml': renderJunit(report),
    'report.html': renderHtml(report),
  };
}

/** Writes the four files into outDir (created if needed); returns their paths. */
export function writeReport(report: Report, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const files = renderReport(report);
  return REPORT_FILES.map((name) => {
    const path = join(outDir, name);
    writeFileSync(path, files[name]);
    return path;
  });
}
