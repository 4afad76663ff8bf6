// `mmufuzz merge <dirs...> --out DIR`
import { mergeCampaignDirs } from '../../campaign/merge.js';
import { opsPerSecond } from '../../campaign/stats.js';
import { EXIT_CLEAN, EXIT_DIVERGENCE, UsageError } from '../exit-codes.js';
import { stringArg, stringListArg, type CommandSpec } from './command.js';

export const mergeCommand: CommandSpec = {
  command: 'merge <dirs..>',
  describe: 'Merge the findings and statistics of campaign directories (shards, nights) into --out; idempotent',
  options: ['json', 'out'],
  examples: [['$0 merge shard-*/ --out merged', 'one findings store for a sharded nightly campaign']],
  run: (args, io) => {
    const out = stringArg(args, 'out');
    if (out === undefined) throw new UsageError('merge: --out DIR is required');
    const dirs = stringListArg(args, 'dirs');
    let report;
    try {
      report = mergeCampaignDirs(dirs, out);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('merge: ')) throw new UsageError(e.message.slice('merge: '.length));
      throw e;
    }
    const t = report.totals;
    if (args.json === true) {
      io.stdout(JSON.stringify({ type: 'merge', ...report, opsPerSecond: opsPerSecond(t) }) + '\n');
    } else {
      io.stdout(
        `merged ${dirs.length} director${dirs.length === 1 ? 'y' : 'ies'} (${report.campaigns} campaign${report.campaigns === 1 ? '' : 's'}) into ${out}/\n` +
          `  scenarios:   ${t.scenarios} (${t.operations} ops, ${opsPerSecond(t)} ops/s per campaign-second)\n` +
          `  signatures:  ${report.signatures}\n` +
          `  accepted:    ${t.accepted}\n` +
          (report.stale.length > 0 ? `  stale:       ${report.stale.join(', ')} (matched nothing in any campaign)\n` : ''),
      );
    }
    return report.signatures > 0 ? EXIT_DIVERGENCE : EXIT_CLEAN;
  },
};
