import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { Infrastructure, ServiceRuntime, streamsSettings } from '@creditstream/service';
import { checkpointIndexes } from '@creditstream/streams';
import type { CreditServiceConfig } from './config';
import { COLLECTIONS, type CreditValue } from './documents';
import { createCreditMetrics } from './metrics';
import { GroupProcessor, type GroupInput, type GroupValue } from './groups/processor';
import { CreditProcessor, type CreditInput, type CreditTopics } from './processor';
import { CreditReader } from './reader';
import { compileRuleSet, DEFAULT_RULE_SET_DOCUMENT, readRuleSetFile } from './rules/rule-set';

export const SERVICE_NAME = 'credit-service';

/**
 * The input topics, co-partitioned by customer, in tie-break order: at equal business time a customer's master data,
 * invoices and payments come before an order (it is checked against them), an order before its fraud check, a
 * command (joining a credit group) before a credit group position (a newcomer's first one carries the time of its
 * joining), and the business-day tick last.
 */
export const CREDIT_INPUTS = [TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.customerOutlook, TOPIC.creditRules, TOPIC.orders, TOPIC.fraudChecks, TOPIC.creditCommands, TOPIC.creditGroupPositions, TOPIC.clock] as const;

/**
 * The input topics of the group tasks, co-partitioned by credit group id, in tie-break order: a group's limit, then
 * its members' exposures, then the group commands.
 */
export const GROUP_INPUTS = [TOPIC.creditGroups, TOPIC.creditGroupExposure, TOPIC.creditGroupCommands] as const;

/** The credit tasks' topics by role, with a prefix (tests, the what-if replay and the bench use it). */
export function creditTopics(prefix = ''): CreditTopics {
  const name = (t: string) => `${prefix}${t}`;
  return {
    customers: name(TOPIC.customers),
    orders: name(TOPIC.orders),
    clock: name(TOPIC.clock),
    fraudChecks: name(TOPIC.fraudChecks),
    outlooks: name(TOPIC.customerOutlook),
    commands: name(TOPIC.creditCommands),
    rules: name(TOPIC.creditRules),
    decisions: name(TOPIC.creditDecisions),
    groupExposure: name(TOPIC.creditGroupExposure),
    groupPositions: name(TOPIC.creditGroupPositions),
  };
}

export interface CreditServiceOptions {
  config: CreditServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

export type CreditService = ServiceRuntime & {
  readonly reader: () => CreditReader;
  readonly streams: () => ReturnType<Infrastructure['streams']>;
  /** The group tasks (their own consumer group `<group id>.groups` and checkpoints `credit_group_state`). */
  readonly groupStreams: () => ReturnType<Infrastructure['streams']>;
  readonly processors: ReadonlyMap<number, CreditProcessor>;
};

/** The credit service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createCreditService(options: CreditServiceOptions): CreditService {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetter = `creditstream.${SERVICE_NAME}.dlq.v1`;
  const settings = streamsSettings(config, 'CREDIT_SERVICE');
  const initialRuleSet = config.CREDIT_RULES_FILE === undefined ? compileRuleSet(DEFAULT_RULE_SET_DOCUMENT) : readRuleSetFile(config.CREDIT_RULES_FILE);
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const topics = [...new Set([...CREDIT_INPUTS, TOPIC.creditDecisions, ...GROUP_INPUTS, TOPIC.streamProgress])];
  const schemas: Record<string, object> = {};
  for (const t of topics) schemas[name(t)] = loadSchema(t);
  schemas[name(deadLetter)] = loadSchemaFile(DEAD_LETTER_SCHEMA);
  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics: [...topics, deadLetter].map((t) => ({ ...topicSpec(t), name: name(t) })),
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: [...checkpointIndexes(COLLECTIONS.state), ...checkpointIndexes(COLLECTIONS.groups)] },
  }));
  const processors = new Map<number, CreditProcessor>();
  const metrics = createCreditMetrics(runtime.metrics.registry, () => {
    const total = { rule: 0, forced: 0, fraud_review: 0 };
    for (const [p, processor] of processors) {
      if (streams.runner?.tasks().has(p) !== true) continue;
      for (const k of ['rule', 'forced', 'fraud_review'] as const) total[k] += processor.holdCounts[k];
    }
    return total;
  });
  const streams = runtime.add(infra.streams<CreditInput, CreditValue>({
    collection: COLLECTIONS.state,
    groupId: settings.groupId,
    topics: CREDIT_INPUTS.map(name),
    deadLetterTopic: name(deadLetter),
    sessionTimeoutMs: settings.sessionTimeoutMs,
    task: settings.task,
    // A tick waits for the fraud service's progress (none without fraud checks): the fraud-check waits that end on it
    // end as in a replay. From the day after a tick on, records wait for the collections service's run of that day: an
    // account a collection letter blocked (from the end of the letter's day) is then seen live as in a replay.
    progress: { topic: name(TOPIC.streamProgress), clockTopic: name(TOPIC.clock), announces: [name(TOPIC.creditDecisions)], awaits: config.CREDIT_FRAUD_CHECKS === 'off' ? settings.awaits.filter((s) => s !== 'fraud-service') : settings.awaits, awaitsDailyRun: settings.awaitsDailyRun, maxWaitMs: settings.progressMaxWaitMs },
    processor: (partition) => {
      const processor = new CreditProcessor({
        partition,
        topics: creditTopics(prefix),
        initialRuleSet,
        fraud: { mode: config.CREDIT_FRAUD_CHECKS, marginMs: config.CREDIT_FRAUD_WAIT_MS, maxDays: config.CREDIT_FRAUD_WAIT_MAX_DAYS },
        approvalThresholdMinor: config.CREDIT_LIMIT_APPROVAL_THRESHOLD_MINOR,
        metrics,
      });
      processors.set(partition, processor);
      return processor;
    },
  }));
  // Credit groups span partitions: a second set of tasks over the topics keyed by group id, with its own consumer
  // group and checkpoints, fed by the customer tasks (the exposure repartition) and feeding them back (positions).
  const groupStreams = runtime.add(infra.streams<GroupInput, GroupValue>({
    collection: COLLECTIONS.groups,
    groupId: `${settings.groupId}.groups`,
    topics: GROUP_INPUTS.map(name),
    deadLetterTopic: name(deadLetter),
    sessionTimeoutMs: settings.sessionTimeoutMs,
    task: settings.task,
    processor: (partition) => new GroupProcessor({
      partition,
      topics: { groups: name(TOPIC.creditGroups), exposure: name(TOPIC.creditGroupExposure), commands: name(TOPIC.creditGroupCommands), positions: name(TOPIC.creditGroupPositions) },
      approvalThresholdMinor: config.CREDIT_LIMIT_APPROVAL_THRESHOLD_MINOR,
      metrics,
    }),
  }));
  return Object.assign(runtime, {
    reader: () => new CreditReader(infra.store),
    streams: () => streams,
    groupStreams: () => groupStreams,
    processors,
  });
}
