import { createKafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { TOPIC } from '@creditstream/schemas';

/** The most downstream topics first: the demo shows a few of the latest events of the first one that has data. */
const SHOWCASE = [TOPIC.invoicePredictions, TOPIC.featuresChanged, TOPIC.invoices];

/** Prints the last few events of the most downstream topic that has any. */
export async function showRecentEvents(endpoints: { kafkaBrokers: string; schemaRegistryUrl: string }, say: (line: string) => void, count = 5): Promise<void> {
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers.split(','), clientId: 'demo' });
  const codec = new SchemaCodec({ registryUrl: endpoints.schemaRegistryUrl });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of SHOWCASE) {
      if (!existing.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      const wanted = offsets.filter((o) => Number(o.high) > 0);
      if (wanted.length === 0) continue;
      const consumer = kafka.consumer({ groupId: `demo-recent-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic });
      const seen: { time: string; text: string }[] = [];
      let remaining = wanted.length;
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const e = await codec.decode<{ eventTime: string; customerId: string; type: string; payload: Record<string, unknown> }>(topic, m.value);
              seen.push({ time: e.eventTime, text: `${e.eventTime.slice(0, 10)} ${e.customerId} ${e.type} ${JSON.stringify(e.payload).slice(0, 220)}` });
            }
            const high = wanted.find((o) => o.partition === batch.partition)?.high;
            if (high !== undefined && Number(batch.lastOffset()) >= Number(high) - 1 && --remaining === 0) resolve();
          },
        });
      });
      for (const o of wanted) consumer.seek({ topic, partition: o.partition, offset: String(Math.max(0, Number(o.high) - count)) });
      await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
      await consumer.disconnect();
      seen.sort((a, b) => a.time.localeCompare(b.time));
      say(`latest events on ${topic}:`);
      for (const s of seen.slice(-count)) say(`  ${s.text}`);
      return;
    }
  } finally {
    await admin.disconnect();
  }
}
