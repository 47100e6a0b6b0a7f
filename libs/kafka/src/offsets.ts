import type { Kafka } from 'kafkajs';

/** Sum of the end offsets (high watermarks) of every partition of `topics`: how many messages they hold. */
export async function endOffsetsTotal(kafka: Kafka, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of topics) for (const o of await admin.fetchTopicOffsets(topic)) total += Number(o.high);
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
    for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) for (const p of t.partitions) total += Math.max(0, Number(p.offset));
    return total;
  } finally {
    await admin.disconnect();
  }
}
