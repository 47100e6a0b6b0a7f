import type { Command } from 'commander';
import type { Io } from '../io';
import { runFraudReplay } from './replay';
import { runFraudRulesPublish, runFraudRulesValidate } from './rules';

export { runFraudReplay, type FraudReplayOptions, type FraudReplaySummary } from './replay';
export { readFraudRuleSet, runFraudRulesPublish, runFraudRulesValidate, type FraudRulesPublishOptions } from './rules';

/** `creditstream fraud ...`: the fraud rule set (validate, publish) and the what-if replay. */
export function registerFraud(program: Command, io: Io): void {
  const fraud = program.command('fraud').description('Fraud checks: rule sets (validate, publish) and the what-if replay of a candidate rule set');
  const rules = fraud.command('rules').description('Fraud rule sets (YAML or JSON, against services/fraud-service/schema/fraud-rule-set.schema.json)');
  rules
    .command('validate <file>')
    .description('Validate a rule set; errors name the path in the document')
    .action((file: string) => {
      runFraudRulesValidate(file, io);
    });
  rules
    .command('publish <file>')
    .description('Validate a rule set and publish it to every partition of the compacted fraud rules topic (the fraud service checks orders with it from its business time)')
    .option('--by <name>', 'who publishes it', process.env.USER ?? 'unknown')
    .option('--effective <timestamp>', 'business time from which it checks orders (ISO timestamp; default: the day after the latest clock tick)')
    .action(async (file: string, opts: { by: string; effective?: string }) => {
      await runFraudRulesPublish(file, opts, io);
    });
  fraud
    .command('replay')
    .description('Replay the retained history through a candidate rule set without side effects: per signal, the orders whose outcome would change against the rule sets as published; the changed orders as CSV')
    .requiredOption('--rules <file>', 'the candidate rule set')
    .option('--from <date>', 'compare orders placed on or after this date')
    .option('--to <date>', 'compare orders placed on or before this date')
    .option('--truth <file>', 'the simulator\'s ground truth (NDJSON): also report recall, precision, review rate and PR AUC of both')
    .option('--out <dir>', 'folder of the CSV report', '.cache/fraud-what-if')
    .action(async (opts: { rules: string; from?: string; to?: string; out: string; truth?: string }) => {
      await runFraudReplay(opts, io);
    });
}
