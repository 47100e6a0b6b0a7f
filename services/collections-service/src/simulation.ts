import type { Document } from 'mongodb';
import type { CollectionActionEnvelope } from '@creditstream/schemas';
import { KeyValueStore, PartitionClock, PartitionGroup, type ProcessorContext, type QueuedRecord, type Rejection, type TaskRecord } from '@creditstream/streams';
import { POLICY_KEY, type StoreValue } from './domain/state';
import type { CollectionPolicy } from './policy';
import { CollectionsProcessor, type CollectionsInput, type InputKind } from './processor';

/** One consumed input record (what a partition task would have fetched). */
export interface HistoryRecord {
  kind: InputKind;
  partition: number;
  offset: number;
  event: CollectionsInput;
}

export interface SimulationOptions {
  /**
   * A candidate policy in force from the start; the policies published in the history are then ignored. Without
   * it, the history's own policy publications apply where they were published (a replay).
   */
  policy?: CollectionPolicy;
  /** Called for each output, in the order a partition task would produce it. */
  onOutput?(output: { topic: 'actions' | 'invoices'; event: CollectionActionEnvelope }): void;
}

export interface SimulationResult {
  outputs: number;
  records: number;
  /** Records a task would have dead-lettered, with the reason. */
  rejected: { kind: InputKind; partition: number; offset: number; code: string; message: string }[];
  /** Business dates of the ticks run (all partitions). */
  businessDays: number;
  /** Customers per partition at the end. */
  customers: number;
}

const ORDER: InputKind[] = ['policies', 'customers', 'invoices', 'payments', 'commands', 'outlook', 'predictions', 'clock'];

function timeOf(event: CollectionsInput): number {
  const t = (event as { eventTime?: unknown }).eventTime;
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * Runs a history through the collections processor in memory, without side effects: per partition, the records
 * are taken in the partition task's order (business time across the input topics, topic order on ties — the
 * runtime's own {@link PartitionGroup}), so a replay gives the actions the service gave, with the same ids, and a
 * candidate policy gives the actions it would have given. The process simulation of the CLI and the benchmarks use it.
 */
export function simulateHistory(history: Iterable<HistoryRecord>, options: SimulationOptions = {}): SimulationResult {
  const byPartition = new Map<number, Map<InputKind, QueuedRecord<HistoryRecord>[]>>();
  let records = 0;
  for (const r of history) {
    if (options.policy !== undefined && r.kind === 'policies') continue;
    let topics = byPartition.get(r.partition);
    if (topics === undefined) byPartition.set(r.partition, (topics = new Map()));
    let list = topics.get(r.kind);
    if (list === undefined) topics.set(r.kind, (list = []));
    list.push({ offset: r.offset, time: timeOf(r.event), record: r });
    records += 1;
  }
  const result: SimulationResult = { outputs: 0, records, rejected: [], businessDays: 0, customers: 0 };
  for (const partition of [...byPartition.keys()].sort((a, b) => a - b)) {
    const topics = byPartition.get(partition) as Map<InputKind, QueuedRecord<HistoryRecord>[]>;
    const group = new PartitionGroup<HistoryRecord>(ORDER, 0);
    const positions: Record<string, number> = {};
    for (const kind of ORDER) {
      const list = (topics.get(kind) ?? []).sort((a, b) => a.offset - b.offset);
      positions[kind] = list[0]?.offset ?? 0;
    }
    group.reset(positions);
    for (const kind of ORDER) {
      const list = topics.get(kind) ?? [];
      // Offsets may have gaps (compaction, other keys filtered out): queue them as consecutive positions.
      const queued = list.map((q, i) => ({ ...q, offset: (positions[kind] as number) + i }));
      group.add(kind, queued, (positions[kind] as number) + queued.length);
    }
    const processor = new CollectionsProcessor({ partition, inputs: new Map(ORDER.map((k) => [k, k])), actionsTopic: 'actions', invoicesTopic: 'invoices', customersTopic: 'customers', metrics: null });
    const ctx: ProcessorContext<StoreValue> = {
      partition,
      store: new KeyValueStore<StoreValue>(),
      clock: new PartitionClock(),
      forward: (topic, _key, event) => {
        result.outputs += 1;
        options.onOutput?.({ topic: topic as 'actions' | 'invoices', event: event as CollectionActionEnvelope });
      },
      log: (_collection: string, _document: Document) => undefined,
      defer: (work) => {
        while (work(ctx));
      },
    };
    if (options.policy !== undefined) ctx.store.put(POLICY_KEY, { kind: 'policy', policy: options.policy });
    for (;;) {
      const next = group.next(0);
      if (next.kind !== 'record') break;
      const h = next.record.record;
      const record: TaskRecord<CollectionsInput> = { topic: h.kind, partition, offset: h.offset, key: null, time: next.record.time, event: h.event, message: { topic: h.kind, partition, offset: h.offset, key: null, value: null, headers: {}, timestamp: '0', event: h.event } as never, failure: null };
      const before = ctx.clock.businessDate;
      let rejection: Rejection | void;
      try {
        rejection = processor.process(record, ctx);
      } catch (err) {
        rejection = { code: 'UNEXPECTED_ERROR', message: (err as Error).message };
      }
      if (rejection) result.rejected.push({ kind: h.kind, partition, offset: h.offset, code: rejection.code, message: rejection.message });
      if (ctx.clock.businessDate !== before) result.businessDays += 1;
    }
    result.customers += [...ctx.store.keys()].filter((k) => k !== POLICY_KEY).length;
  }
  return result;
}

/** A simulation fed one record at a time, in the order given (per partition), for histories too large to hold. */
export interface StreamingSimulation {
  push(kind: InputKind, partition: number, event: CollectionsInput): void;
  /** The partition tasks' in-memory contexts (e.g. to run more ticks, or to measure their state). */
  contexts(): ReadonlyMap<number, ProcessorContext<StoreValue>>;
  readonly result: SimulationResult;
}

/**
 * Like {@link simulateHistory}, but the records are processed as they are pushed: the caller gives them in the
 * partition task's order (a generator that yields in business-time order does), nothing is buffered.
 */
export function createSimulation(options: SimulationOptions = {}): StreamingSimulation {
  const result: SimulationResult = { outputs: 0, records: 0, rejected: [], businessDays: 0, customers: 0 };
  const tasks = new Map<number, { processor: CollectionsProcessor; ctx: ProcessorContext<StoreValue>; offsets: Record<string, number> }>();
  const task = (partition: number) => {
    let t = tasks.get(partition);
    if (t !== undefined) return t;
    const processor = new CollectionsProcessor({ partition, inputs: new Map(ORDER.map((k) => [k, k])), actionsTopic: 'actions', invoicesTopic: 'invoices', customersTopic: 'customers', metrics: null });
    const ctx: ProcessorContext<StoreValue> = {
      partition,
      store: new KeyValueStore<StoreValue>(),
      clock: new PartitionClock(),
      forward: (topic, _key, event) => {
        result.outputs += 1;
        options.onOutput?.({ topic: topic as 'actions' | 'invoices', event: event as CollectionActionEnvelope });
      },
      log: () => undefined,
      defer: (work) => {
        while (work(ctx));
      },
    };
    if (options.policy !== undefined) ctx.store.put(POLICY_KEY, { kind: 'policy', policy: options.policy });
    t = { processor, ctx, offsets: {} };
    tasks.set(partition, t);
    return t;
  };
  return {
    result,
    contexts: () => new Map([...tasks].map(([p, t]) => [p, t.ctx])),
    push(kind, partition, event) {
      if (options.policy !== undefined && kind === 'policies') return;
      const t = task(partition);
      const offset = t.offsets[kind] ?? 0;
      t.offsets[kind] = offset + 1;
      result.records += 1;
      const record: TaskRecord<CollectionsInput> = { topic: kind, partition, offset, key: null, time: timeOf(event), event, message: { topic: kind, partition, offset, key: null, value: null, headers: {}, timestamp: '0', event } as never, failure: null };
      const before = t.ctx.clock.businessDate;
      let rejection: Rejection | void;
      try {
        rejection = t.processor.process(record, t.ctx);
      } catch (err) {
        rejection = { code: 'UNEXPECTED_ERROR', message: (err as Error).message };
      }
      if (rejection) result.rejected.push({ kind, partition, offset, code: rejection.code, message: rejection.message });
      if (t.ctx.clock.businessDate !== before) result.businessDays += 1;
    },
  };
}
