import assert from 'node:assert/strict';
import { COLLECTIONS_INPUTS, createCollectionsService, loadCollectionsServiceConfig, type CollectionsService } from '@creditstream/collections-service';
import { createCreditService, CREDIT_INPUTS, loadCreditServiceConfig, type CreditService } from '@creditstream/credit-service';
import { addDays } from '@creditstream/features';
import { createFraudService, FRAUD_INPUTS, loadFraudServiceConfig, type FraudService } from '@creditstream/fraud-service';
import { createKafka, createProducer, ensureTopics, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { stack, uniqueName, waitFor } from '@creditstream/testing';
import { readTopic, waitCaughtUp } from './pipeline';

type FraudCheck = { eventId: string; payload: { orderId: string; reasons: { code: string }[] } };
type Decision = { eventId: string; type: string; payload: { orderId: string; rulesFired: { ruleId: string }[] } };

/**
 * Regression (a CI run of the chaos test): the collections service's daily run blocked an account (its fifth letter),
 * and the credit decision of an order placed that afternoon was made twice with one id — live without the block (it
 * arrived after the credit service had taken the order), and with it by the replacement that replayed the order. The
 * orders after a tick now wait for the collections service's progress past that tick (libs/streams "Progress between
 * services"). Here the collections service starts only after the credit and fraud services have taken every tick, so
 * without that wait they decide the order without the block, every time.
 */
describe('account blocks of a daily run reach the orders after the tick (real stack)', function () {
  it('the credit decision and the fraud check of an order placed the afternoon a collection letter blocks the account see the block, though the collections service runs late', async function () {
    this.timeout(300_000);
    const s = stack();
    const kafka: Kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    const codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
    const prefix = `${uniqueName('blocks')}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const inputs: readonly string[] = [TOPIC.customers, TOPIC.invoices, TOPIC.orders, TOPIC.clock];
    await ensureTopics(kafka, inputs.map((t) => ({ ...topicSpec(t), name: topic(t) })));
    for (const t of inputs) await codec.register(topic(t), loadSchema(t));

    // One customer with an invoice due 2024-02-01 and never paid: the built-in letter ladder (7, 14, 14, 14, 14 days)
    // issues its fifth level, which blocks the account, on 2024-04-04; an order comes that afternoon.
    const customerId = 'BLOCKED-LATE';
    const orderId = 'SO-AFTER-BLOCK';
    const ev = (time: string, type: string, payload: object, eventId = `${customerId}-${type}`) => ({ key: customerId, event: { eventId, eventTime: time, customerId, causationId: null, type, payload } });
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    try {
      await producer.send(topic(TOPIC.customers), [
        ev('2024-01-01T09:00:00.000Z', 'CustomerRegistered', { name: customerId, country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' }),
        ev('2024-01-01T09:00:01.000Z', 'CreditLimitSet', { limitType: 'BALANCE', amountMinor: 100_000_000, currency: 'EUR', unlimited: false, expiresOn: null, temporary: false, reason: 'e2e' }),
      ]);
      await producer.send(topic(TOPIC.invoices), [ev('2024-01-02T09:00:00.000Z', 'InvoiceIssued', { invoiceId: 'INV-1', orderId: null, amountMinor: 100_000, currency: 'EUR', invoiceDate: '2024-01-02', dueDate: '2024-02-01', termsCode: 'NET30', netDays: 30 })]);
      const partitions = topicSpec(TOPIC.clock).partitions;
      const ticks = [];
      let previous: string | null = null;
      for (let d = '2024-01-03'; d <= '2024-04-04'; d = addDays(d, 1)) {
        for (let partition = 0; partition < partitions; partition++) ticks.push({ key: '*', partition, event: { eventId: `tick-${d}-p${partition}`, eventTime: `${d}T00:00:00.000Z`, customerId: '*', causationId: null, type: 'BusinessDayTick', payload: { businessDate: d, previousBusinessDate: previous, partition } } });
        previous = d;
      }
      await producer.send(topic(TOPIC.clock), ticks);
      await producer.send(topic(TOPIC.orders), [ev('2024-04-04T15:00:00.000Z', 'OrderPlaced', { orderId, amountMinor: 50_000, currency: 'EUR', lineCount: 1, orderDate: '2024-04-04', requestedShipDate: null }, `${customerId}-order`)]);
    } finally {
      await producer.disconnect();
    }

    const env = { ...process.env, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: prefix };
    const groups = { credit: uniqueName('credit-service'), fraud: uniqueName('fraud-service'), collections: uniqueName('collections-service') };
    const database = (p: string) => uniqueName(p).replace(/[-.]/g, '_');
    const credit: CreditService = createCreditService({ config: loadCreditServiceConfig({ ...env, MONGODB_DATABASE: database('cr'), CREDIT_SERVICE_GROUP_ID: groups.credit, CREDIT_SERVICE_COMMIT_INTERVAL_MS: '200' }), topicPrefix: prefix });
    const fraud: FraudService = createFraudService({ config: loadFraudServiceConfig({ ...env, MONGODB_DATABASE: database('fr'), FRAUD_SERVICE_GROUP_ID: groups.fraud, FRAUD_SERVICE_COMMIT_INTERVAL_MS: '200' }), topicPrefix: prefix });
    let collections: CollectionsService | null = null;
    try {
      await fraud.start();
      await credit.start();
      // Both have taken every tick (a tick does not wait for the collections service; the records after it do).
      await waitCaughtUp(kafka, groups.fraud, [topic(TOPIC.clock)], 120_000);
      await waitCaughtUp(kafka, groups.credit, [topic(TOPIC.clock)], 120_000);
      assert.deepEqual((await readTopic<FraudCheck>(kafka, codec, topic(TOPIC.fraudChecks))).map((m) => m.event.payload.orderId), [], 'no fraud check before the collections service has run the day of the order');

      collections = createCollectionsService({ config: loadCollectionsServiceConfig({ ...env, MONGODB_DATABASE: database('co'), COLLECTIONS_SERVICE_GROUP_ID: groups.collections, COLLECTIONS_SERVICE_COMMIT_INTERVAL_MS: '200', COLLECTIONS_SERVICE_AWAIT_PROGRESS: 'none' }), topicPrefix: prefix });
      await collections.start();
      const decision = await waitFor('the order\'s credit decision', async () => (await readTopic<Decision>(kafka, codec, topic(TOPIC.creditDecisions))).map((m) => m.event).find((d) => d.type === 'CreditDecision' && d.payload.orderId === orderId), { timeoutMs: 120_000, intervalMs: 200 });
      const blocks = (await readTopic<{ eventId: string; type: string; payload: { status: string; changedBy: string } }>(kafka, codec, topic(TOPIC.customers))).map((m) => m.event).filter((e) => e.type === 'AccountStatusChanged');
      assert.deepEqual(blocks.map((b) => [b.eventId, b.payload.status, b.payload.changedBy]), [[`${customerId}:letter:2024-04-04:5:block`, 'BLOCKED', 'collections-service']]);
      assert.ok(decision.payload.rulesFired.some((r) => r.ruleId === 'account-blocked'), `the decision saw the block: ${JSON.stringify(decision.payload.rulesFired)}`);
      const checks = (await readTopic<FraudCheck>(kafka, codec, topic(TOPIC.fraudChecks))).map((m) => m.event).filter((c) => c.payload.orderId === orderId);
      assert.equal(checks.length, 1);
      assert.ok((checks[0] as FraudCheck).payload.reasons.some((r) => r.code === 'account-status'), `the fraud check saw the block: ${JSON.stringify((checks[0] as FraudCheck).payload.reasons)}`);
      await waitCaughtUp(kafka, groups.credit, CREDIT_INPUTS.filter((t) => inputs.includes(t)).map(topic), 60_000);
      await waitCaughtUp(kafka, groups.fraud, FRAUD_INPUTS.filter((t) => inputs.includes(t)).map(topic), 60_000);
      await waitCaughtUp(kafka, groups.collections, COLLECTIONS_INPUTS.map(([t]) => t).filter((t) => inputs.includes(t)).map(topic), 60_000);
      assert.equal((await readTopic<Decision>(kafka, codec, topic(TOPIC.creditDecisions))).filter((m) => m.event.type === 'CreditDecision' && m.event.payload.orderId === orderId).length, 1, 'one decision');
    } finally {
      await collections?.stop();
      await credit.stop();
      await fraud.stop();
    }
  });
});
