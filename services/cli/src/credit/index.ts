import type { Command } from 'commander';
import type { Io } from '../io';
import { runCreditReplay } from './replay';
import { runCreditRulesPublish, runCreditRulesValidate } from './rules';

export { runCreditReplay, type CreditReplayOptions, type CreditReplaySummary } from './replay';
export { runCreditRulesPublish, runCreditRulesValidate, type CreditRulesPublishOptions } from './rules';

/** `creditstream credit ...`: the credit rule set (validate, publish) and the what-if replay. */
export function registerCredit(program: Command, io: Io): void {
  const credit = program.command('credit').description('Credit: rule sets (validate, publish) and the what-if replay of a candidate rule set');
  const rules = credit.command('rules').description('Credit rule sets (YAML or JSON, against services/credit-service/schema/credit-rule-set.schema.json)');
  rules
    .command('validate <file>')
    .description('Validate a rule set; errors name the path in the document')
    .action((file: string) => {
      runCreditRulesValidate(file, io);
    });
  rules
    .command('publish <file>')
    .description('Validate a rule set and publish it to every partition of the compacted rules topic (the credit service applies it from its business time)')
    .option('--by <name>', 'who publishes it', process.env.USER ?? 'unknown')
    .option('--effective <timestamp>', 'business time from which it applies (ISO timestamp; default now)')
    .action(async (file: string, opts: { by: string; effective?: string }) => {
      await runCreditRulesPublish(file, opts, io);
    });
  credit
    .command('replay')
    .description('Replay the retained history through a candidate rule set without side effects; compare with the decisions made (per rule, held value, hold time) and write the order-level differences as CSV and HTML')
    .requiredOption('--rules <file>', 'the candidate rule set')
    .option('--from <date>', 'compare orders decided on or after this date')
    .option('--to <date>', 'compare orders decided on or before this date')
    .option('--out <dir>', 'folder of the CSV and HTML reports', '.cache/credit-what-if')
    .option('--no-publish', 'do not publish the report to the what-if topic (where the insights API reads it)')
    .option('--by <name>', 'who runs it (named by the published report)', process.env.USER ?? 'unknown')
    .action(async (opts: { rules: string; from?: string; to?: string; out: string; publish: boolean; by: string }) => {
      await runCreditReplay(opts, io);
    });
}
