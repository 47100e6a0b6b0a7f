import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { ensureTopics } from '@creditstream/kafka';

/**
 * The ceiling of the pipe: a raw kafkajs consumer that forwards every message to another topic with a raw kafkajs
 * producer — no decoding, no work. Services' throughput is reported as a ratio to this, measured on the same broker
 * in the same run, so the figure says what the service costs rather than how fast this machine is.
 */
export async function measurePassthrough(kafka: Kafka, options: { messages: number; partitions: number; valueBytes: number; runId: string }): Promise<{ eventsPerSecond: number; seconds: number }> {
  const input = `bench.passthrough-in.${options.runId}`;
  const output = `bench.passthrough-out.${options.runId}`;
  await ensureTopics(kafka, [{ name: input, partitions: options.partitions }, { name: output, partitions: options.partitions }]);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();
  const value = randomBytes(options.valueBytes);
  const chunk = 5_000;
  for (let i = 0; i < options.messages; i += chunk) {
    const n = Math.min(chunk, options.messages - i);
    await producer.send({ topic: input, acks: -1, messages: Array.from({ length: n }, (_, j) => ({ key: `C${(i + j) % 10_000}`, value })) });
  }
  const consumer = kafka.consumer({ groupId: `bench-passthrough-${options.runId}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic: input, fromBeginning: true });
  let forwarded = 0;
  let started = 0n;
  const done = new Promise<bigint>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (started === 0n) started = process.hrtime.bigint();
        await producer.send({ topic: output, acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) });
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await heartbeat();
        forwarded += batch.messages.length;
        if (forwarded >= options.messages) resolve(process.hrtime.bigint());
      },
    });
  });
  const ended = await done;
  await consumer.disconnect();
  await producer.disconnect();
  const seconds = Number(ended - started) / 1e9;
  return { eventsPerSecond: options.messages / seconds, seconds };
}
