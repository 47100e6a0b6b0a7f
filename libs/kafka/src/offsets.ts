import type { Kafka } from 'kafkajs';

/** Tries of a read that fails with a retriable error, 100 ms apart doubling to 1.6 s (about 6 s in all). */
const READ_TRIES = 6;

/**
 * Runs `read`, again while it fails with a retriable error (a partition whose leader was just elected answers
 * NOT_LEADER_OR_FOLLOWER to ListOffsets for a moment, although the metadata already names it), at most
 * {@link READ_TRIES} times; the last error is thrown.
 */
async function retrying<T>(read: () => Promise<T>): Promise<T> {
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= READ_TRIES || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
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
