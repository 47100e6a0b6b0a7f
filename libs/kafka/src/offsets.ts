import type { Kafka } from 'kafkajs';
import { isRetriable } from '@creditstream/errors';
import { retryTransient } from './retry';

/**
 * Runs `read`, again while it fails with a retriable error (a partition whose leader was just elected answers
 * NOT_LEADER_OR_FOLLOWER to ListOffsets for a moment, although the metadata already names it): six tries, 100 ms
 * apart doubling to 1.6 s (about 3 s in all); the last error is thrown.
 */
function retrying<T>(read: () => Promise<T>): Promise<T> {
  return retryTransient(read, { transient: isRetriable, tries: 6 });
}

/** Sum of the end offsets (high watermarks) of every partition of `topics`: how many messages they hold. */
export async function endOffsetsTotal(kafka: Kafka, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of topics) for (const o of await retrying(() => admin.fetchTopicOffsets(topic))) total += Number(o.high);
    return total;
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the offsets `groupId` committed on `topics` (0 for partitions without a commit): how far it got. */
export async function committedTotal(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const t of await retrying(() => admin.fetchOffsets({ groupId, topics: [...topics] }))) for (const p of t.partitions) total += Math.max(0, Number(p.offset));
    return total;
  } finally {
    await admin.disconnect();
  }
}
