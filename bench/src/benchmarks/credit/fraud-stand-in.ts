import { createKafka, createProducer } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, type FraudCheckEvent, type OrderEnvelope } from '@creditstream/schemas';

/**
 * The fraud hop of the credit benchmark, as its own process: a kafkajs consumer of the orders topic that answers
 * every OrderPlaced whose id starts with BENCH_FRAUD_PREFIX with a CLEAR fraud check (Avro decode, encode, produce;
 * no state), one send per fetched batch — the cheapest fraud service there can be, so the figure measures the
 * credit service's wait, not a fraud service's work. Exits on SIGTERM.
 */
async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const from = process.env.BENCH_ORDERS_TOPIC as string;
  const to = process.env.BENCH_FRAUD_TOPIC as string;
  const prefix = process.env.BENCH_FRAUD_PREFIX as string;
  const kafka = createKafka({ brokers, clientId: 'bench-fraud-stand-in' });
  const codec = new SchemaCodec({ registryUrl: process.env.SCHEMA_REGISTRY_URL as string });
  await codec.register(to, loadSchema(TOPIC.fraudChecks));
  const producer = createProducer({ kafka, codec });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: process.env.BENCH_FRAUD_GROUP as string, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: false });
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\n'));
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      const checks: { key: string; event: FraudCheckEvent }[] = [];
      for (const m of batch.messages) {
        const order = await codec.decode<OrderEnvelope>(from, m.value);
        if (order.type !== 'OrderPlaced' || !order.payload.orderId.startsWith(prefix)) continue;
        checks.push({ key: order.customerId, event: { eventId: `${order.customerId}:fraud-check:${order.payload.orderId}`, eventTime: order.eventTime, customerId: order.customerId, causationId: order.eventId, type: 'FraudCheck', payload: { orderId: order.payload.orderId, outcome: 'CLEAR', score: 0, reasons: [], ruleSetVersion: 'bench-stand-in', reviewThreshold: null } } });
      }
      if (checks.length > 0) await producer.send(to, checks);
    },
  });
  process.once('SIGTERM', () => {
    void consumer
      .disconnect()
      .then(() => producer.disconnect())
      .finally(() => process.exit(0));
  });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
