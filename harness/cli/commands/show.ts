// `mmufuzz show <scenario>`
import { loadScenarioFile } from '../../scenario/parse.js';
import { renderScenario } from '../../scenario/print.js';
import { EXIT_CLEAN } from '../exit-codes.js';
import { stringArg, type CommandSpec } from './command.js';

export const showCommand: CommandSpec = {
  command: 'show <scenario>',
  describe: 'Print a scenario readably (config, one decoded line per op)',
  options: [],
  examples: [['$0 show findings/x/scenario.json', 'read a finding']],
  run: (args, io) => {
    io.stdout(renderScenario(loadScenarioFile(stringArg(args, 'scenario')!)) + '\n');
    return EXIT_CLEAN;
  },
};
