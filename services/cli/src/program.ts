import { Command } from 'commander';
import { registerApi } from './api/token';
import { registerCollections } from './collections';
import { registerFeatures } from './commands/features';
import { registerCredit } from './credit';
import { registerFraud } from './fraud';
import { registerImport } from './commands/import';
import { registerModel } from './commands/model';
import { registerSimulate } from './commands/simulate';
import { type Io, processIo } from './io';

/** The `creditstream` command line: one subcommand per file in `commands/`. */
export function createProgram(io: Io = processIo): Command {
  const program = new Command('creditstream')
    .description('creditstream: real-time payment predictions, credit and collections on Kafka')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  registerSimulate(program, io);
  registerImport(program, io);
  registerFeatures(program, io);
  registerModel(program, io);
  registerCredit(program, io);
  registerFraud(program, io);
  registerCollections(program, io);
  registerApi(program, io);
  return program;
}
