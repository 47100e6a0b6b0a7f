import { readFileSync } from 'node:fs';
import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { Infrastructure, ServiceRuntime, streamsSettings } from '@creditstream/service';
import { checkpointIndexes } from '@creditstream/streams';
import type { FraudServiceConfig } from './config';
import { COLLECTIONS, type FraudValue } from './documents';
import { createFraudMetrics } from './metrics';
import { FraudProcessor, type FraudInputEvent, type FraudTopics } from './processor';
import { FraudReader } from './reader';
import { BUILTIN_RULES, parseRuleSet } from './rules/parse';
import { initialRuleSet } from './rules/rule-book';
import type { PublishedRuleSet } from './rules/rule-set';

export const SERVICE_NAME = 'fraud-service';

/**
 * The partition tasks' input topics, in tie-break order: at equal business time a rule set comes before the orders
 * it checks, a customer's registration before its orders, the tick last.
 */
export const FRAUD_INPUTS = [TOPIC.fraudRules, TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.orders, TOPIC.clock] as const;

/** Indexes of the fraud service's collections. */
export const FRAUD_INDEXES = checkpointIndexes(COLLECTIONS.state);

export interface FraudServiceOptions {
  config: FraudServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

export type FraudService = ServiceRuntime & { readonly reader: () => FraudReader; readonly initialRules: PublishedRuleSet; readonly streams: () => ReturnType<Infrastructure['streams']> };

/** The rule set in force before any is published: the configured file, else the built-in one. */
export function initialRules(file: string | undefined): PublishedRuleSet {
  return initialRuleSet(file === undefined ? BUILTIN_RULES : parseRuleSet(readFileSync(file, 'utf8'), file));
}

/** The fraud service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createFraudService(options: FraudServiceOptions): FraudService {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetter = `creditstream.${SERVICE_NAME}.dlq.v1`;
  const settings = streamsSettings(config, 'FRAUD_SERVICE');
  const initial = initialRules(config.FRAUD_DEFAULT_RULES);
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const schemas: Record<string, object> = {};
  for (const t of [...FRAUD_INPUTS, TOPIC.fraudChecks, TOPIC.streamProgress]) schemas[name(t)] = loadSchema(t);
  schemas[name(deadLetter)] = loadSchemaFile(DEAD_LETTER_SCHEMA);
  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics: [...FRAUD_INPUTS, TOPIC.fraudChecks, TOPIC.streamProgress, deadLetter].map((t) => ({ ...topicSpec(t), name: name(t) })),
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: FRAUD_INDEXES },
  }));
  const metrics = createFraudMetrics(runtime.metrics.registry);
  metrics.ruleSets.set({ version: initial.version }, 0);
  const topics: FraudTopics = { rules: name(TOPIC.fraudRules), customers: name(TOPIC.customers), invoices: name(TOPIC.invoices), payments: name(TOPIC.payments), orders: name(TOPIC.orders), clock: name(TOPIC.clock), checks: name(TOPIC.fraudChecks) };
  const streams = runtime.add(infra.streams<FraudInputEvent, FraudValue>({
    collection: COLLECTIONS.state,
    groupId: settings.groupId,
    topics: FRAUD_INPUTS.map(name),
    deadLetterTopic: name(deadLetter),
    sessionTimeoutMs: settings.sessionTimeoutMs,
    task: settings.task,
    // From the day after a tick on, records wait for the collections service's run of that day: an account a collection
    // letter blocked (from the end of the letter's day) is then seen live as in a replay.
    progress: { topic: name(TOPIC.streamProgress), clockTopic: name(TOPIC.clock), announces: [name(TOPIC.fraudChecks)], awaits: settings.awaits, awaitsDailyRun: settings.awaitsDailyRun, maxWaitMs: settings.progressMaxWaitMs },
    processor: (partition) => new FraudProcessor({ partition, topics, initial, metrics }),
  }));
  runtime.logger.info({ version: initial.version, sha256: initial.sha256, file: config.FRAUD_DEFAULT_RULES ?? null }, 'initial fraud rule set');
  return Object.assign(runtime, {
    reader: () => new FraudReader(infra.store),
    initialRules: initial,
    streams: () => streams,
  });
}
