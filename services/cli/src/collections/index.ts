import type { Command } from 'commander';
import type { Io } from '../io';
import { intOption } from '../commands/numbers';
import { runPolicyPublish, runPolicySchema, runPolicyValidate } from './policy';
import { runCollectionsSimulate } from './simulate';
import { runCollectionsStatement, runCollectionsWorklist } from './statement';

export { runPolicyPublish, runPolicyValidate, readPolicyFile } from './policy';
export { runCollectionsSimulate, totals, comparisonLines, type ActionTotals } from './simulate';
export { runCollectionsStatement, runCollectionsWorklist } from './statement';

/** Registers `creditstream collections policy publish|validate|schema | simulate | statement | worklist`. */
export function registerCollections(program: Command, io: Io): void {
  const collections = program.command('collections').description('Collections: policies, process simulation, account statements, the worklist');
  const policy = collections.command('policy').description('Collection policy documents (letter sequences, interest codes, thresholds)');
  policy
    .command('publish')
    .description('Validate a policy file against the published JSON Schema and publish it to every partition of the policies topic')
    .argument('<file>', 'policy JSON file')
    .option('--by <name>', 'who publishes it', process.env.USER ?? 'creditstream')
    .action(async (file: string, o: { by: string }) => runPolicyPublish(file, o, io));
  policy
    .command('validate')
    .description('Validate a policy file without publishing it')
    .argument('<file>', 'policy JSON file')
    .action((file: string) => runPolicyValidate(file, io));
  policy
    .command('schema')
    .description('Print the published JSON Schema of policy documents')
    .action(() => runPolicySchema(io));
  collections
    .command('simulate')
    .description('Run the history through a candidate policy without side effects and compare with what was issued')
    .requiredOption('--policy <file>', 'candidate policy JSON file')
    .option('--from <date>', 'first business date compared')
    .option('--to <date>', 'last business date compared')
    .action(async (o: { policy: string; from?: string; to?: string }) => void (await runCollectionsSimulate(o, io)));
  collections
    .command('statement')
    .description('Write a customer\'s account statement as HTML and PDF')
    .argument('<customer>', 'customer id')
    .requiredOption('--as-of <date>', 'statement date YYYY-MM-DD')
    .option('--out-dir <dir>', 'where to write the files', '.')
    .action(async (customer: string, o: { asOf: string; outDir: string }) => void (await runCollectionsStatement(customer, o, io)));
  collections
    .command('worklist')
    .description('Customers ranked by expected late amount, then overdue amount, with the next action due')
    .option('--segment <segment>', 'one segment\'s pool')
    .option('--limit <n>', 'rows', intOption(1, 100_000), 20)
    .action(async (o: { segment?: string; limit: number }) => runCollectionsWorklist(o, io));
}
