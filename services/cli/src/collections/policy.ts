import { readFileSync } from 'node:fs';
import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { compilePolicy, POLICY_SCHEMA_FILE, policyVersion, type CollectionPolicy } from '@creditstream/collections-service';
import { createKafka, kafkaSecurityFromEnv, createProducer } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC } from '@creditstream/schemas';
import { CliOptionError } from '../errors';
import type { Io } from '../io';

const spec = {
  KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name.', { optional: true }),
};

/** Reads and validates a policy file; the error names the file and every problem. */
export function readPolicyFile(file: string): { policy: CollectionPolicy; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliOptionError('policy', `cannot read policy file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliOptionError('policy', `policy file ${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return { policy: compilePolicy(doc), text };
  } catch (err) {
    throw new CliOptionError('policy', `policy file ${file}: ${(err as Error).message}`);
  }
}

/**
 * `creditstream collections policy publish FILE`: validates the document against the published JSON Schema and
 * writes it to every partition of the compacted policies topic, stamped with its effective date (so each partition
 * task applies it at that point of business time).
 */
export async function runPolicyPublish(file: string, o: { by: string }, io: Io, environment: Record<string, string | undefined> = process.env): Promise<void> {
  const { policy } = readPolicyFile(file);
  const config = loadConfig(spec, environment);
  const topic = `${config.CREDITSTREAM_TOPIC_PREFIX ?? ''}${TOPIC.collectionPolicies}`;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-collections', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  await codec.register(topic, loadSchema(TOPIC.collectionPolicies));
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number;
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) throw new CliOptionError('topic', `topic ${topic} does not exist: start the collections service once (it creates its topics) or set CREDITSTREAM_TOPIC_PREFIX`);
    partitions = (await admin.fetchTopicOffsets(topic)).length;
  } finally {
    await admin.disconnect();
  }
  const producer = createProducer({ kafka, codec });
  await producer.connect();
  try {
    const document = JSON.stringify(policy);
    await producer.send(topic, Array.from({ length: partitions }, (_, partition) => ({
      key: '*',
      partition,
      event: { eventId: `policy:${policyVersion(policy)}:p${partition}`, eventTime: `${policy.effectiveFrom}T00:00:00.000Z`, customerId: '*', causationId: null, type: 'CollectionPolicyPublished', payload: { policyId: policy.policyId, version: policy.version, effectiveFrom: policy.effectiveFrom, document, publishedBy: o.by, partition } },
    })));
  } finally {
    await producer.disconnect();
  }
  io.out(`published collection policy ${policyVersion(policy)} (effective ${policy.effectiveFrom}) to ${partitions} partitions of ${topic}`);
}

/** `creditstream collections policy validate FILE`. */
export function runPolicyValidate(file: string, io: Io): void {
  const { policy } = readPolicyFile(file);
  io.out(`${file}: valid collection policy ${policyVersion(policy)} (${policy.sequences.length} sequence(s), ${policy.interestCodes.length} interest code(s))`);
}

/** `creditstream collections policy schema`: prints the published JSON Schema. */
export function runPolicySchema(io: Io): void {
  io.out(readFileSync(POLICY_SCHEMA_FILE, 'utf8').trimEnd());
}
