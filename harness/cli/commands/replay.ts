// `mmufuzz replay <file|dir>...`
import { replay } from '../replay.js';
import { stringArg, stringListArg, type CommandSpec } from './command.js';

export const replayCommand: CommandSpec = {
  command: 'replay <paths..>',
  describe: 'Run scenario files (directories: every *.json under them) on the backends and report the first divergence',
  options: ['backends', 'mutant', 'json'],
  examples: [
    ['$0 replay corpus/', 'replay the whole corpus on all three backends'],
    ['$0 replay findings/x/scenario.json --mutant wp-toggle-no-walker-reinit', 'replay a finding against a mutant'],
  ],
  run: (args, io) => {
    const mutant = stringArg(args, 'mutant');
    return replay(
      {
        paths: stringListArg(args, 'paths'),
        backends: stringArg(args, 'backends')!,
        ...(mutant !== undefined ? { mutant } : {}),
        json: args.json === true,
      },
      io,
    );
  },
};
