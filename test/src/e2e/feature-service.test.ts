import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTIONS, createFeatureService, diffStore, FEATURE_INPUTS, FeatureStateReader, foldEventLog, loadFeatureServiceConfig, readEventLog, versionOf, type CustomerValue } from '@creditstream/feature-service';
import { committedTotal, createKafka, createProducer, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { applyTick, appliedOffset, findInvoice, invoiceFeatures, sourceKey, vectorFromInputs, type InvoiceState } from '@creditstream/features';
import { loadSchema, TOPIC, type BusinessDayTickEvent, type CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import { compressedJsonSerde } from '@creditstream/streams';
import { openStore, type Store } from '@creditstream/store';
import { REPO_ROOT, stack, uniqueName, waitFor, type StackEndpoints } from '@creditstream/testing';
import { runFeaturesRebuild, runFeaturesVerify } from '@creditstream/cli';
import { readTopic, scanTopic, simulateInto, spawnService, waitCaughtUp } from './pipeline';

const SERVICE_MAIN = join(REPO_ROOT, 'services', 'feature-service', 'dist', 'src', 'main.js');

/** Changes one customer's committed state in place (to prove that verify sees a difference). */
async function tamper(store: Store, customerId: string, change: (value: CustomerValue) => void): Promise<void> {
  const serde = compressedJsonSerde<CustomerValue>();
  const docs = store.collection<{ _id: string; kind: string; slots?: Record<string, string>; entries?: { k: string; v: { buffer: Uint8Array } }[] }>(COLLECTIONS.state);
  const live = (await docs.find({ kind: 'task' }).toArray()).flatMap((t) => Object.values(t.slots ?? {}));
  const slot = await docs.findOne({ _id: { $in: live }, 'entries.k': customerId });
  assert.ok(slot?.entries, `${customerId} is in a committed slot`);
  const entries = slot.entries.map((e) => {
    if (e.k !== customerId) return e;
    const value = serde.deserialize(Buffer.from(e.v.buffer));
    change(value);
    return { k: e.k, v: serde.serialize(value) };
  });
  await docs.updateOne({ _id: slot._id }, { $set: { entries } as never });
}

function isolation(name: string) {
  const prefix = `${uniqueName(name)}.`;
  return { prefix, database: uniqueName('fs').replace(/[-.]/g, '_'), groupId: uniqueName('feature-service'), topic: (t: string) => `${prefix}${t}` };
}

/**
 * Checks that no customer's `customer features changed` version ever goes down, in the order consumers see them once
 * they drop duplicates by id (a replay after a crash produces events again, each identical to its first copy).
 * Streams the topic (a year of daily announcements does not fit in memory decoded); returns the customers seen.
 */
async function assertVersionsNeverDecrease(kafka: Kafka, codec: SchemaCodec, topic: string): Promise<number> {
  const last = new Map<string, number>();
  const seen = new Map<string, string>();
  await scanTopic<CustomerFeaturesChangedEvent>(kafka, codec, topic, ({ event }) => {
    const digest = createHash('sha1').update(JSON.stringify(event)).digest('base64');
    const first = seen.get(event.eventId);
    if (first !== undefined) {
      assert.equal(digest, first, `${event.eventId}: a repeated event is identical`);
      return;
    }
    seen.set(event.eventId, digest);
    const previous = last.get(event.customerId) ?? -1;
    assert.ok(event.payload.version >= previous, `${event.customerId}: version ${event.payload.version} after ${previous}`);
    assert.match(event.eventId, new RegExp(`^${event.customerId}:features:${event.payload.version}:[0-9a-f]{8}$`));
    last.set(event.customerId, event.payload.version);
  });
  return last.size;
}

describe('feature service on the real stack', function () {
  let s: StackEndpoints;
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => {
    s = stack();
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
  });

  it('folds a simulated company exactly as a from-scratch fold, dead-letters bad input, and versions only grow', async function () {
    this.timeout(180_000);
    const iso = isolation('fs');
    const { events } = await simulateInto(iso.prefix, { seed: 11, customers: 40, days: 240 });
    // Bad input after the history: each must be dead-lettered with its reason, and nothing stalls.
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    for (const t of [TOPIC.invoices, TOPIC.payments]) await codec.register(iso.topic(t), loadSchema(t));
    const base = { customerId: 'C000001', causationId: null, eventTime: '2024-08-20T00:00:00.000Z' };
    await producer.send(iso.topic(TOPIC.invoices), [
      { key: 'C000001', event: { ...base, eventId: 'bad-1', type: 'InvoiceIssued', payload: { invoiceId: 'INV-ZERO', orderId: null, amountMinor: 0, currency: 'EUR', invoiceDate: '2024-08-20', dueDate: '2024-09-19', termsCode: 'NET30', netDays: 30 } } },
      { key: 'C000001', event: { ...base, eventId: 'dup-1', type: 'InvoiceIssued', payload: { invoiceId: 'INV-DUP', orderId: null, amountMinor: 1000, currency: 'EUR', invoiceDate: '2024-08-20', dueDate: '2024-09-19', termsCode: 'NET30', netDays: 30 } } },
      { key: 'C000001', event: { ...base, eventId: 'dup-2', type: 'InvoiceIssued', payload: { invoiceId: 'INV-DUP', orderId: null, amountMinor: 2000, currency: 'EUR', invoiceDate: '2024-08-20', dueDate: '2024-09-19', termsCode: 'NET30', netDays: 30 } } },
      { key: 'C000001', event: { ...base, eventId: 'cn-1', type: 'InvoiceAdjusted', payload: { invoiceId: 'INV-DUP', creditNoteId: 'CN-X', amountMinor: 100, currency: 'USD', reason: 'wrong currency' } } },
    ]);
    await producer.sendRaw(iso.topic(TOPIC.payments), [{ key: 'C000001', value: Buffer.from('{"not":"avro"}') }]);
    await producer.send(iso.topic(TOPIC.payments), [
      // A payment for an invoice nobody has seen (yet): kept pending, not dead-lettered.
      { key: 'C000001', event: { ...base, eventId: 'pay-unknown', type: 'PaymentReceived', payload: { paymentId: 'PAY-UNKNOWN', amountMinor: 500, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-08-20', applications: [{ invoiceId: 'INV-NOT-YET', amountMinor: 500 }], unappliedMinor: 0 } } },
    ]);
    await producer.disconnect();

    const config = loadFeatureServiceConfig({ ...process.env, MONGODB_DATABASE: iso.database, FEATURE_SERVICE_GROUP_ID: iso.groupId, HTTP_PORT: '0' });
    const service = createFeatureService({ config, topicPrefix: iso.prefix });
    await service.start();
    try {
      await waitCaughtUp(kafka, iso.groupId, FEATURE_INPUTS.map(iso.topic), 150_000);
      const log = await readEventLog(kafka, codec, FEATURE_INPUTS.map(iso.topic));
      assert.ok(log.length >= events, `read back ${log.length} events of ${events}`);
      const folded = foldEventLog(log);
      assert.ok(folded.customers.size >= 40);
      const reader = service.reader();
      const differences = await diffStore(reader, folded, iso.topic(TOPIC.clock));
      assert.deepEqual(differences, [], 'stored state equals the from-scratch fold');

      const deadLetters = await readTopic<{ payload: { reasonCode: string; originalOffset: number } }>(kafka, codec, iso.topic('creditstream.feature-service.dlq.v1'));
      assert.deepEqual(deadLetters.map((d) => d.event.payload.reasonCode).sort(), ['CURRENCY_MISMATCH', 'DUPLICATE_CONFLICT', 'INVALID_AMOUNT', 'SCHEMA_DECODE_FAILED']);
      const stored = await reader.customers();
      assert.ok(stored.get('C000001')?.state.pendingApplications.some((p) => p.invoiceId === 'INV-NOT-YET'), 'the unknown invoice application is pending');

      // What scoring needs travels in the events: the last one of each customer with open invoices carries the
      // final state's version and, for every open invoice, features that rebuild the feature function's vector.
      const lastEvent = new Map<string, CustomerFeaturesChangedEvent>();
      for (const { event } of await readTopic<CustomerFeaturesChangedEvent>(kafka, codec, iso.topic(TOPIC.featuresChanged))) lastEvent.set(event.customerId, event);
      let vectors = 0;
      for (const [id, { state, clock, partition }] of stored) {
        if (clock) {
          const source = { topic: iso.topic(TOPIC.clock), partition, offset: clock.offset };
          if (appliedOffset(state, sourceKey(source)) < clock.offset) applyTick(state, clock.tick as BusinessDayTickEvent, source);
        }
        const open = state.invoices.filter((i: InvoiceState) => i.status === 'OPEN');
        if (open.length === 0) continue;
        const event = lastEvent.get(id);
        assert.ok(event, `${id}: announced`);
        assert.ok(event.payload.version <= versionOf(state) && event.payload.businessDate === state.asOf, `${id}: the last event is of the final business date`);
        assert.deepEqual(event.payload.openInvoices.map((i) => i.invoiceId), open.map((i) => i.invoiceId), `${id}: every open invoice`);
        for (const carried of event.payload.openInvoices) {
          vectors++;
          const direct = invoiceFeatures(state, findInvoice(state, carried.invoiceId) as InvoiceState);
          assert.deepEqual(vectorFromInputs(event.payload.features, carried.features), direct, `${id}/${carried.invoiceId}: the feature vector`);
        }
      }
      assert.ok(vectors >= 20, `${vectors} open invoices compared`);

      assert.ok((await assertVersionsNeverDecrease(kafka, codec, iso.topic(TOPIC.featuresChanged))) >= 40);

      // The CLI: a rebuild into a fresh database verifies clean, and a tampered live store does not.
      const cliEnv = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, MONGODB_DATABASE: iso.database };
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: () => undefined, now: () => performance.now() };
      const rebuilt = `${iso.database}_rebuilt`;
      await runFeaturesRebuild({ into: rebuilt }, io, cliEnv);
      assert.equal(await runFeaturesVerify({ limit: 10 }, io, { ...cliEnv, MONGODB_DATABASE: rebuilt }), 0, out.join('\n'));
      const mongo = await openStore({ uri: s.mongodbUri, database: iso.database });
      try {
        await tamper(mongo, 'C000002', (v) => (v.state.lateness.all.late += 1));
      } finally {
        await mongo.close();
      }
      assert.equal(await runFeaturesVerify({ limit: 10 }, io, cliEnv), 1);
      assert.match(out.join('\n'), /C000002 state\.lateness\.all\.late: stored \d+, expected \d+/);

      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(metrics, /creditstream_dead_letters_total\{topic="[^"]+invoices[^"]+",reason="INVALID_AMOUNT",service="feature-service"\} 1/);
    } finally {
      await service.stop();
    }
  });

  it('SIGKILLed at random moments at least 10 times while folding 200,000 events: the store equals a from-scratch fold and no version goes back', async function () {
    this.timeout(900_000);
    const iso = isolation('fscrash');
    const { events } = await simulateInto(iso.prefix, { seed: 23, customers: 900, days: 365 });
    assert.ok(events >= 200_000, `simulated ${events} events`);
    // Checkpoints every 2 s also while catching up (30 s by default, as in a replay): each restart commits progress
    // within seconds instead of half a minute, and the kills land among many more checkpoints.
    const env = { ...process.env, MONGODB_DATABASE: iso.database, FEATURE_SERVICE_GROUP_ID: iso.groupId, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, FEATURE_SERVICE_SESSION_TIMEOUT_MS: '6000', FEATURE_SERVICE_CATCH_UP_COMMIT_INTERVAL_MS: '2000', LOG_LEVEL: 'info', HTTP_PORT: '0' };
    // Every run's log lines go to one file, so a run that makes no progress is shown with what it was doing.
    const logFile = join(mkdtempSync(join(tmpdir(), 'fscrash-')), 'feature-service.log');
    const logTail = () => readFileSync(logFile, 'utf8').split('\n').slice(-30).map((l) => l.slice(0, 400)).join('\n');
    const start = () => spawnService(SERVICE_MAIN, env, { stdoutFile: logFile });
    // Kill at random moments while it is folding: after each start, wait until it has committed progress, then a
    // seeded random 0.2 to 3 s more (replayable), then SIGKILL.
    let seed = 20240101;
    const nextDelay = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 200 + (seed % 2800);
    };
    const inputs = FEATURE_INPUTS.map(iso.topic);
    let kills = 0;
    for (; kills < 10; kills++) {
      const before = await committedTotal(kafka, iso.groupId, inputs);
      const run = start();
      let exit: NodeJS.Signals | number | null | undefined;
      void run.exited.then((e) => (exit = e));
      const progressed = await waitFor(`progress after restart ${kills}`, async () => (exit !== undefined ? 'exited' : (await committedTotal(kafka, iso.groupId, inputs)) > before), { timeoutMs: 120_000, intervalMs: 100 }).catch((err: Error) => err);
      assert.equal(progressed, true, `restart ${kills}: ${progressed instanceof Error ? progressed.message : `exited (${String(exit)}) before committing progress`}; ${before} records committed before it; its log ends:\n${logTail()}`);
      await new Promise((r) => setTimeout(r, nextDelay()));
      run.child.kill('SIGKILL');
      assert.equal(await run.exited, 'SIGKILL');
    }
    const final = start();
    try {
      await waitCaughtUp(kafka, iso.groupId, FEATURE_INPUTS.map(iso.topic), 600_000);
    } finally {
      await final.announced;
      final.child.kill('SIGTERM');
      assert.equal(await final.exited, 0);
    }
    const mongo = await openStore({ uri: s.mongodbUri, database: iso.database });
    try {
      const reader = new FeatureStateReader(mongo);
      const folded = foldEventLog(await readEventLog(kafka, codec, FEATURE_INPUTS.map(iso.topic)));
      assert.equal((await reader.customers()).size, folded.customers.size);
      assert.deepEqual(await diffStore(reader, folded, iso.topic(TOPIC.clock)), [], `after ${kills} SIGKILLs the store equals the from-scratch fold`);
      assert.equal(await assertVersionsNeverDecrease(kafka, codec, iso.topic(TOPIC.featuresChanged)), folded.customers.size, "every customer announced");
    } finally {
      await mongo.close();
    }
  });
});
