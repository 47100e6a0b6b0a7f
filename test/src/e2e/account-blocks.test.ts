import assert from 'node:assert/strict';
import { COLLECTIONS_INPUTS, createCollectionsService, loadCollectionsServiceConfig, type CollectionsService } from '@creditstream/collections-service';
import { createCreditService, CREDIT_INPUTS, loadCreditServiceConfig, type CreditService } from '@creditstream/credit-service';
import { createFraudService, FRAUD_INPUTS, loadFraudServiceConfig, type FraudService } from '@creditstream/fraud-service';
import { createKafka, createProducer, ensureTopics, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { stack, uniqueName, waitFor } from '@creditstream/testing';
import { dailyTicks, readTopic, waitCaughtUp } from './pipeline';

type FraudCheck = { eventId: string; payload: { orderId: string; reasons: { code: string }[] } };
type Decision = { eventId: string; type: string; payload: { orderId: string; rulesFired: { ruleId: string }[] } };

/**
 * Regression (a CI run of the chaos test): the collections service's daily run blocked an account (its fifth letter),
 * and the credit decision of an order placed that afternoon was made twice with one id — live without the block (it
 * arrived after the credit service had taken the order), and with it by the replacement that replayed the order. A
 * letter's block is now stamped at the end of its run's day, and the credit and fraud services take the records of
 * the next days only once the collections service has run the day (libs/streams `awaitsDailyRun`). Here the test
 * holds the collections service back by playing the scoring service's progress itself (the collections service's
 * ticks wait for it): the day of the block is released only once the credit and fraud services have decided that
 * day's order, so without the wait they would decide the next day's order without the block, every time.
 */
describe('account blocks of a daily run reach the orders of the next days (real stack)', function () {
  it('an order placed the afternoon a collection letter blocks the account is decided at once without the block; one placed the next morning waits for the collections service and is held for it, by the credit and the fraud service', async function () {
    this.timeout(300_000);
    const s = stack();
    const kafka: Kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    const codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
    const prefix = `${uniqueName('blocks')}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const inputs: readonly string[] = [TOPIC.customers, TOPIC.invoices, TOPIC.orders, TOPIC.clock, TOPIC.streamProgress];
    await ensureTopics(kafka, inputs.map((t) => ({ ...topicSpec(t), name: topic(t) })));
    for (const t of inputs) await codec.register(topic(t), loadSchema(t));

    // One customer with an invoice due 2024-02-01 and never paid: the built-in letter ladder (7, 14, 14, 14, 14 days)
    // issues its fifth level, which blocks the account, on 2024-04-04; an order comes that afternoon, another the next
    // morning.
    const customerId = 'BLOCKED-LATE';
    const [sameDay, nextDay] = ['SO-SAME-DAY', 'SO-NEXT-DAY'];
    const ev = (time: string, type: string, payload: object, eventId = `${customerId}-${type}`) => ({ key: customerId, event: { eventId, eventTime: time, customerId, causationId: null, type, payload } });
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    try {
      await producer.send(topic(TOPIC.customers), [
        ev('2024-01-01T09:00:00.000Z', 'CustomerRegistered', { name: customerId, country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' }),
        ev('2024-01-01T09:00:01.000Z', 'CreditLimitSet', { limitType: 'BALANCE', amountMinor: 100_000_000, currency: 'EUR', unlimited: false, expiresOn: null, temporary: false, reason: 'e2e' }),
      ]);
      await producer.send(topic(TOPIC.invoices), [ev('2024-01-02T09:00:00.000Z', 'InvoiceIssued', { invoiceId: 'INV-1', orderId: null, amountMinor: 100_000, currency: 'EUR', invoiceDate: '2024-01-02', dueDate: '2024-02-01', termsCode: 'NET30', netDays: 30 })]);
      await producer.send(topic(TOPIC.clock), dailyTicks('2024-01-03', '2024-04-04'));
      const order = (time: string, orderId: string) => ev(time, 'OrderPlaced', { orderId, amountMinor: 50_000, currency: 'EUR', lineCount: 1, orderDate: time.slice(0, 10), requestedShipDate: null }, `${customerId}-${orderId}`);
      await producer.send(topic(TOPIC.orders), [order('2024-04-04T15:00:00.000Z', sameDay), order('2024-04-05T09:00:00.000Z', nextDay)]);
    } finally {
      await producer.disconnect();
    }

    const env = { ...process.env, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: prefix };
    const groups = { credit: uniqueName('credit-service'), fraud: uniqueName('fraud-service'), collections: uniqueName('collections-service') };
    const database = (p: string) => uniqueName(p).replace(/[-.]/g, '_');
    const credit: CreditService = createCreditService({ config: loadCreditServiceConfig({ ...env, MONGODB_DATABASE: database('cr'), CREDIT_SERVICE_GROUP_ID: groups.credit, CREDIT_SERVICE_COMMIT_INTERVAL_MS: '200' }), topicPrefix: prefix });
    const fraud: FraudService = createFraudService({ config: loadFraudServiceConfig({ ...env, MONGODB_DATABASE: database('fr'), FRAUD_SERVICE_GROUP_ID: groups.fraud, FRAUD_SERVICE_COMMIT_INTERVAL_MS: '200' }), topicPrefix: prefix });
    const collections: CollectionsService = createCollectionsService({ config: loadCollectionsServiceConfig({ ...env, MONGODB_DATABASE: database('co'), COLLECTIONS_SERVICE_GROUP_ID: groups.collections, COLLECTIONS_SERVICE_COMMIT_INTERVAL_MS: '200', COLLECTIONS_SERVICE_AWAIT_PROGRESS: 'scoring-service' }), topicPrefix: prefix });
    // The scoring service's progress on every partition up to `date`: the collections service runs the days up to it.
    const scoringPast = async (date: string) => {
      const marks = Array.from({ length: topicSpec(TOPIC.streamProgress).partitions }, (_, partition) => ({ key: '*', partition, event: { eventId: `scoring-service:${partition}:${date}`, eventTime: `${date}T00:00:00.000Z`, customerId: '*', causationId: null, type: 'StreamProgress', payload: { service: 'scoring-service', partition, outputs: [] } } }));
      const p = createProducer({ kafka, codec });
      await p.connect();
      try {
        await p.send(topic(TOPIC.streamProgress), marks);
      } finally {
        await p.disconnect();
      }
    };
    const decisionOf = async (orderId: string) => (await readTopic<Decision>(kafka, codec, topic(TOPIC.creditDecisions))).map((m) => m.event).filter((d) => d.type === 'CreditDecision' && d.payload.orderId === orderId);
    const checkOf = async (orderId: string) => (await readTopic<FraudCheck>(kafka, codec, topic(TOPIC.fraudChecks))).map((m) => m.event).filter((c) => c.payload.orderId === orderId);
    const rules = (d: Decision | undefined) => d?.payload.rulesFired.map((r) => r.ruleId) ?? [];
    const reasons = (c: FraudCheck | undefined) => c?.payload.reasons.map((r) => r.code) ?? [];
    try {
      await collections.start();
      await fraud.start();
      await credit.start();
      await scoringPast('2024-04-03');
      // The afternoon's order is decided while the collections service has not run its day: the block is not yet in.
      const [first] = await waitFor('the same-day order\'s credit decision', async () => ((await decisionOf(sameDay)).length > 0 ? decisionOf(sameDay) : undefined), { timeoutMs: 120_000, intervalMs: 200 });
      assert.ok(!rules(first).includes('account-blocked') && rules(first).includes('overdue-60'), `held for the overdue invoice only: ${rules(first).join(', ')}`);
      assert.ok(!reasons((await checkOf(sameDay))[0]).includes('account-status'), reasons((await checkOf(sameDay))[0]).join(', '));
      assert.deepEqual({ decisions: (await decisionOf(nextDay)).length, checks: (await checkOf(nextDay)).length }, { decisions: 0, checks: 0 }, 'the next day\'s order waits for the collections service\'s run of 2024-04-04');

      await scoringPast('2024-04-05');
      const [next] = await waitFor('the next day\'s order\'s credit decision', async () => ((await decisionOf(nextDay)).length > 0 ? decisionOf(nextDay) : undefined), { timeoutMs: 120_000, intervalMs: 200 });
      const blocks = (await readTopic<{ eventId: string; eventTime: string; type: string; payload: { status: string; changedBy: string } }>(kafka, codec, topic(TOPIC.customers))).map((m) => m.event).filter((e) => e.type === 'AccountStatusChanged');
      assert.deepEqual(blocks.map((b) => [b.eventId, b.eventTime, b.payload.status, b.payload.changedBy]), [[`${customerId}:letter:2024-04-04:5:block`, '2024-04-04T23:59:59.999Z', 'BLOCKED', 'collections-service']]);
      assert.ok(rules(next).includes('account-blocked'), `the decision saw the block: ${rules(next).join(', ')}`);
      const checks = await checkOf(nextDay);
      assert.equal(checks.length, 1);
      assert.ok(reasons(checks[0]).includes('account-status'), `the fraud check saw the block: ${reasons(checks[0]).join(', ')}`);
      await waitCaughtUp(kafka, groups.credit, CREDIT_INPUTS.filter((t) => inputs.includes(t)).map(topic), 60_000);
      await waitCaughtUp(kafka, groups.fraud, FRAUD_INPUTS.filter((t) => inputs.includes(t)).map(topic), 60_000);
      await waitCaughtUp(kafka, groups.collections, COLLECTIONS_INPUTS.map(([t]) => t).filter((t) => inputs.includes(t)).map(topic), 60_000);
      assert.deepEqual([(await decisionOf(sameDay)).length, (await decisionOf(nextDay)).length], [1, 1], 'one decision per order');
    } finally {
      await collections.stop();
      await credit.stop();
      await fraud.stop();
    }
  });
});
