// `mmufuzz replay <file|dir>...`
import { replay } from '../replay.js';
import { stringArg, stringListArg, type CommandSpec } from './command.js';

export const replayCommand: CommandSpec = {
  command: 'replay <paths..>',
  describe: 'Replay scenario files or directories; report the first divergence',
  options: ['backends', 'mutant', 'json'],
  examples: [
    ['$0 replay corpus/', 'the whole corpus, three backends'],
    ['$0 replay findings/x/scenario.json', 'replay a finding'],
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
