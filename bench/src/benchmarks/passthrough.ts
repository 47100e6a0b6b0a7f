import { createKafka } from '@creditstream/kafka';
import type { Benchmark } from '../benchmark';
import { measurePassthrough } from '../passthrough';

/** The raw kafkajs consume → produce ceiling on its own: the reference every pipeline figure is divided by. */
export const passthrough: Benchmark = {
  name: 'passthrough',
  description: 'raw kafkajs consume → produce passthrough (the pipe ceiling)',
  async run(ctx) {
    const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench' });
    const messages = ctx.argInt('messages', 200_000);
    const r = await measurePassthrough(kafka, { messages, partitions: 6, valueBytes: 200, runId: ctx.runId });
    return {
      figures: { ceiling_events_per_s: { value: Math.round(r.eventsPerSecond), unit: 'events/s' } },
      notes: [`${messages.toLocaleString('en-US')} messages of 200 bytes over 6 partitions, forwarded in ${r.seconds.toFixed(1)} s.`],
    };
  },
};
