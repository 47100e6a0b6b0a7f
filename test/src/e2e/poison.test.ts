import assert from 'node:assert/strict';
import { COLLECTIONS_INPUTS, createCollectionsService, loadCollectionsServiceConfig } from '@creditstream/collections-service';
import { createCreditService, CREDIT_INPUTS, loadCreditServiceConfig } from '@creditstream/credit-service';
import { createFeatureService, FEATURE_INPUTS, loadFeatureServiceConfig, readEventLog } from '@creditstream/feature-service';
import { createFraudService, FRAUD_INPUTS, loadFraudServiceConfig } from '@creditstream/fraud-service';
import { createProducer, ensureTopics, type EventProducer, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { createScoringService, loadScoringServiceConfig, SCORING_INPUTS } from '@creditstream/scoring-service';
import { EXAMPLE_EVENTS, loadSchema, TOPIC, TOPICS, type DeadLetterEvent } from '@creditstream/schemas';
import { uniqueName, waitFor } from '@creditstream/testing';
import { readTopic, waitCaughtUp, stackClients } from './pipeline';

// Poison on every input topic of every stateful service, on the real stack: every bad message lands in the dead-letter
// topic of each service that consumes it, with a machine-readable reason code, nothing else is dead-lettered, and the
// good messages around the bad ones (same partition, same customer) are processed in order.

type Service = 'feature-service' | 'scoring-service' | 'credit-service' | 'fraud-service' | 'collections-service';

const INPUTS: Record<Service, readonly string[]> = {
  'feature-service': FEATURE_INPUTS,
  // The models topic is read by a plain consumer of the scoring service, with the same dead-letter topic.
  'scoring-service': [...SCORING_INPUTS, TOPIC.modelsPublished],
  'credit-service': CREDIT_INPUTS,
  'fraud-service': FRAUD_INPUTS,
  'collections-service': COLLECTIONS_INPUTS.map(([t]) => t),
};
const SERVICES = Object.keys(INPUTS) as Service[];
const HEADER = 'x-poison-id';
/** A good customer: every good and most bad messages are keyed by it, so they share one partition of each topic. */
const G = 'C-POISON-GOOD';
const LONG_ID = 'L'.repeat(10_000);
/** An amount no invoice or order carries (10^15 minor units: 10 trillion euros), far below 2^53. */
const HUGE = 10 ** 15;
const CODE = /^[A-Z][A-Z0-9_]+$/;

interface Poison {
  id: string;
  topic: string;
  what: string;
  code: string;
  key: string;
  value: Buffer;
}

/** A seeded generator (mulberry32): the same bytes every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A features-changed event of G whose open invoice has 3 features instead of the model's width. */
function scoringInput(example: Record<string, unknown>): Record<string, unknown> {
  const payload = example.payload as { openInvoices: Record<string, unknown>[] };
  return { ...example, eventId: 'poison-test-bad-width', customerId: G, payload: { ...payload, openInvoices: payload.openInvoices.map((i) => ({ ...i, features: [1, 2, 3] })) } };
}

/** A copy of a rule-set or policy publication for partition 0 whose document is not JSON. */
function document(example: Record<string, unknown> | undefined, eventId: string): Record<string, unknown> {
  const e = example as { payload: Record<string, unknown> };
  return { ...e, eventId, customerId: '*', payload: { ...e.payload, document: '{"version": broken', partition: 0 } };
}

const at = (day: number, minute: number) => new Date(Date.UTC(2024, 2, day, 10, minute)).toISOString();

describe('poison and fuzzed input on every service input, on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => ({ kafka, codec } = stackClients('poison-test')));

  it('random bytes, no magic byte, unknown schema ids, another topic\'s schema, invalid amounts, currencies and dates and 10,000-character ids are dead-lettered with their reason by every consuming service while the good messages around them are processed in order; a 10 MB message is refused by the broker', async function () {
    this.timeout(240_000);
    const prefix = `${uniqueName('poison')}.`;
    const name = (t: string) => `${prefix}${t}`;
    const inputs = [...new Set(SERVICES.flatMap((s) => INPUTS[s]))];
    const specs = TOPICS.filter((t) => inputs.includes(t.name) || SERVICES.some((s) => t.name === `creditstream.${s}.dlq.v1`));
    await ensureTopics(kafka, specs.map((t) => ({ ...t, name: name(t.name) })));
    const ids = new Map<string, number>();
    for (const t of specs) ids.set(t.name, await codec.register(name(t.name), loadSchema(t.name)));

    // An example event of each input topic: the first one its schema encodes.
    const examples = new Map<string, Record<string, unknown>>();
    for (const t of inputs) {
      for (const e of Object.values(EXAMPLE_EVENTS)) {
        try {
          codec.encode(name(t), e);
        } catch {
          continue;
        }
        examples.set(t, structuredClone(e) as unknown as Record<string, unknown>);
        break;
      }
    }
    assert.deepEqual(inputs.filter((t) => !examples.has(t)), [], 'every input topic has an example event');

    const poisons: Poison[] = [];
    const random = seeded(17);
    const encodeAs = (t: string, e: unknown) => codec.encode(name(t), e);
    const add = (topic: string, what: string, code: string, value: Buffer, key = G) => poisons.push({ id: `${poisons.length}`, topic, what, code, key, value });
    for (const t of inputs) {
      const example = examples.get(t) as Record<string, unknown>;
      const good = encodeAs(t, { ...example, customerId: example.customerId === '*' ? '*' : G });
      const bytes = Buffer.from(Array.from({ length: 64 + Math.floor(random() * 512) }, () => Math.floor(random() * 256)));
      bytes[0] = 1 + Math.floor(random() * 255); // random bytes: anything but the magic byte
      add(t, 'random bytes', 'SCHEMA_DECODE_FAILED', bytes);
      add(t, 'no magic byte', 'SCHEMA_DECODE_FAILED', good.subarray(5));
      const unknownId = Buffer.from(good);
      unknownId.writeUInt32BE(0x7ffffff0, 1);
      add(t, 'unknown schema id', 'SCHEMA_DECODE_FAILED', unknownId);
      const other = t === TOPIC.clock ? TOPIC.orders : TOPIC.clock;
      const otherExample = examples.get(other) ?? (other === TOPIC.orders ? EXAMPLE_EVENTS.OrderPlaced : EXAMPLE_EVENTS.BusinessDayTick);
      if (!ids.has(other)) ids.set(other, await codec.register(name(other), loadSchema(other)));
      add(t, `${other}'s schema`, 'SCHEMA_DECODE_FAILED', encodeAs(other, otherExample));
      add(t, '10,000-character eventId', 'ID_TOO_LONG', encodeAs(t, { ...example, eventId: LONG_ID, customerId: example.customerId === '*' ? '*' : G }));
      if (example.customerId !== '*') add(t, '10,000-character customer id and key', 'ID_TOO_LONG', encodeAs(t, { ...example, customerId: LONG_ID }), LONG_ID);
    }

    // The good history of customer G, with domain-invalid (valid Avro) events between the good ones.
    type Item = { topic: string; event: Record<string, unknown>; bad?: { what: string; code: string } };
    const envelope = (type: string, n: string, time: string, payload: object) => ({ eventId: `poison-test-${n}`, eventTime: time, customerId: G, causationId: null, type, payload });
    const registered = envelope('CustomerRegistered', 'reg', at(1, 0), { ...EXAMPLE_EVENTS.CustomerRegistered.payload, openedOn: '2024-03-01', currency: 'EUR' });
    const limit = envelope('CreditLimitSet', 'limit', at(1, 1), { ...EXAMPLE_EVENTS.CreditLimitSet.payload, amountMinor: 100_000_00, currency: 'EUR', expiresOn: null, temporary: false });
    const invoice = (n: number, over: object = {}) => envelope('InvoiceIssued', `inv-${n}`, at(2, n), { ...EXAMPLE_EVENTS.InvoiceIssued.payload, invoiceId: `INV-P-${n}`, orderId: null, amountMinor: 1_000_00 * n, currency: 'EUR', invoiceDate: '2024-03-02', dueDate: '2024-04-01', ...over });
    const order = (n: number, over: object = {}) => envelope('OrderPlaced', `order-${n}`, at(3, n), { ...EXAMPLE_EVENTS.OrderPlaced.payload, orderId: `SO-P-${n}`, amountMinor: 500_00 * n, currency: 'EUR', orderDate: '2024-03-03', requestedShipDate: null, ...over });
    const payment = (n: number, over: object = {}) => envelope('PaymentReceived', `pay-${n}`, at(4, n), { paymentId: `PAY-P-${n}`, amountMinor: 1_000_00 * n, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: '2024-03-04', applications: [{ invoiceId: `INV-P-${n}`, amountMinor: 1_000_00 * n }], unappliedMinor: 0, ...over });
    const bad = (what: string, code: string) => ({ what, code });
    const items: Item[] = [
      { topic: TOPIC.customers, event: registered },
      { topic: TOPIC.customers, event: { ...registered, eventId: 'poison-test-reg-zzz', customerId: `${G}-2`, payload: { ...registered.payload, currency: 'ZZZ' } }, bad: bad('unknown currency', 'INVALID_CURRENCY') },
      { topic: TOPIC.customers, event: limit },
      { topic: TOPIC.customers, event: { ...limit, eventId: 'poison-test-limit-neg', payload: { ...limit.payload, amountMinor: -5 } }, bad: bad('negative amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.customers, event: { ...limit, eventId: 'poison-test-limit-huge', payload: { ...limit.payload, amountMinor: HUGE } }, bad: bad('huge amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.invoices, event: invoice(1) },
      { topic: TOPIC.invoices, event: { ...invoice(90, { amountMinor: -1_000 }) }, bad: bad('negative amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.invoices, event: invoice(2) },
      { topic: TOPIC.invoices, event: { ...invoice(91, { amountMinor: HUGE }) }, bad: bad('huge amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.invoices, event: { ...invoice(92, { currency: 'ZZZ' }) }, bad: bad('unknown currency', 'INVALID_CURRENCY') },
      { topic: TOPIC.invoices, event: { ...invoice(93, { dueDate: '2024-03-01' }) }, bad: bad('due date before the invoice date', 'INVALID_DATE') },
      { topic: TOPIC.invoices, event: { ...invoice(94, { invoiceId: LONG_ID }) }, bad: bad('10,000-character invoice id', 'ID_TOO_LONG') },
      { topic: TOPIC.invoices, event: invoice(3) },
      { topic: TOPIC.orders, event: order(1) },
      { topic: TOPIC.orders, event: order(90, { amountMinor: -1 }), bad: bad('negative amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.orders, event: order(2) },
      { topic: TOPIC.orders, event: order(91, { amountMinor: HUGE }), bad: bad('huge amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.orders, event: order(92, { currency: 'ZZZ' }), bad: bad('unknown currency', 'INVALID_CURRENCY') },
      { topic: TOPIC.orders, event: order(94, { orderId: LONG_ID }), bad: bad('10,000-character order id', 'ID_TOO_LONG') },
      { topic: TOPIC.orders, event: order(3) },
      { topic: TOPIC.payments, event: payment(1) },
      { topic: TOPIC.payments, event: payment(90, { amountMinor: -5, applications: [{ invoiceId: 'INV-P-2', amountMinor: -5 }] }), bad: bad('negative amount', 'INVALID_AMOUNT') },
      { topic: TOPIC.payments, event: payment(91, { currency: 'ZZZ', applications: [{ invoiceId: 'INV-P-2', amountMinor: 1_000_00 * 91 }] }), bad: bad('unknown currency', 'INVALID_CURRENCY') },
      // The services' own events, consumed by the next ones: scores that cannot be computed or acted on.
      { topic: TOPIC.featuresChanged, event: scoringInput(examples.get(TOPIC.featuresChanged) as Record<string, unknown>), bad: bad('a feature vector of the wrong width', 'INVALID_EVENT') },
      { topic: TOPIC.invoicePredictions, event: { ...(examples.get(TOPIC.invoicePredictions) as Record<string, unknown>), eventId: 'poison-test-bad-nan', customerId: G, payload: { ...((examples.get(TOPIC.invoicePredictions) as { payload: object }).payload), pOnTime: Number.NaN } }, bad: bad('a probability that is NaN', 'INVALID_EVENT') },
      { topic: TOPIC.customerOutlook, event: { ...(examples.get(TOPIC.customerOutlook) as Record<string, unknown>), eventId: 'poison-test-bad-outlook', customerId: G, payload: { ...((examples.get(TOPIC.customerOutlook) as { payload: object }).payload), currency: 'ZZZ' } }, bad: bad('unknown currency', 'INVALID_CURRENCY') },
      { topic: TOPIC.fraudChecks, event: { ...(examples.get(TOPIC.fraudChecks) as Record<string, unknown>), eventId: 'poison-test-bad-check', customerId: G, payload: { ...((examples.get(TOPIC.fraudChecks) as { payload: object }).payload), orderId: '' } }, bad: bad('a fraud check of no order', 'INVALID_EVENT') },
      // Rule sets and policies that are not JSON (one copy, to partition 0, as the publishers write them).
      { topic: TOPIC.creditRules, event: document(examples.get(TOPIC.creditRules), 'poison-test-bad-credit-rules'), bad: bad('a rule set that is not JSON', 'CREDIT_RULE_SET_INVALID') },
      { topic: TOPIC.fraudRules, event: document(examples.get(TOPIC.fraudRules), 'poison-test-bad-fraud-rules'), bad: bad('a rule set whose digest is not its document\'s', 'INVALID_EVENT') },
      { topic: TOPIC.collectionPolicies, event: document(examples.get(TOPIC.collectionPolicies), 'poison-test-bad-policy'), bad: bad('a policy that is not JSON', 'POLICY_INVALID') },
    ];
    const partitions = TOPICS.find((t) => t.name === TOPIC.clock)?.partitions ?? 6;
    const ticks: Item[] = [];
    for (let day = 1; day <= 5; day++) {
      const date = `2024-03-0${day}`;
      for (let p = 0; p < partitions; p++) {
        ticks.push({ topic: TOPIC.clock, event: { eventId: `poison-test-tick-${date}-${p}`, eventTime: `${date}T00:00:00.000Z`, customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: date, previousBusinessDate: day === 1 ? null : `2024-03-0${day - 1}`, partition: p } } });
      }
    }

    // Impossible calendar days cannot reach the wire: Avro dates are day numbers, and the encoder refuses them.
    for (const [t, event, field] of [
      [TOPIC.customers, { ...registered, payload: { ...registered.payload, openedOn: '2024-02-30' } }, 'openedOn'],
      [TOPIC.invoices, invoice(95, { dueDate: '2024-02-30' }), 'dueDate'],
      [TOPIC.orders, order(95, { orderDate: '2023-02-29' }), 'orderDate'],
      [TOPIC.payments, payment(95, { receivedOn: '2024-04-31' }), 'receivedOn'],
      [TOPIC.clock, { ...(ticks[0] as Item).event, payload: { ...((ticks[0] as Item).event.payload as object), businessDate: '2024-02-30' } }, 'businessDate'],
      [TOPIC.orders, { ...order(96), eventTime: '2024-02-30T10:00:00.000Z' }, 'eventTime'],
    ] as const) {
      assert.throws(() => codec.encode(name(t), event), (err: Error & { code?: string }) => err.code === 'SCHEMA_ENCODE_FAILED' && err.message.includes(field), `${t}: ${field} on an impossible day is refused by the encoder`);
    }

    const producer: EventProducer = createProducer({ kafka, codec });
    await producer.connect();
    let badTick: Item | null = null;
    try {
      // Every topic: good, poison, good; the poison keyed by G, so in G's partition, among G's good events.
      for (const t of inputs) {
        const mine = poisons.filter((p) => p.topic === t);
        const goodHere = items.filter((i) => i.topic === t);
        const tickHere = t === TOPIC.clock ? ticks : [];
        // Half the good messages before the poison, half after (the clock: days 1-3 before, 4-5 after).
        const before = [...goodHere.slice(0, Math.ceil(goodHere.length / 2)), ...tickHere.filter((x) => (x.event.payload as { businessDate: string }).businessDate <= '2024-03-03')];
        const after = [...goodHere.slice(Math.ceil(goodHere.length / 2)), ...tickHere.filter((x) => (x.event.payload as { businessDate: string }).businessDate > '2024-03-03')];
        for (const i of before) await sendItem(producer, name(i.topic), i);
        if (t === TOPIC.clock) {
          // A tick naming another partition than the one it is written to.
          badTick = { topic: t, event: { eventId: 'poison-test-tick-bad', eventTime: '2024-03-03T12:00:00.000Z', customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: '2024-03-03', previousBusinessDate: '2024-03-02', partition: 1 } }, bad: { what: 'a tick for another partition', code: 'INVALID_EVENT' } };
          await producer.send(name(t), [{ key: '*', event: badTick.event, partition: 0 }]);
        }
        await producer.sendRaw(name(t), mine.map((p) => ({ key: p.key, value: p.value, headers: { [HEADER]: p.id } })));
        for (const i of after) await sendItem(producer, name(i.topic), i);
      }
    } finally {
      await producer.disconnect();
    }
    assert.ok(badTick);

    // 10 MB: the broker refuses it (max.message.bytes, 1 MiB by default), clearly, before any service sees it.
    const raw = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await raw.connect();
    try {
      const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
      for (const t of inputs) {
        await assert.rejects(raw.send({ topic: name(t), messages: [{ key: G, value: big }] }), (err: Error & { type?: string }) => {
          assert.equal(err.type, 'MESSAGE_TOO_LARGE', `${t}: ${err.message}`);
          assert.match(err.message, /larger than the max message size/);
          return true;
        });
      }
    } finally {
      await raw.disconnect();
    }

    // The pipeline, in process, each service with its own group and database.
    const env = { ...process.env, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: prefix };
    const groups = Object.fromEntries(SERVICES.map((s) => [s, uniqueName(s)])) as Record<Service, string>;
    const db = (s: string) => uniqueName(`poison-${s}`).replace(/[-.]/g, '_');
    const tuning = (p: string) => ({ [`${p}_COMMIT_INTERVAL_MS`]: '200', [`${p}_MAX_IDLE_MS`]: '500' });
    const services = [
      createFeatureService({ config: loadFeatureServiceConfig({ ...env, ...tuning('FEATURE_SERVICE'), MONGODB_DATABASE: db('fe'), FEATURE_SERVICE_GROUP_ID: groups['feature-service'] }), topicPrefix: prefix }),
      createFraudService({ config: loadFraudServiceConfig({ ...env, ...tuning('FRAUD_SERVICE'), MONGODB_DATABASE: db('fr'), FRAUD_SERVICE_GROUP_ID: groups['fraud-service'] }), topicPrefix: prefix }),
      createScoringService({ config: loadScoringServiceConfig({ ...env, ...tuning('SCORING_SERVICE'), MONGODB_DATABASE: db('sc'), SCORING_SERVICE_GROUP_ID: groups['scoring-service'] }), topicPrefix: prefix }),
      createCreditService({ config: loadCreditServiceConfig({ ...env, ...tuning('CREDIT_SERVICE'), MONGODB_DATABASE: db('cr'), CREDIT_SERVICE_GROUP_ID: groups['credit-service'], CREDIT_FRAUD_WAIT_MS: '1000' }), topicPrefix: prefix }),
      createCollectionsService({ config: loadCollectionsServiceConfig({ ...env, ...tuning('COLLECTIONS_SERVICE'), MONGODB_DATABASE: db('co'), COLLECTIONS_SERVICE_GROUP_ID: groups['collections-service'] }), topicPrefix: prefix }),
    ];
    try {
      for (const s of services) await s.start();

      // Every bad message in the dead-letter topic of every service that consumes its topic, with its reason code.
      const badItems = [...items.filter((i) => i.bad), badTick];
      for (const s of SERVICES) {
        const consumed = new Set(INPUTS[s]);
        const expected = new Map<string, { what: string; code: string }>();
        for (const p of poisons) if (consumed.has(p.topic)) expected.set(`${p.topic}#${p.id}`, { what: `${p.topic}: ${p.what}`, code: p.code });
        for (const i of badItems) if (consumed.has(i.topic)) expected.set(`${i.topic}#${i.event.eventId as string}`, { what: `${i.topic}: ${(i.bad as { what: string }).what}`, code: (i.bad as { code: string }).code });
        const dlq = name(`creditstream.${s}.dlq.v1`);
        // Dead letters are acknowledged before the offsets that pass them commit: caught up means all are written.
        await waitCaughtUp(kafka, groups[s], INPUTS[s].filter((t) => t !== TOPIC.modelsPublished).map(name), 90_000);
        // The scoring service's models topic has a consumer of its own, with a group of its own: wait for its share.
        const read = async () => (await readTopic<DeadLetterEvent>(kafka, codec, dlq)).map((d) => d.event);
        const dead = await waitFor(`${s}: ${expected.size} dead letters`, async () => ((await read()).length >= expected.size ? read() : undefined), { timeoutMs: 20_000, intervalMs: 500 }).catch(read);
        const got = new Map<string, { code: string; message: string }>();
        for (const d of dead) {
          const p = d.payload;
          const header = p.originalHeaders.find((h) => h.key === HEADER)?.value?.toString('utf8');
          const original = p.originalTopic.slice(prefix.length);
          const id = header ?? (await codec.decode<{ eventId: string }>(p.originalTopic, p.originalValue as Buffer)).eventId;
          assert.match(p.reasonCode, CODE, `${s}: a machine-readable reason code, got ${p.reasonCode}`);
          assert.ok(p.reasonMessage.length > 0 && p.reasonMessage.length < 2_000, `${s}: a short reason message (${p.reasonMessage.length} characters)`);
          assert.ok(!p.reasonMessage.includes(LONG_ID.slice(0, 300)), `${s}: the reason does not quote a 10,000-character id`);
          assert.equal(got.has(`${original}#${id}`), false, `${s}: ${original}#${id} dead-lettered once`);
          got.set(`${original}#${id}`, { code: p.reasonCode, message: p.reasonMessage });
        }
        const report = (m: Map<string, unknown>) => [...m.keys()].sort().join(', ');
        assert.deepEqual([...got.keys()].filter((k) => !expected.has(k)), [], `${s}: nothing but the bad messages is dead-lettered (got ${report(got)})`);
        assert.deepEqual([...expected.keys()].filter((k) => !got.has(k)).map((k) => expected.get(k)?.what), [], `${s}: every bad message is dead-lettered`);
        for (const [k, e] of expected) assert.equal(got.get(k)?.code, e.code, `${s}: ${e.what}: ${got.get(k)?.message}`);
      }

      // The good messages around the bad ones were processed, in order.
      const orderIds = items.filter((i) => i.topic === TOPIC.orders && !i.bad).map((i) => (i.event.payload as { orderId: string }).orderId);
      const invoiceIds = items.filter((i) => i.topic === TOPIC.invoices && !i.bad).map((i) => (i.event.payload as { invoiceId: string }).invoiceId);
      // G's events of a topic, but not the poison written to it (the services' outputs are inputs too).
      const ofG = <E extends { customerId: string }>(list: { event: E }[]) => list.map((m) => m.event).filter((e) => e.customerId === G && (e as { eventId?: string }).eventId !== LONG_ID && !String((e as { eventId?: string }).eventId).startsWith('poison-test-bad-'));
      // The pipeline's own topics are inputs too, with poison among the services' outputs: read the decodable ones.
      const decodable = async <E>(topic: string): Promise<{ event: E }[]> =>
        (await readEventLog(kafka, codec, [topic])).sort((a, b) => a.source.partition - b.source.partition || a.source.offset - b.source.offset).map((e) => ({ event: e.event as unknown as E }));

      const checks = ofG(await decodable<{ customerId: string; payload: { orderId: string } }>(name(TOPIC.fraudChecks)));
      assert.deepEqual(checks.map((c) => c.payload.orderId), orderIds, 'one fraud check per good order, in order');
      const decisions = await waitFor('a credit decision of every good order', async () => {
        const all = ofG(await readTopic<{ customerId: string; type: string; payload: { orderId: string } }>(kafka, codec, name(TOPIC.creditDecisions))).filter((d) => d.type === 'CreditDecision');
        return all.length >= orderIds.length ? all : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      assert.deepEqual(decisions.map((d) => d.payload.orderId), orderIds, 'one credit decision per good order, in order');

      const changed = ofG(await decodable<{ customerId: string; payload: { openInvoiceIds: string[] } }>(name(TOPIC.featuresChanged)));
      const firstSeen = (lists: string[][]) => [...new Set(lists.flat())];
      assert.deepEqual(firstSeen(changed.map((c) => c.payload.openInvoiceIds)), invoiceIds, 'the feature service opened the good invoices, in order');
      assert.deepEqual(changed.at(-1)?.payload.openInvoiceIds.slice().sort(), invoiceIds.filter((i) => i !== 'INV-P-1'), 'the good payment settled its invoice');
      const predictions = await waitFor('predictions of every good invoice', async () => {
        const all = ofG(await decodable<{ customerId: string; payload: { invoiceId: string } }>(name(TOPIC.invoicePredictions)));
        return firstSeen(all.map((p) => [p.payload.invoiceId])).length >= invoiceIds.length ? all : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      assert.deepEqual(firstSeen(predictions.map((p) => [p.payload.invoiceId])), invoiceIds, 'the scoring service predicted the good invoices, in order');
      for (const s of SERVICES) await waitCaughtUp(kafka, groups[s], INPUTS[s].filter((t) => t !== TOPIC.modelsPublished).map(name), 60_000);
    } finally {
      for (const s of services.reverse()) await s.stop();
    }
  });
});

/** Sends one event keyed by its customer; a tick to the partition it names. */
async function sendItem(producer: EventProducer, topic: string, item: { event: Record<string, unknown> }): Promise<void> {
  const e = item.event;
  const key = e.customerId as string;
  const p = e.customerId === '*' ? (e.payload as { partition: number }).partition : undefined;
  await producer.send(topic, [{ key, event: e, ...(p === undefined ? {} : { partition: p }) }]);
}
