import type { Admin, Kafka } from 'kafkajs';
import { TopicSetupError } from './errors';
import { isRetriable } from '@creditstream/errors';
import { retryTransient } from './retry';

/** What a topic needs to exist: its name, partition count and topic-level configuration. */
export interface TopicDefinition {
  readonly name: string;
  readonly partitions: number;
  readonly configEntries?: readonly { name: string; value: string }[];
}

/**
 * Creates the topics that do not exist yet and waits until every partition of every topic has a leader, so that the
 * first produce or subscribe cannot race topic creation. Existing topics are left as they are.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicDefinition[], options: { timeoutMs?: number; replicationFactor?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    await createMissing(admin, topics, { deadline, timeoutMs, replicationFactor: options.replicationFactor ?? -1 });
    const names = topics.map((t) => t.name);
    for (;;) {
      let leaderless: string[];
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
        leaderless = meta.flatMap((t) => t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`));
      } catch (err) {
        // A topic another process has just created may not be in this broker's metadata yet ("This server does not
        // host this topic-partition").
        // The broker restarting under a starting service: kafkajs fails with a retriable error, or (its metadata
        // cleared by the lost connection) with a TypeError; both are retried until the deadline.
        const type = (err as { type?: string }).type;
        if (!isTransient(err)) throw err;
        if (Date.now() > deadline) throw new TopicSetupError(`reading the metadata of ${names.join(', ')} failed for ${timeoutMs} ms: ${(err as Error).message}`, err);
        leaderless = [`${names.join(', ')} (${type ?? (err as Error).message})`];
      }
      if (leaderless.length === 0) return;
      if (Date.now() > deadline) throw new TopicSetupError(`partitions without a leader after ${timeoutMs} ms: ${leaderless.slice(0, 10).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics the cluster does not list, again after a transient failure until the deadline. It does not wait
 * for leaders (the caller's metadata loop does): kafkajs's wait reads the metadata once the controller has created the
 * topics and throws "This server does not host this topic-partition" when the broker has not applied them yet.
 */
async function createMissing(admin: Admin, topics: readonly TopicDefinition[], options: { deadline: number; timeoutMs: number; replicationFactor: number }): Promise<void> {
  let missing: readonly TopicDefinition[] = topics;
  const attempt = async (): Promise<void> => {
    const existing = new Set(await listTopicsUntil(admin, options.deadline, options.timeoutMs));
    missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: false,
        timeout: options.timeoutMs,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: options.replicationFactor,
          configEntries: t.configEntries ? [...t.configEntries] : [],
        })),
      });
    } catch (err) {
      // Another instance may have created them in between; the caller's leader check decides.
      if (!/already exists/i.test(String((err as Error).message))) throw err;
    }
  };
  try {
    await retryTransient(attempt, { transient: isTransient, deadline: options.deadline, maxDelayMs: 100 });
  } catch (err) {
    if (err instanceof TopicSetupError) throw err;
    const failed = `creating topics ${missing.map((t) => t.name).join(', ')} failed`;
    throw new TopicSetupError(`${failed}${isTransient(err) ? ` for ${options.timeoutMs} ms` : ''}: ${(err as Error).message}`, err);
  }
}

/**
 * Whether a metadata read failed for a reason that passes: the topic not known to this broker yet, a leader being
 * elected, a retriable error, or the TypeError kafkajs throws when a lost connection cleared its metadata.
 */
function isTransient(err: unknown): boolean {
  const type = (err as { type?: string }).type;
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE' || isRetriable(err) || err instanceof TypeError;
}

/**
 * The topics the cluster has, read again after a transient failure until the deadline: a broker restarting under a
 * starting service makes listTopics fail like the metadata read.
 */
async function listTopicsUntil(admin: Admin, deadline: number, timeoutMs: number): Promise<string[]> {
  try {
    return await retryTransient(() => admin.listTopics(), { transient: isTransient, deadline, maxDelayMs: 100 });
  } catch (err) {
    if (isTransient(err)) throw new TopicSetupError(`listing the topics failed for ${timeoutMs} ms: ${(err as Error).message}`, err);
    throw err;
  }
}
