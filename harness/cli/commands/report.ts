// `mmufuzz report <dirs...> [--baseline DIR] [--out DIR]`
import { makeReport, ReportInputError, writeReport } from '../../report/report.js';
import { EXIT_CLEAN, EXIT_DIVERGENCE, EXIT_USAGE } from '../exit-codes.js';
import { mmufuzzVersion } from '../version.js';
import { stringArg, stringListArg, type CommandSpec } from './command.js';

export const DEFAULT_REPORT_DIR = 'report';

export const reportCommand: CommandSpec = {
  command: 'report <dirs..>',
  describe: 'Write report.md, report.json, junit.xml and report.html for campaign directories; exit 1 on a new finding',
  options: ['baseline', 'out'],
  examples: [
    ['$0 report findings', 'report on one campaign (every finding is new)'],
    ['$0 report nightly-out/2026-05-02/merged --baseline nightly-out/2026-05-01 --out nightly-out/2026-05-02', 'tonight against last night'],
  ],
  run: (args, io) => {
    const dirs = stringListArg(args, 'dirs');
    const baseline = stringArg(args, 'baseline');
    const out = stringArg(args, 'out') ?? DEFAULT_REPORT_DIR;
    let report;
    try {
      report = makeReport({ dirs, ...(baseline !== undefined && baseline !== '' ? { baseline } : {}), version: mmufuzzVersion() });
    } catch (e) {
      if (e instanceof ReportInputError) {
        io.stderr(`mmufuzz: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
    const files = writeReport(report, out);
    const h = report.headline;
    io.stdout(`${h.new === 0 ? 'no new findings' : `${h.new} NEW finding${h.new === 1 ? '' : 's'}`}: ${h.total} signature${h.total === 1 ? '' : 's'} (${h.new} new, ${h.known} known, ${h.accepted} accepted)\n`);
    for (const f of report.findings) if (f.status === 'new') io.stdout(`  new: ${f.signature}  (${f.hits} hits, ${f.engines.join(',')}, repro ${f.repro.ops} op${f.repro.ops === 1 ? '' : 's'}) ${f.dirs[0]}\n`);
    const s = report.statistics;
    io.stdout(`${s.scenarios} scenarios, ${s.operations} ops, ${s.opsPerSecond} ops/s\n`);
    io.stdout(`wrote ${files.join(', ')}\n`);
    return h.new > 0 ? EXIT_DIVERGENCE : EXIT_CLEAN;
  },
};
