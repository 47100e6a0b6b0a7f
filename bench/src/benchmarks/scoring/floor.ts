import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Partitioners, type Kafka } from 'kafkajs';
import { ensureTopics } from '@creditstream/kafka';
import { percentile } from './latency';
import { waitUntil } from './wait';

export interface FloorOptions {
  brokers: string[];
  runId: string;
  /** Messages per second, paced as the live stream is (a chunk every 10 ms). */
  rate: number;
  messages: number;
  partitions: number;
  valueBytes: number;
  /** Consume → produce hops between the input and the benchmark's consumer. */
  hops: number;
  log: (m: string) => void;
}

/**
 * The latency floor of a pipeline: a raw kafkajs pipe with the same number of consume → produce hops as the
 * services (each hop its own process, forwarding unchanged), fed at the same rate with messages of the same size
 * over the same partitions, read by a consumer configured as the benchmark's output consumer. Latency = received by
 * that consumer − handed to the producer, both in this process.
 */
export async function measureLatencyFloor(kafka: Kafka, o: FloorOptions): Promise<{ p50: number; p99: number; max: number; samples: number; achievedRate: number }> {
  const topics = Array.from({ length: o.hops + 1 }, (_, i) => `bench.floor-${i}.${o.runId}`);
  await ensureTopics(kafka, topics.map((name) => ({ name, partitions: o.partitions })));
  const hops: ChildProcess[] = [];
  const joined: boolean[] = [];
  try {
    for (let h = 0; h < o.hops; h++) {
      const child = spawn(process.execPath, [join(__dirname, 'hop.js')], {
        env: { ...process.env, KAFKA_BROKERS: o.brokers.join(','), BENCH_HOP_FROM: topics[h], BENCH_HOP_TO: topics[h + 1], BENCH_HOP_GROUP: `bench-floor-hop-${h}-${o.runId}`, BENCH_HOP_PARTITIONS: String(o.partitions) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      joined[h] = false;
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('joined')) joined[h] = true;
      });
      hops.push(child);
    }
    await waitUntil('the floor hops to join their groups', 60_000, async () => joined.every(Boolean));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 5 });
    await producer.connect();
    const consumer = kafka.consumer({ groupId: `bench-floor-out-${o.runId}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: topics[o.hops] as string, fromBeginning: false });
    let assigned = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
    const sent = new Float64Array(o.messages).fill(NaN);
    const latencies: number[] = [];
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        const received = performance.now();
        for (const m of batch.messages) {
          const i = (m.value as Buffer).readUInt32BE(0);
          if (i < o.messages && !Number.isNaN(sent[i] as number)) latencies.push(received - (sent[i] as number));
        }
      },
    });
    await waitUntil('the floor consumer to join', 60_000, async () => assigned);
    // The hops' first fetches and the producer's first metadata round trips are not part of the floor.
    const warmup = randomBytes(o.valueBytes);
    warmup.writeUInt32BE(0xffffffff, 0);
    for (let i = 0; i < 20; i++) {
      await producer.send({ topic: topics[0] as string, acks: -1, messages: Array.from({ length: o.partitions * 2 }, (_, j) => ({ key: `W${j}`, value: warmup })) });
      await new Promise((r) => setTimeout(r, 100));
    }
    const chunk = Math.max(1, Math.round(o.rate / 100));
    const started = performance.now();
    for (let i = 0; i < o.messages; i += chunk) {
      const due = started + (i / o.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const n = Math.min(chunk, o.messages - i);
      const messages = Array.from({ length: n }, (_, j) => {
        const value = randomBytes(o.valueBytes);
        value.writeUInt32BE(i + j, 0);
        return { key: `C${(i + j) % 10_000}`, value };
      });
      const t = performance.now();
      for (let j = 0; j < n; j++) sent[i + j] = t;
      await producer.send({ topic: topics[0] as string, acks: -1, messages });
    }
    const achievedRate = o.messages / ((performance.now() - started) / 1000);
    await waitUntil('the floor pipe to deliver every message', 120_000, async () => latencies.length >= o.messages);
    await consumer.disconnect();
    await producer.disconnect();
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN, samples: latencies.length, achievedRate };
  } finally {
    for (const h of hops) {
      if (h.exitCode === null && h.signalCode === null) {
        const exited = new Promise((r) => h.on('exit', r));
        h.kill('SIGTERM');
        await exited;
      }
    }
  }
}
