import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { checkpointIndexes } from '@creditstream/streams';
import { Infrastructure, ServiceRuntime, streamsSettings } from '@creditstream/service';
import type { CollectionsServiceConfig } from './config';
import { COLLECTIONS } from './documents';
import type { StoreValue } from './domain/state';
import { createCollectionsMetrics } from './metrics';
import { CollectionsProcessor, type AgingTotals, type CollectionsInput, type InputKind } from './processor';
import { CollectionsReader } from './reader';

export const SERVICE_NAME = 'collections-service';

/**
 * The input topics in tie-break order (at equal business time a policy comes first, so a policy effective on a day
 * governs that day's run; the tick last, so the day's run sees everything stamped at its start).
 */
export const COLLECTIONS_INPUTS: readonly (readonly [string, InputKind])[] = [
  [TOPIC.collectionPolicies, 'policies'],
  [TOPIC.customers, 'customers'],
  [TOPIC.invoices, 'invoices'],
  [TOPIC.payments, 'payments'],
  [TOPIC.collectionCommands, 'commands'],
  [TOPIC.customerOutlook, 'outlook'],
  [TOPIC.invoicePredictions, 'predictions'],
  [TOPIC.clock, 'clock'],
];

/** Indexes of the collections service's collections. */
export const COLLECTIONS_INDEXES = checkpointIndexes(COLLECTIONS.state);

export interface CollectionsServiceOptions {
  config: CollectionsServiceConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
}

export type CollectionsService = ServiceRuntime & { readonly reader: () => CollectionsReader; readonly streams: () => ReturnType<Infrastructure['streams']> };

/** The collections service as a runtime component tree; `main.ts` starts it, tests start it in-process. */
export function createCollectionsService(options: CollectionsServiceOptions): CollectionsService {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const dlq = `creditstream.${SERVICE_NAME}.dlq.v1`;
  const settings = streamsSettings(config, 'COLLECTIONS_SERVICE');
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const inputs = new Map(COLLECTIONS_INPUTS.map(([t, kind]) => [name(t), kind]));
  const own = [...COLLECTIONS_INPUTS.map(([t]) => t), TOPIC.collectionActions, TOPIC.streamProgress];
  const topics = [...own, dlq].map((t) => ({ ...topicSpec(t), name: name(t) }));
  const schemas: Record<string, object> = {};
  for (const t of own) schemas[name(t)] = loadSchema(t);
  schemas[name(dlq)] = loadSchemaFile(DEAD_LETTER_SCHEMA);

  const infra = runtime.add(new Infrastructure(runtime, {
    connection: config,
    topics,
    schemas,
    store: { database: config.MONGODB_DATABASE, indexes: COLLECTIONS_INDEXES },
  }));
  const metrics = createCollectionsMetrics(runtime.metrics.registry);
  const byPartition = new Map<number, AgingTotals>();
  const onAgingTotals = (partition: number, totals: AgingTotals) => {
    byPartition.set(partition, totals);
    const labels = totals.labels;
    metrics.agingAmount.reset();
    metrics.agingCount.reset();
    const sums = new Map<string, number[]>();
    const counts: number[] = [];
    for (const t of byPartition.values()) {
      for (const [currency, list] of t.amounts) {
        const s = sums.get(currency) ?? [];
        list.forEach((a, b) => (s[b] = (s[b] ?? 0) + a));
        sums.set(currency, s);
      }
      t.counts.forEach((n, b) => (counts[b] = (counts[b] ?? 0) + n));
    }
    for (const [currency, list] of sums) list.forEach((a, b) => metrics.agingAmount.set({ bucket: labels[b] ?? String(b), currency }, a));
    counts.forEach((n, b) => metrics.agingCount.set({ bucket: labels[b] ?? String(b) }, n));
  };
  const streams = runtime.add(infra.streams<CollectionsInput, StoreValue>({
    collection: COLLECTIONS.state,
    groupId: settings.groupId,
    topics: COLLECTIONS_INPUTS.map(([t]) => name(t)),
    deadLetterTopic: name(dlq),
    sessionTimeoutMs: settings.sessionTimeoutMs,
    task: settings.task,
    // A tick waits for the scoring service's progress: the predictions of that day are then taken as a replay takes them.
    // Its announcements cover the customers topic too: the credit and fraud services wait for the account blocks of a
    // day's letters before the next day's records.
    progress: { topic: name(TOPIC.streamProgress), clockTopic: name(TOPIC.clock), announces: [name(TOPIC.collectionActions), name(TOPIC.customers)], awaits: settings.awaits, maxWaitMs: settings.progressMaxWaitMs },
    processor: (partition) => new CollectionsProcessor({ partition, inputs, actionsTopic: name(TOPIC.collectionActions), invoicesTopic: name(TOPIC.invoices), customersTopic: name(TOPIC.customers), metrics, onAgingTotals }),
  }));
  return Object.assign(runtime, {
    reader: () => new CollectionsReader(infra.store),
    streams: () => streams,
  });
}
