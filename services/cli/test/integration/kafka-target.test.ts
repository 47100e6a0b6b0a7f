import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConsumerRunner, createKafka, createProducer } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { INPUT_TOPICS, loadSchema, TOPIC } from '@creditstream/schemas';
import { stack, uniqueName, waitFor } from '@creditstream/testing';
import { runImport } from '../../src/commands/import';
import { runSimulate } from '../../src/commands/simulate';
import { parseNdjsonLine } from '../../src/output/ndjson';
import type { EventRecord, InputEvent } from '../../src/simulator/records';
import { recordingIo } from '../helpers';

interface Received {
  readonly partition: number;
  readonly key: string;
  readonly event: InputEvent;
}

/**
 * Consumes the prefixed input topics until `expected` distinct events arrived; returns them per topic in arrival order,
 * each event once, as a consumer that drops duplicates by event id sees them. The producer is not idempotent: a
 * request that failed for one partition (a leader not elected yet right after the topics were created) is sent again
 * whole, so the partitions it had reached get their records twice (regression: a fresh-clone run received 78
 * customer events for 45).
 */
async function consumeInputs(prefix: string, expected: number): Promise<Map<string, Received[]>> {
  const { kafkaBrokers, schemaRegistryUrl } = stack();
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'cli-test' });
  const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
  for (const t of INPUT_TOPICS) await codec.register(`${prefix}${t}`, loadSchema(t));
  const producer = createProducer({ kafka, codec });
  await producer.connect();
  const byTopic = new Map<string, Received[]>();
  const seen = new Set<string>();
  const runner = createConsumerRunner<InputEvent>({
    kafka,
    codec,
    producer,
    service: uniqueName('cli-test'),
    topics: INPUT_TOPICS.map((t) => `${prefix}${t}`),
    handler: async (messages) => {
      for (const m of messages) {
        if (seen.has(m.event.eventId)) continue;
        seen.add(m.event.eventId);
        const topic = m.topic.slice(prefix.length);
        const list = byTopic.get(topic) ?? [];
        list.push({ partition: m.partition, key: m.key?.toString('utf8') ?? '', event: JSON.parse(JSON.stringify(m.event)) as InputEvent });
        byTopic.set(topic, list);
      }
    },
  });
  await runner.start();
  try {
    await waitFor(`${expected} distinct events consumed`, () => seen.size >= expected, { timeoutMs: 90_000 });
  } finally {
    await runner.stop();
    await producer.disconnect();
  }
  return byTopic;
}

function readNdjson(file: string): EventRecord[] {
  const out: EventRecord[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const entry = parseNdjsonLine(line);
    if ('error' in entry) assert.fail(entry.error);
    if (entry.kind === 'event') out.push(entry.record);
  }
  return out;
}

/** Events of each key in order, per topic. */
function perKey(records: readonly { key: string; event: InputEvent }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of records) out.set(r.key, [...(out.get(r.key) ?? []), JSON.stringify(r.event)]);
  return out;
}

describe('simulate and import to Kafka', function () {
  let dir: string;
  const env = () => {
    const { kafkaBrokers, schemaRegistryUrl } = stack();
    return { KAFKA_BROKERS: kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: schemaRegistryUrl, CREDITSTREAM_TOPIC_PREFIX: `${uniqueName('t')}.` };
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creditstream-kafka-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('simulate without --out publishes exactly what --out writes, keyed and ordered per customer, ticks on every partition', async () => {
    const environment = env();
    const options = { seed: 9, customers: 15, days: 25 };
    const truth = path.join(dir, 'truth.ndjson');
    const summary = await runSimulate({ ...options, truth }, recordingIo(), environment);
    const file = path.join(dir, 'sim.ndjson');
    await runSimulate({ ...options, out: file }, recordingIo());
    const expected = readNdjson(file);
    assert.equal(summary.events, expected.length);
    assert.equal(fs.readFileSync(truth, 'utf8').trimEnd().split('\n').length, summary.invoices);

    const received = await consumeInputs(environment.CREDITSTREAM_TOPIC_PREFIX, expected.length);
    for (const t of INPUT_TOPICS) {
      const want = expected.filter((r) => r.topic === t);
      const got = received.get(t) ?? [];
      assert.equal(got.length, want.length, t);
      if (t === TOPIC.clock) {
        for (const g of got) assert.equal(g.partition, (g.event.payload as { partition: number }).partition, 'each tick is on its own partition');
        assert.deepEqual(new Set(got.map((g) => g.partition)).size, new Set(want.map((w) => w.partition)).size);
      } else {
        assert.deepEqual(perKey(got), perKey(want), `${t}: same events in the same order per customer`);
      }
    }
  });

  it('import without --out publishes the rows\' events', async () => {
    const environment = env();
    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'customerId,invoiceId,invoiceDate,dueDate,amount,currency,settledDate,disputed\nC1,I1,2024-01-02,2024-02-01,10,USD,2024-01-05,yes\nC2,I2,2024-01-03,2024-02-02,99.99,EUR,,no\n');
    const summary = await runImport(csv, {}, recordingIo(), environment);
    const received = await consumeInputs(environment.CREDITSTREAM_TOPIC_PREFIX, summary.events);
    const types = [...received.values()].flat().map((r) => r.event.type).sort();
    assert.deepEqual(types.filter((t) => t !== 'BusinessDayTick'), ['CustomerRegistered', 'CustomerRegistered', 'DisputeResolved', 'InvoiceDisputed', 'InvoiceIssued', 'InvoiceIssued', 'PaymentReceived']);
    assert.equal(types.filter((t) => t === 'BusinessDayTick').length, summary.events - 7);
  });
});
