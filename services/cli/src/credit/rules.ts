import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { readRuleSetFile, type RuleSet } from '@creditstream/credit-service';
import { createKafka, kafkaSecurityFromEnv, createProducer, ensureTopics } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec, type CreditRuleSetPublishedEvent } from '@creditstream/schemas';
import { CliOptionError } from '../errors';
import type { Io } from '../io';

type Environment = Record<string, string | undefined>;

const kafkaSpec = {
  KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name.', { optional: true }),
};

/** `creditstream credit rules validate FILE`: the rule set, compiled, or the error naming its path. */
export function runCreditRulesValidate(file: string, io: Io): RuleSet {
  const ruleSet = readRuleSetFile(file);
  io.out(`OK: ${file} is rule set ${ruleSet.version} (${ruleSet.rules.length} rules, sha256 ${ruleSet.sha256.slice(0, 12)})`);
  return ruleSet;
}

export interface CreditRulesPublishOptions {
  /** Who publishes (named by the event). */
  by: string;
  /** Business time from which the rule set applies (ISO timestamp). @default now */
  effective?: string;
}

/**
 * `creditstream credit rules publish FILE`: validates the rule set and writes it to every partition of the compacted
 * rules topic, so that each credit-service task applies it at its business time in its own stream.
 */
export async function runCreditRulesPublish(file: string, o: CreditRulesPublishOptions, io: Io, environment: Environment = process.env): Promise<{ ruleSet: RuleSet; partitions: number }> {
  const ruleSet = readRuleSetFile(file);
  const effective = o.effective ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(effective)) || !/^\d{4}-\d{2}-\d{2}T/.test(effective)) throw new CliOptionError('effective', `--effective ${JSON.stringify(effective)} is not an ISO timestamp (e.g. 2024-06-01T00:00:00Z)`);
  const config = loadConfig(kafkaSpec, environment);
  const name = `${config.CREDITSTREAM_TOPIC_PREFIX ?? ''}${TOPIC.creditRules}`;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-credit-rules', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  const spec = { ...topicSpec(TOPIC.creditRules), name };
  await ensureTopics(kafka, [spec]);
  await codec.register(name, loadSchema(TOPIC.creditRules));
  const producer = createProducer({ kafka, codec });
  await producer.connect();
  try {
    const eventTime = new Date(Date.parse(effective)).toISOString();
    const messages = Array.from({ length: spec.partitions }, (_, partition) => {
      const event: CreditRuleSetPublishedEvent = { eventId: `credit-rules:${ruleSet.version}:${ruleSet.sha256.slice(0, 16)}:p${partition}`, eventTime, customerId: '*', causationId: null, type: 'CreditRuleSetPublished', payload: { version: ruleSet.version, document: ruleSet.document, sha256: ruleSet.sha256, publishedBy: o.by, partition } };
      return { key: '*', partition, event };
    });
    await producer.send(name, messages);
  } finally {
    await producer.disconnect();
  }
  io.out(`published rule set ${ruleSet.version} (${ruleSet.rules.length} rules, sha256 ${ruleSet.sha256.slice(0, 12)}) to ${spec.partitions} partitions of ${name}, effective ${effective}`);
  return { ruleSet, partitions: spec.partitions };
}
