// `mmufuzz fuzz`
import { fuzz, type FuzzOptions } from '../fuzz.js';
import { numberArg, stringArg, type CommandSpec, type ParsedArgs } from './command.js';

export const fuzzCommand: CommandSpec = {
  command: 'fuzz',
  describe: 'Run a campaign (engines, parallel workers); store and minimize each new divergence in --findings',
  options: [
    'seed', 'time', 'scenarios', 'backends', 'mutant', 'findings', 'min-ops', 'max-ops', 'json', 'engine', 'workers',
    'shard', 'resume', 'accept', 'minimize', 'minimize-time', 'host', 'kvm-deviations', 'corpus', 'replay-path',
    'scenario-timeout',
  ],
  examples: [
    ['$0 fuzz --time 60', 'one minute, fresh seed, one worker per core'],
    ['$0 fuzz --seed 42 --scenarios 1000 --workers 2', 'a reproducible campaign'],
    ['$0 fuzz --seed nightly --time 3600 --shard 3/8', 'machine 3 of 8 of a sharded campaign'],
    ['$0 fuzz --resume findings', 'continue an interrupted campaign'],
    ['$0 fuzz --host none --kvm-deviations --time 300', 'shadow paging, known KVM deviations included'],
  ],
  run: async (args, io, env) => {
    const fuzzEnv = env.fuzzEnv();
    try {
      return await fuzz(fuzzOptionsFromArgs(args), io, fuzzEnv);
    } finally {
      fuzzEnv.dispose?.();
    }
  },
};

/** Parsed arguments -> FuzzOptions (absent options stay absent, so defaults live in one place). */
export function fuzzOptionsFromArgs(args: ParsedArgs): FuzzOptions {
  const opts: Record<string, unknown> = { backends: stringArg(args, 'backends')!, findings: stringArg(args, 'findings')! };
  const put = (key: keyof FuzzOptions, value: unknown): void => {
    if (value !== undefined) opts[key] = value;
  };
  put('seed', stringArg(args, 'seed'));
  put('mutant', stringArg(args, 'mutant'));
  put('time', numberArg(args, 'time'));
  put('scenarios', numberArg(args, 'scenarios'));
  put('minOps', numberArg(args, 'min-ops', 'minOps'));
  put('maxOps', numberArg(args, 'max-ops', 'maxOps'));
  put('engine', stringArg(args, 'engine'));
  put('workers', numberArg(args, 'workers'));
  put('shard', stringArg(args, 'shard'));
  put('resume', stringArg(args, 'resume'));
  put('accept', stringArg(args, 'accept'));
  put('minimizeTime', numberArg(args, 'minimize-time', 'minimizeTime'));
  put('scenarioTimeout', numberArg(args, 'scenario-timeout', 'scenarioTimeout'));
  put('host', stringArg(args, 'host'));
  put('corpus', stringArg(args, 'corpus'));
  put('replayPath', stringArg(args, 'replay-path'));
  if (args.minimize === false) opts.minimize = false;
  if (args.json === true) opts.json = true;
  if (args['kvm-deviations'] === true || args.kvmDeviations === true) opts.kvmDeviations = true;
  return opts as unknown as FuzzOptions;
}
