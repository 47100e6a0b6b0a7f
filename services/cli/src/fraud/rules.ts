import { readFileSync } from 'node:fs';
import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { readEventLog } from '@creditstream/feature-service';
import { canonicalJson, FraudRulesInvalidError, parseRuleSet, sha256, type FraudRuleSet } from '@creditstream/fraud-service';
import { createKafka, kafkaSecurityFromEnv, createProducer, ensureTopics } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec, type BusinessDayTickEvent, type FraudRuleSetPublishedEvent } from '@creditstream/schemas';
import { CliOptionError } from '../errors';
import type { Io } from '../io';

type Environment = Record<string, string | undefined>;

const kafkaSpec = {
  KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name.', { optional: true }),
};

/** Reads and validates a rule-set file. @throws CliOptionError naming the file and the path of the problem. */
export function readFraudRuleSet(file: string): FraudRuleSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliOptionError('rules', `cannot read the fraud rule set ${file}: ${(err as Error).message}`);
  }
  try {
    return parseRuleSet(text, file);
  } catch (err) {
    if (err instanceof FraudRulesInvalidError) throw new CliOptionError('rules', `${file}: ${err.message}`);
    throw err;
  }
}

/** `creditstream fraud rules validate FILE`: the rule set, or the error naming the path of the problem. */
export function runFraudRulesValidate(file: string, io: Io): FraudRuleSet {
  const rules = readFraudRuleSet(file);
  io.out(`OK: ${file} is fraud rule set ${rules.version} (review at ${rules.reviewThreshold}, sha256 ${sha256(canonicalJson(rules)).slice(0, 12)})`);
  return rules;
}

export interface FraudRulesPublishOptions {
  /** Who publishes (named by the event). */
  by: string;
  /** Business time from which the rule set checks orders (ISO timestamp). @default the start of the day after the latest clock tick */
  effective?: string;
}

/** The start of the day after the latest business-day tick on the clock topic; the epoch when there is none. */
async function nextBusinessDay(kafka: ReturnType<typeof createKafka>, codec: SchemaCodec, clockTopic: string): Promise<string> {
  let latest = '';
  for (const { event } of await readEventLog(kafka, codec, [clockTopic])) {
    const date = (event as BusinessDayTickEvent).payload.businessDate;
    if (date > latest) latest = date;
  }
  if (latest === '') return new Date(0).toISOString();
  return new Date(Date.parse(`${latest}T00:00:00.000Z`) + 86_400_000).toISOString();
}

/**
 * `creditstream fraud rules publish FILE`: validates the rule set and writes it to every partition of the compacted
 * rules topic, effective at a business time (by default the day after the latest clock tick, so no order already
 * checked would be checked otherwise by a replay); every fraud-service task applies it from then on. A version
 * already published with the same document is not written again; with another document it is refused.
 */
export async function runFraudRulesPublish(file: string, o: FraudRulesPublishOptions, io: Io, environment: Environment = process.env): Promise<{ rules: FraudRuleSet; partitions: number; effective: string; written: boolean }> {
  const rules = readFraudRuleSet(file);
  if (o.effective !== undefined && (Number.isNaN(Date.parse(o.effective)) || !/^\d{4}-\d{2}-\d{2}T/.test(o.effective))) throw new CliOptionError('effective', `--effective ${JSON.stringify(o.effective)} is not an ISO timestamp (e.g. 2024-06-01T00:00:00Z)`);
  const config = loadConfig(kafkaSpec, environment);
  const prefix = config.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const name = `${prefix}${TOPIC.fraudRules}`;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-fraud-rules', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  const spec = { ...topicSpec(TOPIC.fraudRules), name };
  await ensureTopics(kafka, [spec]);
  await codec.register(name, loadSchema(TOPIC.fraudRules));
  const document = canonicalJson(rules);
  const digest = sha256(document);
  for (const { event } of await readEventLog(kafka, codec, [name])) {
    const p = (event as unknown as FraudRuleSetPublishedEvent).payload;
    if (p.version !== rules.version) continue;
    if (p.sha256 !== digest) throw new CliOptionError('rules', `fraud rule set ${rules.version} is already published with another document (sha256 ${p.sha256.slice(0, 12)}…): publish it under a new version`);
    io.out(`fraud rule set ${rules.version} (sha256 ${digest.slice(0, 12)}) is already published on ${name}, effective ${event.eventTime}: nothing written`);
    return { rules, partitions: spec.partitions, effective: event.eventTime, written: false };
  }
  const effective = new Date(Date.parse(o.effective ?? (await nextBusinessDay(kafka, codec, `${prefix}${TOPIC.clock}`)))).toISOString();
  const producer = createProducer({ kafka, codec });
  await producer.connect();
  try {
    const messages = Array.from({ length: spec.partitions }, (_, partition) => {
      const event: FraudRuleSetPublishedEvent = { eventId: `fraud-rules:${rules.version}:${digest.slice(0, 16)}:p${partition}`, eventTime: effective, customerId: '*', causationId: null, type: 'FraudRuleSetPublished', payload: { version: rules.version, document, sha256: digest, publishedBy: o.by, partition } };
      return { key: '*', partition, event };
    });
    await producer.send(name, messages);
  } finally {
    await producer.disconnect();
  }
  io.out(`published fraud rule set ${rules.version} (review at ${rules.reviewThreshold}, sha256 ${digest.slice(0, 12)}) to ${spec.partitions} partitions of ${name}, checking orders from ${effective}`);
  return { rules, partitions: spec.partitions, effective, written: true };
}
