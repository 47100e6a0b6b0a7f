import * as fs from 'node:fs';
import * as path from 'node:path';
import { env, loadConfig } from '@creditstream/config';
import { SchemaFileError, UnknownTopicError } from './errors';

/** Everything needed to create, document and use one topic. `ensureTopics` reads name, partitions, configEntries. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Topic-level Kafka configuration (cleanup policy, retention). */
  readonly configEntries: readonly { readonly name: string; readonly value: string }[];
  /** File name of the value schema in this package's `avro/` folder. */
  readonly schema: string;
  /** Every message is keyed by customer id (`"*"` for the clock, which is written to every partition explicitly). */
  readonly key: 'customerId';
  /** Who writes the topic. */
  readonly producer: string;
  readonly description: string;
}

/** Partition count of every customer-keyed topic in local development. */
export const DEFAULT_PARTITIONS = 6;

/** The names of creditstream's topics, pattern `creditstream.<domain>.<name>.v<N>`. */
export const TOPIC = {
  customers: 'creditstream.customers.events.v1',
  invoices: 'creditstream.invoices.events.v1',
  payments: 'creditstream.payments.events.v1',
  orders: 'creditstream.orders.events.v1',
  clock: 'creditstream.clock.ticks.v1',
  featuresChanged: 'creditstream.features.customer-changed.v1',
  invoicePredictions: 'creditstream.predictions.invoice.v1',
  customerOutlook: 'creditstream.predictions.customer-outlook.v1',
  creditDecisions: 'creditstream.credit.decisions.v1',
  creditCommands: 'creditstream.credit.commands.v1',
  creditRules: 'creditstream.credit.rules.v1',
  creditGroupCommands: 'creditstream.credit.group-commands.v1',
  creditGroups: 'creditstream.credit.groups.v1',
  creditGroupExposure: 'creditstream.credit.group-exposure.v1',
  creditGroupPositions: 'creditstream.credit.group-positions.v1',
  creditWhatIf: 'creditstream.credit.what-if.v1',
  fraudChecks: 'creditstream.fraud.checks.v1',
  fraudRules: 'creditstream.fraud.rules.v1',
  collectionActions: 'creditstream.collections.actions.v1',
  collectionCommands: 'creditstream.collections.commands.v1',
  collectionPolicies: 'creditstream.collections.policies.v1',
  modelsPublished: 'creditstream.models.published.v1',
  streamProgress: 'creditstream.streams.progress.v1',
} as const;

/** Services that consume and therefore have a dead-letter topic `creditstream.<service>.dlq.v1`. */
export const DEAD_LETTER_SERVICES = ['feature-service', 'scoring-service', 'credit-service', 'fraud-service', 'collections-service', 'insights-api'] as const;

/** The input topics the simulator, the importer and order/ERP systems write. */
export const INPUT_TOPICS = [TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.orders, TOPIC.clock] as const;

/** The one schema file every dead-letter topic shares. */
export const DEAD_LETTER_SCHEMA = 'creditstream.dead-letter.v1.avsc';

const DAY_MS = 86_400_000;
/** Inputs are the system of record: replaying them must reproduce every output, so they are never deleted. */
const KEEP_FOREVER = [
  { name: 'cleanup.policy', value: 'delete' },
  { name: 'retention.ms', value: '-1' },
];
/** Latest value per key, kept forever: versioned configuration documents (rule sets) that every consumer reads whole. */
const COMPACTED = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'retention.ms', value: '-1' },
];
/** Derived streams can be rebuilt by replaying the inputs, so they are kept for a bounded time. */
function keepDays(days: number) {
  return [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: String(days * DAY_MS) },
  ];
}

/**
 * Builds the topic table for a partition count. Every customer-keyed topic gets `partitions`, including the clock,
 * which must match the input topics so that each consumer instance owns the tick of its partitions.
 */
export function buildTopics(partitions: number): readonly TopicSpec[] {
  const p = partitions;
  const spec = (name: string, producer: string, description: string, configEntries: TopicSpec['configEntries'], parts = p): TopicSpec => ({
    name,
    partitions: parts,
    configEntries,
    schema: `${name}.avsc`,
    key: 'customerId',
    producer,
    description,
  });
  return [
    spec(TOPIC.customers, 'ERP / order systems, simulator, importer; credit-service (rule-driven account blocks)', 'Customer master data: registration, credit limits, payment terms, account status.', KEEP_FOREVER),
    spec(TOPIC.invoices, 'ERP (accounts receivable), simulator, importer', 'Invoice lifecycle: issued, credit notes, disputes and their resolution, write-offs.', KEEP_FOREVER),
    spec(TOPIC.payments, 'ERP (cash application), simulator, importer', 'Payments with their applications to invoices, and returned (NSF) payments.', KEEP_FOREVER),
    spec(TOPIC.orders, 'order systems, simulator', 'Sales orders: placed, cancelled, shipped. Every order placed gets one credit decision and one fraud check.', KEEP_FOREVER),
    spec(TOPIC.clock, 'scheduler (production), simulator and importer (replay)', 'Business-day ticks: one tick per business day written to every partition (customerId "*").', KEEP_FOREVER),
    spec(TOPIC.featuresChanged, 'feature-service', 'A customer\'s payment aggregates changed; the scoring service re-predicts the listed open invoices.', keepDays(7)),
    spec(TOPIC.invoicePredictions, 'scoring-service', 'Payment-bucket probabilities of open invoices, with top factors and model version.', keepDays(30)),
    spec(TOPIC.customerOutlook, 'scoring-service', 'Probability-weighted open balance per customer and bucket.', keepDays(30)),
    spec(TOPIC.creditDecisions, 'credit-service', 'One credit decision per order (approved / held with the rules that fired), hold releases and rejections.', KEEP_FOREVER),
    spec(TOPIC.creditCommands, 'insights-api, creditstream CLI, people and other systems', 'Commands to the credit service: release, reject or force a hold, adjust a credit limit (four eyes above a threshold), block, close or reactivate an account. Each carries a command id (carried out once) and its actor.', KEEP_FOREVER),
    // Compacted: a partition keeps the latest rule set; every credit-service task applies it in its stream order.
    spec(TOPIC.creditRules, 'creditstream credit rules publish', 'Credit rule sets (blocking and exclusion rules, checkpoints), one copy per partition (customerId "*"), compacted.', COMPACTED),
    // Credit groups: keyed by the credit group id (the envelope's customerId is the group id on these topics).
    spec(TOPIC.creditGroupCommands, 'insights-api, creditstream CLI, people and other systems', 'Commands about a credit group\'s shared limit: set or adjust it (four eyes above a threshold), approve. Keyed by credit group id; consumed by the credit service\'s group tasks.', KEEP_FOREVER),
    spec(TOPIC.creditGroups, 'ERP (group limits as master data); credit-service group tasks (approved adjustments, requests, refusals)', 'Credit groups, keyed by credit group id: the limit the members share, adjustments waiting for a second person, refused group commands.', KEEP_FOREVER),
    // Internal to the credit service (a repartition, after Kafka Streams): the group tasks' state is rebuilt from it, so it is kept.
    spec(TOPIC.creditGroupExposure, 'credit-service (customer tasks)', 'Internal: each credit group member\'s exposure, re-keyed by credit group id for the group tasks.', KEEP_FOREVER),
    spec(TOPIC.creditGroupPositions, 'credit-service (group tasks)', 'Internal: a credit group\'s limit and the other members\' exposure, sent to each member, keyed by customer id; the what-if replay reads it.', KEEP_FOREVER),
    // One partition: few reports, read whole by the insights API.
    spec(TOPIC.creditWhatIf, 'creditstream credit replay', 'Reports of what-if replays of candidate credit rule sets: per rule the orders newly held and newly approved, held value, hold time, the first differing orders (customerId "*").', KEEP_FOREVER, 1),
    spec(TOPIC.fraudChecks, 'fraud-service', 'One fraud check per order, with score and reasons.', KEEP_FOREVER),
    // Compacted: a partition keeps the latest rule set; every fraud-service task reads it in its stream order and applies it from its business time.
    spec(TOPIC.fraudRules, 'creditstream fraud rules publish', 'Fraud rule sets (signal weights and thresholds, the review threshold), one copy per partition (customerId "*"), compacted; each checks the orders placed from its business time on.', COMPACTED),
    spec(TOPIC.collectionActions, 'collections-service', 'Collection starts, collection letters, interest notes and write-off proposals.', KEEP_FOREVER),
    spec(TOPIC.collectionCommands, 'insights-api, creditstream CLI, people and other systems', 'Commands to the collections service: promises to pay, interest waivers, reinstatements and reversals, write-off approvals (four eyes above a threshold). Each carries a command id (carried out once) and its actor.', KEEP_FOREVER),
    // Compacted: a partition keeps the latest policy; every collections-service task applies it in its stream order.
    spec(TOPIC.collectionPolicies, 'creditstream collections policy publish', 'Collection policies (letter sequences, interest codes, thresholds), one copy per partition (customerId "*"), compacted.', COMPACTED),
    // One partition: every scoring instance reads every model event; there are few.
    spec(TOPIC.modelsPublished, 'trainer', 'Published model versions; scoring services hot-reload the active model (customerId "*").', KEEP_FOREVER, 1),
    // Internal to the partition-task runtime: read only for the latest progress per service, so kept briefly.
    spec(TOPIC.streamProgress, 'feature, scoring, fraud, credit and collections services (the partition-task runtime)', 'Internal: per partition, the business time each service has produced its outputs up to, with their end offsets; a service reading another\'s outputs takes a tick only once that service is past it (customerId "*").', keepDays(7)),
    ...DEAD_LETTER_SERVICES.map((service) => ({
      ...spec(`creditstream.${service}.dlq.v1`, service, `Messages ${service} could not decode or validate, with the original bytes and the reason.`, keepDays(30)),
      schema: DEAD_LETTER_SCHEMA,
    })),
  ];
}

/** Reads `CREDITSTREAM_PARTITIONS` (default {@link DEFAULT_PARTITIONS}); names the variable and value when invalid. */
export function partitionsFromEnv(source: Record<string, string | undefined> = process.env): number {
  return loadConfig(
    { CREDITSTREAM_PARTITIONS: env.int('Partition count of every customer-keyed creditstream topic.', { default: DEFAULT_PARTITIONS, min: 1, max: 10_000 }) },
    source,
  ).CREDITSTREAM_PARTITIONS;
}

/** Every creditstream topic, with the partition count from `CREDITSTREAM_PARTITIONS` (default 6). */
export const TOPICS: readonly TopicSpec[] = buildTopics(partitionsFromEnv());

/** The spec of topic `name`. @throws UnknownTopicError for a name that is not in {@link TOPICS}. */
export function topic(name: string): TopicSpec {
  const found = TOPICS.find((t) => t.name === name);
  if (!found) throw new UnknownTopicError(name, TOPICS.map((t) => t.name));
  return found;
}

/** Absolute path of the package's `avro/` folder (works from `src` via ts-node and from `dist/src`). */
export function avroDir(): string {
  const fromDist = path.resolve(__dirname, '..', '..', 'avro');
  return fs.existsSync(fromDist) ? fromDist : path.resolve(__dirname, '..', 'avro');
}

const parsed = new Map<string, object>();

/** Reads and parses a schema file of `avro/` once. @throws SchemaFileError when missing or not JSON. */
export function loadSchemaFile(file: string): object {
  let schema = parsed.get(file);
  if (!schema) {
    const full = path.join(avroDir(), file);
    let text: string;
    try {
      text = fs.readFileSync(full, 'utf8');
    } catch (err) {
      throw new SchemaFileError(full, (err as Error).message, err);
    }
    try {
      schema = JSON.parse(text) as object;
    } catch (err) {
      throw new SchemaFileError(full, `not valid JSON: ${(err as Error).message}`, err);
    }
    parsed.set(file, schema);
  }
  // A copy, so that a caller mutating its schema cannot change what others load.
  return structuredClone(schema);
}

/** The parsed Avro value schema of topic `topicName`. @throws UnknownTopicError, SchemaFileError */
export function loadSchema(topicName: string): object {
  return loadSchemaFile(topic(topicName).schema);
}
