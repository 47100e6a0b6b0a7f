import { Partitioners } from 'kafkajs';
import { createKafka } from '@creditstream/kafka';

/**
 * One hop of the latency floor, as its own process (like a service): a raw kafkajs consumer that forwards every
 * message of BENCH_HOP_FROM to BENCH_HOP_TO with a raw kafkajs producer, unchanged, one send per fetched batch —
 * no decoding, no state, no database. Exits on SIGTERM.
 */
async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const from = process.env.BENCH_HOP_FROM as string;
  const to = process.env.BENCH_HOP_TO as string;
  const kafka = createKafka({ brokers, clientId: `bench-hop-${from}` });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${process.env.BENCH_HOP_GROUP as string}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: false });
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\n'));
  await consumer.run({
    partitionsConsumedConcurrently: Number(process.env.BENCH_HOP_PARTITIONS ?? '6'),
    eachBatch: async ({ batch }) => {
      await producer.send({ topic: to, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, partition: batch.partition })) });
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
