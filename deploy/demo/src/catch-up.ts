import type { Kafka } from '@creditstream/kafka';

type Admin = ReturnType<Kafka['admin']>;

/** Offsets per topic-partition, keyed `topic:partition`. */
export type Offsets = Map<string, number>;

/** The end offsets (high watermarks) of the topics: where their logs end now. */
export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Offsets> {
  const out: Offsets = new Map();
  for (const topic of topics) for (const o of await admin.fetchTopicOffsets(topic)) out.set(`${topic}:${o.partition}`, Number(o.high));
  return out;
}

/**
 * The offsets a consumer group has committed on the topics (0 where it has committed nothing), per partition:
 * libs/kafka's `committedTotal` sums them, but "caught up" must hold on every partition, and live events keep some
 * partitions ahead while another still lags.
 */
export async function committedOffsets(admin: Admin, groupId: string, topics: readonly string[]): Promise<Offsets> {
  const out: Offsets = new Map();
  for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
    for (const p of t.partitions) out.set(`${t.topic}:${p.partition}`, Math.max(0, Number(p.offset)));
  }
  return out;
}

/** How far a group has come from `from` towards `to`, over all partitions, in messages. */
export interface CatchUp {
  readonly done: number;
  readonly total: number;
}

/**
 * Messages of `from..to` the group has committed: a partition counts as caught up once its committed offset reaches
 * `to` (the condition is lag 0 against the offsets of `to`, not against a moving end).
 */
export function catchUp(committed: Offsets, from: Offsets, to: Offsets): CatchUp {
  let done = 0;
  let total = 0;
  for (const [key, end] of to) {
    const start = Math.min(from.get(key) ?? 0, end);
    total += end - start;
    done += Math.max(0, Math.min(committed.get(key) ?? 0, end) - start);
  }
  return { done, total };
}
