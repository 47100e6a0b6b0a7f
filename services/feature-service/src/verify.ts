import type { Kafka } from 'kafkajs';
import { applyTick, appliedOffset, createFolder, customerFeatures, sourceKey, type CustomerState, type InputEvent, type SourcedEvent } from '@creditstream/features';
import type { SchemaCodec } from '@creditstream/schema';
import type { BusinessDayTickEvent } from '@creditstream/schemas';
import { BSON } from 'mongodb';
import { compileTaskOptions, compressedJsonSerde, MongoCheckpointStore, slotOf, StateValueTooLargeError, type ClockReading } from '@creditstream/streams';
import type { Store } from '@creditstream/store';
import { COLLECTIONS, type CustomerValue, type CustomerView } from './documents';
import { customerView } from './processor';
import type { FeatureStateReader } from './reader';

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
export interface FoldedLog {
  customers: Map<string, CustomerState>;
  partitions: Map<string, number>;
  /** Latest valid tick per partition. */
  clocks: Map<number, ClockReading>;
  /** Per partition, the next offset of every topic: where a service resuming from this fold starts. */
  positions: Map<number, Record<string, number>>;
  rejections: number;
}

export function foldEventLog(events: readonly SourcedEvent[]): FoldedLog {
  const folder = createFolder();
  const partitions = new Map<string, number>();
  const clocks = new Map<number, ClockReading>();
  const positions = new Map<number, Record<string, number>>();
  for (const { event, source } of events) {
    const result = folder.apply(event, source);
    let p = positions.get(source.partition);
    if (p === undefined) positions.set(source.partition, (p = {}));
    p[source.topic] = Math.max(p[source.topic] ?? 0, source.offset + 1);
    if (event.type === 'BusinessDayTick') {
      if (!result.rejection) {
        const known = clocks.get(source.partition);
        if (!known || known.offset < source.offset) clocks.set(source.partition, { offset: source.offset, businessDate: event.payload.businessDate, tick: event });
      }
    } else if (!partitions.has(event.customerId)) {
      partitions.set(event.customerId, source.partition);
    }
  }
  return { customers: folder.customers, partitions, clocks, positions, rejections: folder.rejections.length };
}

/** One difference between the store and the from-scratch fold. */
export interface Difference {
  customerId: string;
  path: string;
  stored: unknown;
  expected: unknown;
}

/**
 * Compares the committed state of every customer with the from-scratch fold. Clock ticks are applied lazily, so
 * each stored customer is first brought to its partition's latest tick (as the service does when it next touches
 * it); the result must then be equal, invoices and payments included.
 */
export async function diffStore(reader: FeatureStateReader, folded: FoldedLog, clockTopic: string, limit = 100): Promise<Difference[]> {
  const differences: Difference[] = [];
  const stored = await reader.customers();
  const ids = [...new Set([...folded.customers.keys(), ...stored.keys()])].sort();
  for (const id of ids) {
    if (differences.length >= limit) break;
    const expected = folded.customers.get(id);
    const mine = stored.get(id);
    if (!mine || !expected) {
      differences.push({ customerId: id, path: '', stored: mine ? 'present' : 'missing', expected: expected ? 'present' : 'missing' });
      continue;
    }
    if (mine.clock) {
      const source = { topic: clockTopic, partition: mine.partition, offset: mine.clock.offset };
      if (appliedOffset(mine.state, sourceKey(source)) < mine.clock.offset) applyTick(mine.state, mine.clock.tick as BusinessDayTickEvent, source);
    }
    diffValues(id, 'state', mine.state, expected, differences, limit);
    if (mine.partition !== folded.partitions.get(id)) differences.push({ customerId: id, path: 'partition', stored: mine.partition, expected: folded.partitions.get(id) });
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

/**
 * Writes a from-scratch fold into a (fresh) store as the feature service's checkpoints: per partition, every
 * customer, the partition clock and the positions after the folded log, so a service started on it resumes there.
 * The slots are laid out as a task would: `slots` of them, doubled until every slot document fits `maxSlotBytes`
 * (MongoDB refuses a document over 16 MiB), the count kept in the checkpoint.
 * @throws StateValueTooLargeError when one customer's state and view alone pass `maxSlotBytes`
 */
export async function writeFold(store: Store, folded: FoldedLog, options: { onProgress?: (written: number, total: number) => void; slots?: number; maxSlotBytes?: number } = {}): Promise<void> {
  const checkpoints = new MongoCheckpointStore(store, COLLECTIONS.state);
  const serde = compressedJsonSerde<CustomerValue>();
  const { slots, maxSlotBytes } = compileTaskOptions({ slots: options.slots, maxSlotBytes: options.maxSlotBytes });
  const byPartition = new Map<number, string[]>();
  for (const id of folded.customers.keys()) {
    const p = folded.partitions.get(id) ?? 0;
    const ids = byPartition.get(p);
    if (ids === undefined) byPartition.set(p, [id]);
    else ids.push(id);
  }
  const partitions = new Set([...byPartition.keys(), ...folded.positions.keys()]);
  let written = 0;
  for (const partition of [...partitions].sort((a, b) => a - b)) {
    const customers = (byPartition.get(partition) ?? []).sort().map((id) => {
      const state = structuredClone(folded.customers.get(id) as CustomerState);
      const value = { state, features: customerFeatures(state) };
      const entry = { k: id, v: serde.serialize(value) };
      const view = customerView(id, value, partition);
      return { entry, view, bytes: id.length + entry.v.length + BSON.calculateObjectSize({ view }) };
    });
    for (const c of customers) if (c.bytes > maxSlotBytes) throw new StateValueTooLargeError(partition, c.entry.k, maxSlotBytes);
    let count = slots;
    const slotBytes = () => {
      const bytes = new Map<number, number>();
      for (const c of customers) {
        const slot = slotOf(c.entry.k, count);
        bytes.set(slot, (bytes.get(slot) ?? 0) + c.bytes);
      }
      return bytes;
    };
    while ([...slotBytes().values()].some((b) => b > maxSlotBytes)) count *= 2;
    const bySlot = new Map<number, { entries: { k: string; v: Buffer }[]; views: CustomerView[] }>();
    for (const { entry, view } of customers) {
      const slot = slotOf(entry.k, count);
      const s = bySlot.get(slot) ?? { entries: [], views: [] };
      s.entries.push(entry);
      s.views.push(view);
      bySlot.set(slot, s);
    }
    const { epoch } = await checkpoints.acquire(partition);
    await checkpoints.commit(partition, epoch, {
      seq: 1,
      positions: folded.positions.get(partition) ?? {},
      meta: { clock: folded.clocks.get(partition) ?? null, slots: count },
      // Every customer has a view: entry i's is view i.
      slots: [...bySlot].map(([slot, { entries, views }]) => ({ slot, entries, views, viewIndex: entries.map((_, i) => i) })),
      slotCount: count,
      logs: [],
    });
    written += customers.length;
    options.onProgress?.(written, folded.customers.size);
  }
}
