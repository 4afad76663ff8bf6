// `mmufuzz fuzz`
import { fuzz, type FuzzOptions } from '../fuzz.js';
import { numberArg, stringArg, type CommandSpec } from './command.js';

export const fuzzCommand: CommandSpec = {
  command: 'fuzz',
  describe: 'Run a seeded random campaign; store each new divergence in --findings',
  options: ['seed', 'time', 'scenarios', 'backends', 'mutant', 'findings', 'min-ops', 'max-ops'],
  examples: [
    ['$0 fuzz --time 60', 'one minute, fresh seed'],
    ['$0 fuzz --seed 42 --scenarios 1000', 'a reproducible campaign'],
  ],
  run: async (args, io, env) => {
    const opts: FuzzOptions = { backends: stringArg(args, 'backends')!, findings: stringArg(args, 'findings')! };
    const seed = stringArg(args, 'seed');
    const mutant = stringArg(args, 'mutant');
    const time = numberArg(args, 'time');
    const scenarios = numberArg(args, 'scenarios');
    const minOps = numberArg(args, 'min-ops', 'minOps');
    const maxOps = numberArg(args, 'max-ops', 'maxOps');
    const fuzzEnv = env.fuzzEnv();
    try {
      return await fuzz(
        {
          ...opts,
          ...(seed !== undefined ? { seed } : {}),
          ...(mutant !== undefined ? { mutant } : {}),
          ...(time !== undefined ? { time } : {}),
          ...(scenarios !== undefined ? { scenarios } : {}),
          ...(minOps !== undefined ? { minOps } : {}),
          ...(maxOps !== undefined ? { maxOps } : {}),
        },
        io,
        fuzzEnv,
      );
    } finally {
      fuzzEnv.dispose?.();
    }
  },
};
