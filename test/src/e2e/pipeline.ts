import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { runSimulate } from '@creditstream/cli';
import { SchemaCodec } from '@creditstream/schema';
import { createKafka } from '@creditstream/kafka';
import { addDays } from '@creditstream/features';
import { TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { stack, waitFor } from '@creditstream/testing';

/** A command Io that keeps quiet (tests assert on results, not on progress lines). */
export const quietIo = { out: () => undefined, err: () => undefined, now: () => performance.now() };

/** A Kafka client and a schema codec on the test stack (what a suite's `before` sets up). */
export function stackClients(clientId = 'test'): { kafka: Kafka; codec: SchemaCodec } {
  const s = stack();
  return { kafka: createKafka({ brokers: s.kafkaBrokers, clientId }), codec: new SchemaCodec({ registryUrl: s.schemaRegistryUrl }) };
}

/** Simulates a company into the topics of `prefix`. */
export async function simulateInto(prefix: string, options: { seed: number; customers: number; days: number }): Promise<{ events: number }> {
  const summary = await runSimulate(options, quietIo, { ...process.env, CREDITSTREAM_TOPIC_PREFIX: prefix });
  return { events: summary.events };
}

/** Waits until consumer group `groupId` has committed the end of every partition of `topics`. */
export async function waitCaughtUp(kafka: Kafka, groupId: string, topics: readonly string[], timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `${groupId} caught up with ${topics.length} topics`,
      async () => {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const end of ends) {
            const c = committed?.partitions.find((p) => p.partition === end.partition);
            if (Number(end.high) > 0 && Number(c?.offset ?? -1) < Number(end.high)) return false;
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Visits every message of a topic up to its end offsets at the call, decoded, in offset order within each partition
 * (partitions interleave): for topics too large to hold decoded in memory.
 */
export async function scanTopic<E>(kafka: Kafka, codec: SchemaCodec, topic: string, visit: (m: { partition: number; offset: number; event: E }) => void): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Set(ends.filter((e) => Number(e.high) > 0).map((e) => e.partition));
  let seen = 0;
  if (remaining.size === 0) return seen;
  const consumer = kafka.consumer({ groupId: `scan-${topic}-${Date.now()}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const high = Number(ends.find((e) => e.partition === batch.partition)?.high ?? 0);
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= high) break;
          visit({ partition: batch.partition, offset, event: await codec.decode<E>(topic, m.value) });
          seen += 1;
          if (offset === high - 1) remaining.delete(batch.partition);
        }
        if (remaining.size === 0) resolve();
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

/** Reads a whole topic, decoded, in partition order: [partition, offset, event]. */
export async function readTopic<E>(kafka: Kafka, codec: SchemaCodec, topic: string): Promise<{ partition: number; offset: number; event: E }[]> {
  const out: { partition: number; offset: number; event: E }[] = [];
  await scanTopic<E>(kafka, codec, topic, (m) => void out.push(m));
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}


/**
 * Starts a service's compiled `main.js` as a child process. `announced` resolves once its runtime is up far enough
 * to have announced itself to Prometheus (HTTP listening, signal handlers installed): a SIGTERM after that is a
 * clean, drained stop; one before it can only kill a process that is still loading its modules.
 */
export function spawnService(main: string, env: NodeJS.ProcessEnv, options: { stdoutFile?: string } = {}): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null>; announced: Promise<void>; metric: (name: string) => Promise<number>; metricSum: (name: string) => Promise<number> } {
  const targets = mkdtempSync(join(tmpdir(), 'targets-'));
  // Its log lines (stdout) go to `stdoutFile` when given, else nowhere; stderr (a failed start's error) is inherited.
  const stdout = options.stdoutFile === undefined ? 'ignore' : openSync(options.stdoutFile, 'a');
  const child = spawn(process.execPath, [main], { env: { ...env, CREDITSTREAM_PROMETHEUS_SD_DIR: targets }, stdio: ['ignore', stdout, 'inherit'] });
  if (typeof stdout === 'number') closeSync(stdout);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const announced = waitFor(`${main} to announce itself`, () => readdirSync(targets).length > 0, { timeoutMs: 120_000, intervalMs: 20 }).then(() => undefined);
  // The value of a metric with one series (the registry's default labels only), at the address it announced.
  const metric = async (name: string): Promise<number> => {
    await announced;
    const [target] = JSON.parse(readFileSync(join(targets, readdirSync(targets)[0] as string), 'utf8')) as { targets: string[] }[];
    const text = await (await fetch(`http://${target?.targets[0]}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    if (line === undefined) throw new Error(`${main}: no metric ${name} on /metrics`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  // The sum of every series of a metric (all label values), 0 when it has none yet.
  const metricSum = async (name: string): Promise<number> => {
    await announced;
    const [target] = JSON.parse(readFileSync(join(targets, readdirSync(targets)[0] as string), 'utf8')) as { targets: string[] }[];
    const text = await (await fetch(`http://${target?.targets[0]}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  return { child, exited, announced, metric, metricSum };
}

/** A business-day tick on every partition of the clock topic for each calendar day from `from` to `to`, in order. */
export function dailyTicks(from: string, to: string): { key: string; partition: number; event: object }[] {
  const partitions = topicSpec(TOPIC.clock).partitions;
  const ticks = [];
  let previous: string | null = null;
  for (let d = from; d <= to; d = addDays(d, 1)) {
    for (let partition = 0; partition < partitions; partition++) ticks.push({ key: '*', partition, event: { eventId: `tick-${d}-p${partition}`, eventTime: `${d}T00:00:00.000Z`, customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: d, previousBusinessDate: previous, partition } } });
    previous = d;
  }
  return ticks;
}
