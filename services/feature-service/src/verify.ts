import type { Kafka } from 'kafkajs';
import { applyTick, appliedOffset, createFolder, customerFeatures, sourceKey, type CustomerState, type InputEvent, type SourcedEvent } from '@creditstream/features';
import type { SchemaCodec } from '@creditstream/schema';
import type { BusinessDayTickEvent } from '@creditstream/schemas';
import { versionOf, type PartitionClockDocument } from './documents';
import type { StateStore } from './state-store';

/** Reads every message of `topics` from the beginning up to the end offsets at the time of the call. */
export async function readEventLog(kafka: Kafka, codec: SchemaCodec, topics: readonly string[], onProgress?: (read: number, total: number) => void): Promise<SourcedEvent[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const topic of topics) for (const o of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${o.partition}`, Number(o.high));
  } finally {
    await admin.disconnect();
  }
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const events: SourcedEvent[] = [];
  if (total === 0) return events;
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([k]) => k));
  const consumer = kafka.consumer({ groupId: `creditstream-verify-${process.pid}-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}:${batch.partition}`;
            const high = ends.get(key) ?? 0;
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset >= high) break;
              try {
                events.push({ event: await codec.decode<InputEvent>(batch.topic, m.value), source: { topic: batch.topic, partition: batch.partition, offset } });
              } catch {
                // Undecodable messages went to the dead-letter topic; the fold never saw them either.
              }
              if (offset === high - 1) remaining.delete(key);
            }
            onProgress?.(events.length, total);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}

/**
 * Folds an event log from scratch with the same pure domain code as the service. Within a topic-partition the
 * log's order is kept; the topics may interleave in any way (the fold does not depend on it).
 */
export function foldEventLog(events: readonly SourcedEvent[]): { customers: Map<string, CustomerState>; partitions: Map<string, number>; clocks: Map<number, PartitionClockDocument>; rejections: number } {
  const folder = createFolder();
  const partitions = new Map<string, number>();
  const clocks = new Map<number, PartitionClockDocument>();
  for (const { event, source } of events) {
    const result = folder.apply(event, source);
    if (event.type === 'BusinessDayTick') {
      if (!result.rejection) {
        const known = clocks.get(source.partition);
        if (!known || known.offset < source.offset) clocks.set(source.partition, { _id: source.partition, offset: source.offset, businessDate: event.payload.businessDate, tick: event });
      }
    } else if (!partitions.has(event.customerId)) {
      partitions.set(event.customerId, source.partition);
    }
  }
  return { customers: folder.customers, partitions, clocks, rejections: folder.rejections.length };
}

/** One difference between the store and the from-scratch fold. */
export interface Difference {
  customerId: string;
  path: string;
  stored: unknown;
  expected: unknown;
}

/**
 * Compares the stored state of every customer with the from-scratch fold. The store applies clock ticks lazily, so
 * each stored customer is first brought to its partition's latest tick (as the service does when it next touches
 * it); the result must then be equal, invoices and payments included.
 */
export async function diffStore(store: StateStore, folded: ReturnType<typeof foldEventLog>, clockTopic: string, limit = 100): Promise<Difference[]> {
  const differences: Difference[] = [];
  const ids = [...new Set([...folded.customers.keys(), ...(await store.customers.distinct('_id'))])].sort();
  const clocks = await store.loadClocks();
  for (let i = 0; i < ids.length && differences.length < limit; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const loaded = await store.load(chunk, { repair: false });
    for (const id of chunk) {
      const expected = folded.customers.get(id);
      const stored = loaded.get(id);
      if (!stored || !expected) {
        differences.push({ customerId: id, path: '', stored: stored ? 'present' : 'missing', expected: expected ? 'present' : 'missing' });
        continue;
      }
      const clock = clocks.get(stored.partition);
      if (clock) {
        const source = { topic: clockTopic, partition: clock._id, offset: clock.offset };
        if (appliedOffset(stored.state, sourceKey(source)) < clock.offset) applyTick(stored.state, clock.tick as BusinessDayTickEvent, source);
      }
      diffValues(id, 'state', stored.state, expected, differences, limit);
      if (stored.partition !== folded.partitions.get(id)) differences.push({ customerId: id, path: 'partition', stored: stored.partition, expected: folded.partitions.get(id) });
    }
  }
  return differences;
}

function diffValues(customerId: string, path: string, a: unknown, b: unknown, out: Difference[], limit: number): void {
  if (out.length >= limit) return;
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push({ customerId, path: `${path}.length`, stored: a.length, expected: b.length });
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffValues(customerId, `${path}[${i}]`, a[i], b[i], out, limit);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffValues(customerId, `${path}.${k}`, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], out, limit);
    return;
  }
  out.push({ customerId, path, stored: a, expected: b });
}

/** Writes a from-scratch fold into a (fresh) store: customers, invoice and payment buckets, partition clocks. */
export async function writeFold(store: StateStore, folded: ReturnType<typeof foldEventLog>, onProgress?: (written: number, total: number) => void): Promise<void> {
  const ids = [...folded.customers.keys()];
  for (let i = 0; i < ids.length; i += 200) {
    await store.writeRebuilt(ids.slice(i, i + 200).map((id) => {
      const state = structuredClone(folded.customers.get(id) as CustomerState);
      return { state, partition: folded.partitions.get(id) ?? 0, version: versionOf(state), features: customerFeatures(state) };
    }));
    onProgress?.(Math.min(i + 200, ids.length), ids.length);
  }
  for (const clock of folded.clocks.values()) await store.saveClock(clock);
}
