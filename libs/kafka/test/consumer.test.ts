import assert from 'node:assert/strict';
import { createMetrics } from '@creditstream/metrics';
import { SchemaCodec } from '@creditstream/schema';
import { COUNTER_SCHEMA, counted, deadLetterSchema, stack, uniqueName, waitFor, type Counted } from '@creditstream/testing';
import { BrokerUnavailableError, createConsumerRunner, createKafka, createProducer, DEFAULT_MAX_REQUEST_BYTES, ensureTopics, PoisonMessageError, splitRequests, type InboundMessage, type Kafka } from '../src';

const DEAD_LETTER_SCHEMA = deadLetterSchema();

describe('kafka producer and consumer runner on the real broker', function () {
  let schemaRegistryUrl: string;
  let kafka: Kafka;
  before(() => {
    const s = stack();
    schemaRegistryUrl = s.schemaRegistryUrl;
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
  });

  it('round-trips Avro events producer → broker → consumer, in per-partition order', async () => {
    const topic = uniqueName('test.roundtrip');
    await ensureTopics(kafka, [{ name: topic, partitions: 3 }]);
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, COUNTER_SCHEMA);
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    const sent = ['A', 'B', 'C', 'D'].flatMap((c) => Array.from({ length: 25 }, (_, i) => ({ key: c, event: counted(c, i) })));
    await producer.send(topic, sent);
    const seen = new Map<string, number[]>();
    const runner = createConsumerRunner<Counted>({
      kafka, codec, producer, service: uniqueName('svc'), topics: [topic],
      handler: async (messages) => {
        for (const m of messages) seen.set(m.event.customerId, [...(seen.get(m.event.customerId) ?? []), m.event.payload.n]);
      },
    });
    await runner.start();
    try {
      await waitFor('all 100 events consumed', () => [...seen.values()].reduce((s, v) => s + v.length, 0) === 100);
      for (const c of ['A', 'B', 'C', 'D']) assert.deepEqual(seen.get(c), Array.from({ length: 25 }, (_, i) => i), `order of ${c}`);
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
  });

  it('sends a batch of several MB (over the broker\'s 1 MiB max.message.bytes) in order, split into requests', async function () {
    this.timeout(120_000);
    const topic = uniqueName('test.large');
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, COUNTER_SCHEMA);
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    // 6,000 events of ~750 bytes to one partition: ~4.5 MB, which one request carries as one record batch. The bulk
    // is in the key, customer id and event id, each within the 256 characters a consumer accepts (MAX_ID_LENGTH).
    const customer = `C${'x'.repeat(240)}`;
    const sent = Array.from({ length: 6000 }, (_, i) => ({ key: customer, event: counted(customer, i) }));
    const seen: number[] = [];
    const runner = createConsumerRunner<Counted>({
      kafka, codec, producer, service: uniqueName('svc'), topics: [topic],
      handler: async (messages) => {
        for (const m of messages) seen.push(m.event.payload.n);
      },
    });
    try {
      await producer.sendBatch([{ topic, messages: sent }]);
      await runner.start();
      await waitFor('all 6,000 events consumed', () => seen.length === 6000, { timeoutMs: 60_000 });
      assert.deepEqual(seen, Array.from({ length: 6000 }, (_, i) => i));
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
  });

  it('creates the same topics from several clients at once (services starting together), every call waiting for the leaders', async function () {
    this.timeout(120_000);
    for (let round = 0; round < 5; round++) {
      // Overlapping sets, as two services share a topic: the one that loses the race to create the shared topic gets
      // "already exists" for its whole request, while its own topics are still being created.
      const shared = { name: uniqueName(`test.race${round}.shared`), partitions: 6 };
      const sets = [0, 1, 2].map((i) => [shared, ...[0, 1, 2].map((j) => ({ name: uniqueName(`test.race${round}.own${i}.${j}`), partitions: 6 }))]);
      const clients = sets.map((_, i) => createKafka({ brokers: stack().kafkaBrokers, clientId: `race-${i}` }));
      await Promise.all(clients.map((k, i) => ensureTopics(k, sets[i] as typeof shared[])));
      const admin = kafka.admin();
      await admin.connect();
      try {
        const names = [...new Set(sets.flat().map((t) => t.name))];
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
        assert.deepEqual(meta.map((t) => t.partitions.filter((p) => p.leader >= 0).length), names.map(() => 6));
      } finally {
        await admin.disconnect();
      }
    }
  });

  it('splits sends into requests under the byte limit, keeping the order and the topics', () => {
    const m = (topic: string, n: number, bytes: number) => ({ key: 'k', value: Buffer.alloc(bytes, n), topic });
    const batches = [
      { topic: 'a', messages: [m('a', 1, 100), m('a', 2, 100), m('a', 3, 100)] },
      { topic: 'b', messages: [m('b', 4, 100), m('b', 5, 1000)] },
    ];
    const requests = splitRequests(batches, 400);
    const shape = requests.map((r) => r.map((b) => `${b.topic}:${b.messages.map((x) => x.value[0]).join(',')}`));
    // 100 + 1 + 64 = 165 bytes each: two per request; the 1,065-byte one goes alone.
    assert.deepEqual(shape, [['a:1,2'], ['a:3', 'b:4'], ['b:5']]);
    assert.deepEqual(splitRequests([], 400), []);
    assert.equal(DEFAULT_MAX_REQUEST_BYTES, 512 * 1024);
  });

  it('sends poison messages to the dead-letter topic with bytes, headers, offset and reason, and keeps the partition flowing', async () => {
    const topic = uniqueName('test.poison');
    const service = uniqueName('svc');
    const dlq = `creditstream.${service}.dlq.v1`;
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }, { name: dlq, partitions: 1 }]);
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, COUNTER_SCHEMA);
    await codec.register(dlq, DEAD_LETTER_SCHEMA);
    const metrics = createMetrics({ service });
    const producer = createProducer({ kafka, codec, metrics });
    await producer.connect();
    await producer.send(topic, [{ key: 'A', event: counted('A', 1) }]);
    await producer.sendRaw(topic, [{ key: 'A', value: Buffer.from('not avro at all'), headers: { origin: 'legacy-erp' } }]);
    await producer.send(topic, [{ key: 'A', event: counted('A', -5) }, { key: 'A', event: counted('A', 3) }]);

    const processed: number[] = [];
    const runner = createConsumerRunner<Counted>({
      kafka, codec, producer, service, topics: [topic], metrics,
      handler: async (messages) => {
        // A domain rule: counts are never negative. The whole batch fails; the runner isolates the culprit.
        if (messages.some((m) => m.event.payload.n < 0)) throw new PoisonMessageError('NEGATIVE_COUNT', `n=${messages.find((m) => m.event.payload.n < 0)?.event.payload.n} is negative`);
        for (const m of messages) processed.push(m.event.payload.n);
      },
    });
    const deadLetters: InboundMessage<{ causationId: string | null; payload: Record<string, unknown> }>[] = [];
    const dlqReader = createConsumerRunner<{ causationId: string | null; payload: Record<string, unknown> }>({
      kafka, codec, producer, service: uniqueName('dlq-reader'), topics: [dlq],
      handler: async (messages) => void deadLetters.push(...messages),
    });
    await runner.start();
    await dlqReader.start();
    try {
      await waitFor('two dead letters and the good messages', () => deadLetters.length === 2 && processed.length === 2);
      assert.deepEqual(processed, [1, 3]);
      const [undecodable, negative] = deadLetters.map((d) => d.event);
      assert.ok(undecodable && negative);
      assert.equal(undecodable.payload.reasonCode, 'SCHEMA_DECODE_FAILED');
      assert.equal(undecodable.payload.originalOffset, 1);
      assert.equal(undecodable.payload.originalTopic, topic);
      assert.equal((undecodable.payload.originalValue as Buffer).toString(), 'not avro at all');
      assert.equal((undecodable.payload.originalKey as Buffer).toString(), 'A');
      assert.deepEqual((undecodable.payload.originalHeaders as { key: string; value: Buffer }[]).map((h) => [h.key, h.value.toString()]), [['origin', 'legacy-erp']]);
      assert.equal(negative.payload.reasonCode, 'NEGATIVE_COUNT');
      assert.match(String(negative.payload.reasonMessage), /n=-5 is negative/);
      assert.equal(negative.causationId, 'A--5');
      const text = await metrics.registry.metrics();
      assert.match(text, new RegExp(`creditstream_dead_letters_total\\{topic="${topic.replace(/\./g, '\\.')}",reason="SCHEMA_DECODE_FAILED",service="${service}"\\} 1`));
      // Everything, poison included, is committed: the partition moved on.
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await waitFor('offsets committed to the end', async () => {
        const [t] = await admin.fetchOffsets({ groupId: service, topics: [topic] });
        return t?.partitions[0]?.offset === '4' ? t.partitions : undefined;
      });
      await admin.disconnect();
      assert.equal(offsets[0]?.offset, '4');
    } finally {
      await runner.stop();
      await dlqReader.stop();
      await producer.disconnect();
    }
  });

  it('retries a batch that failed with a retriable error, with backoff, and then moves on', async () => {
    const topic = uniqueName('test.retry');
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, COUNTER_SCHEMA);
    const service = uniqueName('svc');
    const metrics = createMetrics({ service });
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    await producer.send(topic, [1, 2, 3].map((n) => ({ key: 'A', event: counted('A', n) })));
    let failuresLeft = 2;
    const attempts: number[] = [];
    const processed: number[] = [];
    const runner = createConsumerRunner<Counted>({
      kafka, codec, producer, service, topics: [topic], metrics, retry: { initialMs: 20, maxMs: 100 },
      handler: async (messages) => {
        attempts.push(Date.now());
        if (failuresLeft-- > 0) throw new BrokerUnavailableError('store briefly unreachable');
        processed.push(...messages.map((m) => m.event.payload.n));
      },
    });
    await runner.start();
    try {
      await waitFor('processed after two retriable failures', () => processed.length === 3);
      assert.deepEqual(processed, [1, 2, 3]);
      assert.equal(attempts.length, 3);
      assert.ok((attempts[2] ?? 0) - (attempts[1] ?? 0) >= (attempts[1] ?? 0) - (attempts[0] ?? 0) - 5, 'backoff does not shrink');
      assert.match(await metrics.registry.metrics(), /creditstream_consumer_retries_total\{topic="[^"]+",code="BROKER_UNAVAILABLE",service="[^"]+"\} 2/);
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
  });

  // Regression: kafkajs reports a rebalance through heartbeat() as a non-retriable protocol error
  // (REBALANCE_IN_PROGRESS); a handler that heartbeats (the scoring service does, between chunks) had its batch
  // "isolated" as poison, and good messages could reach the dead-letter topic.
  it('treats a rebalance seen through a handler heartbeat as retriable: no dead letters, every message processed', async function () {
    this.timeout(120_000);
    const topic = uniqueName('test.rebalance');
    const service = uniqueName('svc');
    const dlq = `creditstream.${service}.dlq.v1`;
    await ensureTopics(kafka, [{ name: topic, partitions: 2 }, { name: dlq, partitions: 1 }]);
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, COUNTER_SCHEMA);
    await codec.register(dlq, DEAD_LETTER_SCHEMA);
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    await producer.send(topic, ['A', 'B', 'C', 'D'].flatMap((c) => Array.from({ length: 20 }, (_, i) => ({ key: c, event: counted(c, i) }))));

    const processed = new Set<string>();
    let second: ReturnType<typeof createConsumerRunner> | null = null;
    let heartbeatFailed = false;
    const handler = async (messages: InboundMessage<Counted>[], ctx: { heartbeat(): Promise<void> }) => {
      if (second === null) {
        // The first batch: a second member joins, and this one heartbeats until the broker says the group rebalances.
        second = createConsumerRunner<Counted>({ kafka, codec, producer, service, topics: [topic], handler, sessionTimeoutMs: 10_000 });
        void second.start();
        await waitFor('the broker to report the rebalance through a heartbeat', async () => {
          try {
            await ctx.heartbeat();
            return false;
          } catch {
            heartbeatFailed = true;
            return true;
          }
        }, { timeoutMs: 60_000, intervalMs: 100 });
      }
      for (const m of messages) processed.add(`${m.event.customerId}:${m.event.payload.n}`);
      // Like the scoring service: a heartbeat between chunks of work.
      await ctx.heartbeat();
    };
    const first = createConsumerRunner<Counted>({ kafka, codec, producer, service, topics: [topic], handler, sessionTimeoutMs: 10_000 });
    await first.start();
    try {
      await waitFor('all 80 events processed', () => processed.size === 80, { timeoutMs: 90_000 });
      assert.ok(heartbeatFailed, 'the rebalance was seen through a heartbeat');
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(dlq);
      await admin.disconnect();
      assert.deepEqual(offsets.map((o) => o.high), ['0'], 'nothing was dead-lettered');
    } finally {
      await first.stop();
      await (second as ReturnType<typeof createConsumerRunner> | null)?.stop();
      await producer.disconnect();
    }
  });
});
