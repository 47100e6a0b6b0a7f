import assert from 'node:assert/strict';
import { createKafka, createProducer, ensureTopics, type Kafka } from '@creditstream/kafka';
import { createLogger } from '@creditstream/logging';
import { createMetrics } from '@creditstream/metrics';
import { SchemaCodec } from '@creditstream/schema';
import { openStore, type Store } from '@creditstream/store';
import { COUNTER_SCHEMA, deadLetterSchema, stack, uniqueName, waitFor, type Counted } from '@creditstream/testing';
import { createStreamsRunner, MongoCheckpointStore, type Processor, type StreamsRunner } from '../src';

/** Appends each record's n to its customer's list, in the order processed, and forwards the list length. */
function listing(output: string): Processor<Counted, { seen: number[] }> {
  return {
    process(record, ctx) {
      const id = record.event.customerId;
      const v = ctx.store.get(id) ?? { seen: [] };
      v.seen.push(record.event.payload.n);
      ctx.store.put(id, v);
      ctx.forward(output, id, { eventId: `${id}:out:${v.seen.length}`, eventTime: record.event.eventTime, customerId: id, causationId: record.event.eventId, type: 'Counted', payload: { n: v.seen.length, day: '2024-01-01' } });
    },
    view: (key, v) => ({ customerId: key, count: v.seen.length }),
  };
}

const event = (customerId: string, n: number): Counted => ({ eventId: `${customerId}-${n}`, eventTime: new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString(), customerId, causationId: null, type: 'Counted', payload: { n, day: '2024-01-01' } });

describe('partition tasks on the real stack', function () {
  this.timeout(120_000);
  let kafka: Kafka;
  let codec: SchemaCodec;
  let store: Store;
  before(async () => {
    const s = stack();
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
    store = await openStore({ uri: s.mongodbUri, database: uniqueName('streams').replace(/[-.]/g, '_') });
  });
  after(() => store.close());

  it('merges two topics in business-time order after a replay, dead-letters poison in place, checkpoints, and resumes from the checkpoint after a restart', async () => {
    const [a, b, out, dlq] = ['a', 'b', 'out', 'dlq'].map((t) => uniqueName(`test.streams.${t}`)) as [string, string, string, string];
    await ensureTopics(kafka, [a, b, out, dlq].map((name) => ({ name, partitions: 3 })));
    for (const t of [a, b, out]) await codec.register(t, COUNTER_SCHEMA);
    await codec.register(dlq, deadLetterSchema());
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    const customers = ['c1', 'c2', 'c3', 'c4', 'c5'];
    // Topic a holds the even minutes, topic b the odd ones (each in time order), each written in full before the
    // other: only a merge by business time gives each customer 0, 1, 2, ... in order.
    await producer.send(a, Array.from({ length: 30 }, (_, i) => customers.map((c) => ({ key: c, event: event(c, 2 * i) }))).flat());
    await producer.send(b, Array.from({ length: 30 }, (_, i) => customers.map((c) => ({ key: c, event: event(c, 2 * i + 1) }))).flat());
    await producer.sendRaw(a, [{ key: 'c1', value: Buffer.from('not avro') }]);

    const checkpoints = new MongoCheckpointStore(store, 'test_state');
    const groupId = uniqueName('streams-group');
    const start = (): StreamsRunner<Counted, { seen: number[] }> =>
      createStreamsRunner<Counted, { seen: number[] }>({
        kafka, codec, producer, service: 'test', groupId, topics: [a, b], deadLetterTopic: dlq, checkpoints,
        processor: () => listing(out),
        task: { commitIntervalMs: 200, maxIdleMs: 2000 },
        sessionTimeoutMs: 6000,
        metrics: createMetrics({ service: 'test' }),
        logger: createLogger({ name: 'test', level: 'warn' }),
      });
    const first = start();
    await first.start();
    const countOf = async () => new Map((await checkpoints.views()).map((v) => [v.customerId as string, v.count as number]));
    try {
      await waitFor('60 records per customer checkpointed', async () => [...(await countOf()).values()].filter((n) => n === 60).length === 5, { timeoutMs: 60_000, intervalMs: 100 });
      for (const task of first.tasks().values()) for (const [id, v] of task.store.entries()) assert.deepEqual(v.seen, Array.from({ length: 60 }, (_, i) => i), `${id} in business-time order: ${v.seen.join(",")}`);
    } finally {
      await first.stop();
    }

    // Later events, then a new instance of the service: it restores the checkpoint and goes on from its positions.
    await producer.send(a, customers.map((c) => ({ key: c, event: event(c, 60) })));
    const second = start();
    await second.start();
    try {
      await waitFor('61 records per customer', async () => [...(await countOf()).values()].filter((n) => n === 61).length === 5, { timeoutMs: 60_000, intervalMs: 100 });
      for (const task of second.tasks().values()) for (const [id, v] of task.store.entries()) assert.deepEqual(v.seen, Array.from({ length: 61 }, (_, i) => i), `${id}: restored, nothing processed twice`);
    } finally {
      await second.stop();
      await producer.disconnect();
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(dlq);
      assert.equal(offsets.reduce((s, o) => s + Number(o.high), 0), 1, 'the poison record was dead-lettered once');
      const outs = await admin.fetchTopicOffsets(out);
      assert.ok(outs.reduce((s, o) => s + Number(o.high), 0) >= 5 * 61, 'every record produced an output');
    } finally {
      await admin.disconnect();
    }
  });

  it('counts every join of the consumer group: at start, and at each rebalance another instance causes', async () => {
    const [a, out, dlq] = ['a', 'out', 'dlq'].map((t) => uniqueName(`test.streams.joins.${t}`)) as [string, string, string];
    await ensureTopics(kafka, [a, out, dlq].map((name) => ({ name, partitions: 3 })));
    await codec.register(out, COUNTER_SCHEMA);
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    const checkpoints = new MongoCheckpointStore(store, 'test_joins_state');
    const groupId = uniqueName('streams-joins');
    const instance = () => {
      const metrics = createMetrics({ service: 'test' });
      const runner = createStreamsRunner<Counted, { seen: number[] }>({
        kafka, codec, producer, service: 'test', groupId, topics: [a], deadLetterTopic: dlq, checkpoints,
        processor: () => listing(out),
        task: { commitIntervalMs: 200 },
        sessionTimeoutMs: 6000,
        metrics,
        logger: createLogger({ name: 'test', level: 'warn' }),
      });
      const joins = async () => (await metrics.registry.getSingleMetric('creditstream_group_joins_total')?.get())?.values[0]?.value ?? 0;
      return { runner, joins };
    };
    const first = instance();
    const second = instance();
    try {
      await first.runner.start();
      await waitFor('the first instance owns every partition', () => first.runner.tasks().size === 3, { timeoutMs: 60_000 });
      assert.equal(await first.joins(), 1);
      await second.runner.start();
      await waitFor('the partitions shared', () => first.runner.tasks().size > 0 && second.runner.tasks().size > 0 && first.runner.tasks().size + second.runner.tasks().size === 3, { timeoutMs: 60_000 });
      assert.equal(await first.joins(), 2, 'the first instance rejoined for the second');
      assert.equal(await second.joins(), 1);
      await second.runner.stop();
      await waitFor('the first instance owns every partition again', () => first.runner.tasks().size === 3, { timeoutMs: 60_000 });
      assert.equal(await first.joins(), 3, 'and again when it left');
    } finally {
      await second.runner.stop();
      await first.runner.stop();
      await producer.disconnect();
    }
  });
});

