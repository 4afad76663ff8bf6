// `mmufuzz mutants`
import { listMutants } from '../../../mmus/registry.js';
import { EXIT_CLEAN } from '../exit-codes.js';
import type { CommandSpec } from './command.js';

export const mutantsCommand: CommandSpec = {
  command: 'mutants',
  describe: 'List the planted-bug variants of refactored (for --mutant)',
  options: [],
  examples: [],
  run: (_args, io) => {
    const mutants = listMutants();
    const width = Math.max(0, ...mutants.map((m) => m.name.length));
    for (const m of mutants) io.stdout(`${m.name.padEnd(width)}  ${m.description}\n`);
    return EXIT_CLEAN;
  },
};
