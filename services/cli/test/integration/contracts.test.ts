import * as assert from 'node:assert/strict';
import { createConsumerRunner, createKafka, createProducer, ensureTopics } from '@creditstream/kafka';
import { SchemaCodec, SchemaRejectedError } from '@creditstream/schema';
import { type CreditstreamEvent, EVENT_TYPES, EXAMPLE_EVENTS, loadSchemaFile, TOPICS } from '@creditstream/schemas';
import { stack, uniqueName, waitFor } from '@creditstream/testing';

interface SchemaJson {
  fields: { name: string; type: unknown; default?: unknown }[];
}

/** The schema files with one topic name each (dead-letter topics share one schema: it is tested once). */
const SCHEMAS = [...new Map(TOPICS.map((t) => [t.schema, t.name])).entries()].map(([file, topic]) => ({ file, topic }));

function payloadBranches(schema: SchemaJson): { name: string; fields: { name: string; type: unknown; default?: unknown }[] }[] {
  const payload = schema.fields.find((f) => f.name === 'payload');
  return payload?.type as { name: string; fields: { name: string; type: unknown; default?: unknown }[] }[];
}

/** JSON form for comparing decoded values (avsc decodes records into class instances). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

// stack() is read inside the tests: spec files load before the mocha global setup has started the stack.
describe('event contracts on the real registry and broker', function () {
  it('every schema registers with BACKWARD compatibility', async () => {
    const { schemaRegistryUrl } = stack();
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    for (const { file, topic } of SCHEMAS) {
      const name = uniqueName(topic);
      const id = await codec.register(name, loadSchemaFile(file));
      assert.ok(id > 0, file);
      const res = await fetch(`${schemaRegistryUrl}/config/${encodeURIComponent(`${name}-value`)}`);
      const config = (await res.json()) as { compatibilityLevel?: string; compatibility?: string };
      assert.equal(config.compatibilityLevel ?? config.compatibility, 'BACKWARD', file);
      // Registering the same schema again is a no-op that returns the same id.
      assert.equal(await codec.register(name, loadSchemaFile(file)), id, file);
    }
  });

  it('every event type round-trips through the real broker', async () => {
    const { kafkaBrokers, schemaRegistryUrl } = stack();
    const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'contracts-test' });
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    const topicOf = new Map<string, string>();
    for (const { topic } of SCHEMAS) topicOf.set(topic, uniqueName(topic));
    await ensureTopics(kafka, [...topicOf.values()].map((name) => ({ name, partitions: 2 })));
    for (const { file, topic } of SCHEMAS) await codec.register(topicOf.get(topic) as string, loadSchemaFile(file));
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    const sent: CreditstreamEvent[] = [];
    for (const { topic } of SCHEMAS) {
      const events = EVENT_TYPES[topic as keyof typeof EVENT_TYPES].map((type) => EXAMPLE_EVENTS[type] as CreditstreamEvent);
      await producer.send(topicOf.get(topic) as string, events.map((event) => ({ key: event.customerId, event })));
      sent.push(...events);
    }
    const received = new Map<string, unknown>();
    const runner = createConsumerRunner<CreditstreamEvent>({
      kafka,
      codec,
      producer,
      service: uniqueName('contracts'),
      topics: [...topicOf.values()],
      handler: async (messages) => {
        for (const m of messages) received.set(m.event.eventId, m.event);
      },
    });
    await runner.start();
    try {
      await waitFor(`all ${sent.length} example events consumed`, () => received.size === sent.length, { timeoutMs: 60_000 });
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
    assert.equal(sent.length, Object.keys(EXAMPLE_EVENTS).length);
    for (const event of sent) assert.deepEqual(plain(received.get(event.eventId)), plain(event), event.type);
  });

  describe('schema evolution under BACKWARD compatibility', () => {
    const base = () => loadSchemaFile('creditstream.invoices.events.v1.avsc') as SchemaJson;

    async function registerTwice(changed: SchemaJson): Promise<number> {
      const { schemaRegistryUrl } = stack();
      const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
      const name = uniqueName('evolution.invoices');
      await codec.register(name, base());
      return codec.register(name, changed);
    }

    it('refuses a new required field (readers of the new schema could not read old events)', async () => {
      const s = base();
      payloadBranches(s).find((b) => b.name === 'InvoiceIssued')?.fields.push({ name: 'salesRegion', type: 'string' });
      await assert.rejects(registerTwice(s), (e: unknown) => e instanceof SchemaRejectedError && /409|incompatib/i.test(e.message));
    });

    it('refuses removing an event type', async () => {
      const s = base();
      const payload = s.fields.find((f) => f.name === 'payload');
      if (payload) payload.type = payloadBranches(s).filter((b) => b.name !== 'InvoiceWrittenOff');
      await assert.rejects(registerTwice(s), SchemaRejectedError);
    });

    it('refuses changing a field\'s type', async () => {
      const s = base();
      const issued = payloadBranches(s).find((b) => b.name === 'InvoiceIssued');
      const amount = issued?.fields.find((f) => f.name === 'amountMinor');
      if (amount) amount.type = 'string';
      await assert.rejects(registerTwice(s), SchemaRejectedError);
    });

    it('accepts an optional field with a default and a new event type', async () => {
      const s = base();
      payloadBranches(s).find((b) => b.name === 'InvoiceIssued')?.fields.push({ name: 'salesRegion', type: ['null', 'string'], default: null });
      payloadBranches(s).push({ type: 'record', name: 'InvoiceReminderSent', fields: [{ name: 'invoiceId', type: 'string' }] } as never);
      assert.ok((await registerTwice(s)) > 0);
    });
  });
});
