import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileRuleSet, createCreditService, CREDIT_INPUTS, DEFAULT_RULE_SET_DOCUMENT, GROUP_INPUTS, loadCreditServiceConfig, replayPartition, type CreditService, type ReplayRecord } from '@creditstream/credit-service';
import { committedTotal, createKafka, createProducer, endOffsetsTotal, type EventProducer, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, type CreditDecisionEnvelope, type CreditGroupEnvelope } from '@creditstream/schemas';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runCreditReplay, runCreditRulesPublish } from '@creditstream/cli';
import { REPO_ROOT, stack, uniqueName, waitFor } from '@creditstream/testing';
import { readTopic, scanTopic, simulateInto, spawnService, waitCaughtUp } from './pipeline';

const SERVICE_MAIN = join(REPO_ROOT, 'services', 'credit-service', 'dist', 'src', 'main.js');

/** JSON with sorted keys: an event's content, whatever the order its fields were set in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

function isolation(name: string) {
  const prefix = `${uniqueName(name)}.`;
  return { prefix, database: uniqueName('cs').replace(/[-.]/g, '_'), groupId: uniqueName('credit-service'), topic: (t: string) => `${prefix}${t}` };
}

/** The partition of a key among `partitions`, as the producer's partitioner (kafkajs' default, murmur2) chooses it. */
function partitionOf(key: string, partitions = 6): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return Partitioners.DefaultPartitioner()({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

/** Builds the input events of one customer, with business times that only go forward. */
class Customer {
  private n = 0;
  constructor(readonly id: string) {}

  private event(type: string, time: string, payload: object, eventId?: string) {
    return { key: this.id, event: { eventId: eventId ?? `${this.id}-${type}-${++this.n}`, eventTime: time, customerId: this.id, causationId: null, type, payload } };
  }
  registered(time: string) {
    return this.event('CustomerRegistered', time, { name: `${this.id} Ltd`, country: 'DE', segment: 'mid-market', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' });
  }
  limit(time: string, amountMinor: number, extra: { expiresOn?: string | null; temporary?: boolean } = {}) {
    return this.event('CreditLimitSet', time, { limitType: 'BALANCE', amountMinor, currency: 'EUR', unlimited: false, expiresOn: extra.expiresOn ?? null, temporary: extra.temporary ?? false, reason: 'e2e' });
  }
  invoice(time: string, invoiceId: string, amountMinor: number, due: string) {
    return this.event('InvoiceIssued', time, { invoiceId, orderId: null, amountMinor, currency: 'EUR', invoiceDate: time.slice(0, 10), dueDate: due, termsCode: 'NET30', netDays: 30 });
  }
  payment(time: string, paymentId: string, invoiceId: string, amountMinor: number) {
    return this.event('PaymentReceived', time, { paymentId, amountMinor, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: time.slice(0, 10), applications: [{ invoiceId, amountMinor }], unappliedMinor: 0 });
  }
  order(time: string, orderId: string, amountMinor: number) {
    return this.event('OrderPlaced', time, { orderId, amountMinor, currency: 'EUR', lineCount: 1, orderDate: time.slice(0, 10), requestedShipDate: null }, `${this.id}-order-${orderId}`);
  }
  fraud(time: string, orderId: string, outcome: 'CLEAR' | 'REVIEW') {
    return this.event('FraudCheck', time, { orderId, outcome, score: outcome === 'REVIEW' ? 0.91 : 0.05, reasons: outcome === 'REVIEW' ? [{ code: 'new-account-large-order', message: 'large first order', value: 90_000, threshold: 10_000, weight: 0.9, contribution: 0.91 }] : [], ruleSetVersion: 'e2e', reviewThreshold: 0.7 }, `${this.id}-fraud-${orderId}`);
  }
  command(time: string, type: string, payload: object) {
    return this.event(type, time, payload);
  }
}

describe('credit service on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;
  let producer: EventProducer;
  let service: CreditService;
  let decisions: () => Promise<CreditDecisionEnvelope[]>;
  const iso = isolation('cs');
  const send = async (topic: string, ...messages: { key: string; event: object }[]) => producer.send(iso.topic(topic), messages);

  before(async function () {
    this.timeout(120_000);
    const s = stack();
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
    // The fraud wait ends when the fraud topic has moved 1 s of business time past an order without checking it.
    const config = loadCreditServiceConfig({ ...process.env, MONGODB_DATABASE: iso.database, CREDIT_SERVICE_GROUP_ID: iso.groupId, HTTP_PORT: '0', CREDIT_FRAUD_WAIT_MS: '1000', CREDIT_SERVICE_COMMIT_INTERVAL_MS: '500', CREDIT_SERVICE_AWAIT_PROGRESS: 'none', CREDIT_SERVICE_AWAIT_DAILY_RUN: 'none' });
    service = createCreditService({ config, topicPrefix: iso.prefix });
    await service.start();
    for (const t of [...CREDIT_INPUTS, TOPIC.creditDecisions]) await codec.register(iso.topic(t), loadSchema(t));
    producer = createProducer({ kafka, codec });
    await producer.connect();
    decisions = async () => (await readTopic<CreditDecisionEnvelope>(kafka, codec, iso.topic(TOPIC.creditDecisions))).map((m) => m.event);
  });

  after(async function () {
    this.timeout(60_000);
    await producer?.disconnect();
    await service?.stop();
  });

  const until = async (what: string, check: (events: CreditDecisionEnvelope[]) => boolean) => waitFor(what, async () => {
    const events = await decisions();
    return check(events) ? events : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  const of = (events: CreditDecisionEnvelope[], customerId: string) => events.filter((e) => e.customerId === customerId);

  it('limit exceeded → held → payment → auto-released, naming the payment; the hold list shows it meanwhile', async function () {
    this.timeout(120_000);
    const c = new Customer('LIMIT1');
    await send(TOPIC.customers, c.registered('2024-03-01T08:00:00.000Z'), c.limit('2024-03-01T08:00:01.000Z', 10_000_00));
    await send(TOPIC.invoices, c.invoice('2024-03-01T09:00:00.000Z', 'INV-L1', 8_000_00, '2024-03-31'));
    await send(TOPIC.orders, c.order('2024-03-02T10:00:00.000Z', 'SO-L1', 5_000_00));
    await send(TOPIC.fraudChecks, c.fraud('2024-03-02T10:00:00.000Z', 'SO-L1', 'CLEAR'));
    const held = await until('the held decision', (events) => of(events, c.id).some((e) => e.type === 'CreditDecision'));
    const decision = of(held, c.id).find((e) => e.type === 'CreditDecision');
    assert.ok(decision?.type === 'CreditDecision');
    assert.equal(decision.eventId, 'LIMIT1-order-SO-L1:credit-decision');
    assert.equal(decision.payload.decision, 'HELD');
    assert.deepEqual(decision.payload.rulesFired.map((f) => f.ruleType), ['credit-limit-exceeded']);
    assert.equal(decision.payload.rulesFired[0]?.inputs.exposureMinor, String(13_000_00));
    assert.equal(decision.payload.fraudCheckId, 'LIMIT1-fraud-SO-L1');
    const holds = await waitFor('the hold list read model', async () => {
      const list = (await service.reader().holds()).filter((h) => h.customerId === c.id);
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.deepEqual(holds.map((h) => [h.orderId, h.reasons.join()]), [['SO-L1', 'credit-limit-exceeded']]);

    const pay = c.payment('2024-03-05T14:00:00.000Z', 'PAY-L1', 'INV-L1', 8_000_00);
    await send(TOPIC.payments, pay);
    const after = await until('the automatic release', (events) => of(events, c.id).some((e) => e.type === 'CreditHoldReleased'));
    const released = of(after, c.id).find((e) => e.type === 'CreditHoldReleased');
    assert.ok(released?.type === 'CreditHoldReleased');
    assert.equal(released.payload.automatic, true);
    assert.equal(released.payload.clearedBy, pay.event.eventId);
    assert.equal(released.causationId, pay.event.eventId);
    await waitFor('the hold list to empty', async () => (await service.reader().holds()).every((h) => h.customerId !== c.id), { timeoutMs: 30_000, intervalMs: 250 });
  });

  it('fraud REVIEW holds the order, a payment does not release it, a person does; a forced hold survives re-evaluation', async function () {
    this.timeout(120_000);
    const c = new Customer('FRAUD1');
    await send(TOPIC.customers, c.registered('2024-03-01T08:00:00.000Z'), c.limit('2024-03-01T08:00:01.000Z', 100_000_00));
    await send(TOPIC.orders, c.order('2024-03-02T10:00:00.000Z', 'SO-F1', 900_00), c.order('2024-03-02T11:00:00.000Z', 'SO-F2', 100_00));
    await send(TOPIC.fraudChecks, c.fraud('2024-03-02T10:00:00.000Z', 'SO-F1', 'REVIEW'), c.fraud('2024-03-02T11:00:00.000Z', 'SO-F2', 'CLEAR'));
    await until('two decisions', (events) => of(events, c.id).filter((e) => e.type === 'CreditDecision').length === 2);
    await send(TOPIC.creditCommands, c.command('2024-03-02T12:00:00.000Z', 'PlaceCreditHold', { commandId: 'F-forced', actor: 'ann', orderId: 'SO-F2', reason: 'committee review' }));
    await send(TOPIC.invoices, c.invoice('2024-03-03T09:00:00.000Z', 'INV-F1', 100_00, '2024-04-02'));
    await send(TOPIC.payments, c.payment('2024-03-04T14:00:00.000Z', 'PAY-F1', 'INV-F1', 100_00));
    await send(TOPIC.creditCommands, c.command('2024-03-05T10:00:00.000Z', 'ReleaseCreditHold', { commandId: 'F-release', actor: 'bob', orderId: 'SO-F1', recheck: false, reason: 'customer verified by phone', reviewDate: '2024-04-01' }));
    const events = of(await until('the release by a person', (e) => of(e, c.id).some((x) => x.type === 'CreditHoldReleased')), c.id);
    const byType = (t: string) => events.filter((e) => e.type === t);
    const [f1, f2] = byType('CreditDecision') as Extract<CreditDecisionEnvelope, { type: 'CreditDecision' }>[];
    assert.equal(f1?.payload.decision, 'HELD');
    assert.deepEqual(f1?.payload.rulesFired.map((f) => [f.ruleType, f.inputs.score]), [['fraud-review', '0.91']]);
    assert.equal(f2?.payload.decision, 'APPROVED');
    assert.deepEqual((byType('CreditHoldPlaced') as Extract<CreditDecisionEnvelope, { type: 'CreditHoldPlaced' }>[]).map((e) => e.payload.orderId), ['SO-F2']);
    const released = byType('CreditHoldReleased') as Extract<CreditDecisionEnvelope, { type: 'CreditHoldReleased' }>[];
    assert.deepEqual(released.map((e) => [e.payload.orderId, e.payload.automatic, e.payload.actor, e.payload.commandId, e.payload.reviewDate]), [['SO-F1', false, 'bob', 'F-release', '2024-04-01']], 'only the person released; the payment released nothing');
    const holds = await waitFor('the forced hold in the hold list', async () => {
      const list = (await service.reader().holds()).filter((h) => h.customerId === c.id);
      return list.length === 1 && list[0]?.orderId === 'SO-F2' ? list : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.equal(holds[0]?.forced, true);
  });

  it('a missing fraud check times out into a hold once the fraud topic moves past the order; a late check releases it', async function () {
    this.timeout(120_000);
    const c = new Customer('MISSING1');
    await send(TOPIC.customers, c.registered('2024-03-01T08:00:00.000Z'), c.limit('2024-03-01T08:00:01.000Z', 100_000_00));
    await send(TOPIC.orders, c.order('2024-03-02T10:00:00.000Z', 'SO-M1', 100_00), c.order('2024-03-02T10:05:00.000Z', 'SO-M2', 100_00));
    // The fraud service checks SO-M2 but never SO-M1.
    await send(TOPIC.fraudChecks, c.fraud('2024-03-02T10:05:00.000Z', 'SO-M2', 'CLEAR'));
    const events = of(await until('both decisions', (e) => of(e, c.id).filter((x) => x.type === 'CreditDecision').length === 2), c.id);
    const decided = events.filter((e) => e.type === 'CreditDecision') as Extract<CreditDecisionEnvelope, { type: 'CreditDecision' }>[];
    assert.deepEqual(decided.map((d) => [d.payload.orderId, d.payload.decision, d.payload.rulesFired.map((f) => f.ruleType).join()]), [['SO-M1', 'HELD', 'fraud-check-missing'], ['SO-M2', 'APPROVED', '']]);
    await send(TOPIC.fraudChecks, c.fraud('2024-03-02T10:00:00.000Z', 'SO-M1', 'CLEAR'));
    const after = of(await until('the late check releasing', (e) => of(e, c.id).some((x) => x.type === 'CreditHoldReleased')), c.id);
    assert.equal((after.find((e) => e.type === 'CreditHoldReleased') as Extract<CreditDecisionEnvelope, { type: 'CreditHoldReleased' }>).payload.clearedBy, 'MISSING1-fraud-SO-M1');
  });

  it('four eyes: the requester cannot approve a large limit increase, another person can, and the new limit releases the hold; bad input is dead-lettered', async function () {
    this.timeout(120_000);
    const c = new Customer('FOUR1');
    await send(TOPIC.customers, c.registered('2024-03-01T08:00:00.000Z'), c.limit('2024-03-01T08:00:01.000Z', 1_000_00));
    await send(TOPIC.orders, c.order('2024-03-02T10:00:00.000Z', 'SO-4E1', 50_000_00));
    await send(TOPIC.fraudChecks, c.fraud('2024-03-02T10:00:00.000Z', 'SO-4E1', 'CLEAR'));
    await until('the held order', (e) => of(e, c.id).some((x) => x.type === 'CreditDecision'));
    const request = { commandId: '4E-req', actor: 'ann', adjustmentId: 'ADJ-4E', changeMinor: 100_000_00, changePercent: null, currency: 'EUR', temporary: false, expiresOn: null, reason: 'new contract' };
    await send(TOPIC.creditCommands,
      c.command('2024-03-02T11:00:00.000Z', 'RequestCreditLimitAdjustment', request),
      c.command('2024-03-02T11:01:00.000Z', 'ApproveCreditLimitAdjustment', { commandId: '4E-self', actor: 'ann', adjustmentId: 'ADJ-4E' }),
      c.command('2024-03-02T11:02:00.000Z', 'ApproveCreditLimitAdjustment', { commandId: '4E-ok', actor: 'bob', adjustmentId: 'ADJ-4E' }),
      c.command('2024-03-02T11:03:00.000Z', 'ApproveCreditLimitAdjustment', { commandId: '4E-ok', actor: 'bob', adjustmentId: 'ADJ-4E' }),
    );
    await producer.sendRaw(iso.topic(TOPIC.creditCommands), [{ key: c.id, value: Buffer.from('not avro') }]);
    const events = of(await until('the release after the approved limit', (e) => of(e, c.id).some((x) => x.type === 'CreditHoldReleased')), c.id);
    const refused = events.filter((e) => e.type === 'CreditCommandRefused') as Extract<CreditDecisionEnvelope, { type: 'CreditCommandRefused' }>[];
    assert.deepEqual(refused.map((e) => [e.payload.commandId, e.payload.reasonCode]), [['4E-self', 'SAME_APPROVER']], 'the repeated approval is a duplicate, not a second refusal');
    assert.equal(events.filter((e) => e.type === 'CreditLimitAdjustmentRequested').length, 1);
    const release = events.find((e) => e.type === 'CreditHoldReleased') as Extract<CreditDecisionEnvelope, { type: 'CreditHoldReleased' }>;
    assert.equal(release.payload.clearedBy, '4E-ok:limit-set', 'the CreditLimitSet it produced, folded back from the customers topic, cleared the hold');
    await waitCaughtUp(kafka, iso.groupId, CREDIT_INPUTS.map(iso.topic), 60_000);
    const dead = await readTopic<{ payload: { reasonCode: string; originalTopic: string } }>(kafka, codec, iso.topic('creditstream.credit-service.dlq.v1'));
    assert.deepEqual(dead.map((d) => [d.event.payload.originalTopic, d.event.payload.reasonCode]), [[iso.topic(TOPIC.creditCommands), 'SCHEMA_DECODE_FAILED']]);
  });

  it('credit group: two members in different partitions share a limit — the second order is held on the group limit, a payment by the first releases it, a group limit raised with four eyes releases another', async function () {
    this.timeout(180_000);
    const a = new Customer('GRP-A');
    const candidates = ['GRP-B', 'GRP-B2', 'GRP-B3', 'GRP-B4', 'GRP-B5', 'GRP-B6'];
    const b = new Customer(candidates.find((id) => partitionOf(id) !== partitionOf(a.id)) as string);
    const group = 'FAMILY-E2E';
    // In April, after the business times of the tests before it: the what-if replay below merges each partition's
    // topics by business time and keeps each topic's offset order, so records of earlier tests with later business
    // times in the same topic partition would delay this scenario's in the replay.
    for (const t of GROUP_INPUTS) await codec.register(iso.topic(t), loadSchema(t));
    const groupEvent = (time: string, type: string, payload: object, eventId: string) => ({ key: group, event: { eventId, eventTime: time, customerId: group, causationId: null, type, payload } });
    for (const c of [a, b]) {
      await send(TOPIC.customers, c.registered('2024-04-01T08:00:00.000Z'), c.limit('2024-04-01T08:00:01.000Z', 100_000_00));
      await send(TOPIC.creditCommands, c.command('2024-04-01T08:30:00.000Z', 'SetCreditGroup', { commandId: `join-${c.id}`, actor: 'ann', creditGroupId: group, reason: 'one corporate family' }));
    }
    // The group limit as master data from the ERP.
    await send(TOPIC.creditGroups, groupEvent('2024-04-01T09:00:00.000Z', 'CreditGroupLimitSet', { limitType: 'BALANCE', amountMinor: 10_000_00, currency: 'EUR', unlimited: false, temporary: false, expiresOn: null, reason: 'family limit' }, 'family-limit-1'));
    await send(TOPIC.invoices, a.invoice('2024-04-01T10:00:00.000Z', 'INV-GA1', 8_000_00, '2024-04-30'));
    // The other member's exposure reaches B's task through the group task (the consistency window): wait for it.
    const groupOf = async (id: string) => (await service.reader().customers()).find((v) => v.customerId === id)?.creditGroup;
    await waitFor('A\'s invoice in B\'s view of the group', async () => ((await groupOf(b.id))?.othersBalanceMinor === 8_000_00 ? true : undefined), { timeoutMs: 60_000, intervalMs: 250 });
    await send(TOPIC.orders, a.order('2024-04-02T10:00:00.000Z', 'SO-GA1', 1_000_00));
    await send(TOPIC.fraudChecks, a.fraud('2024-04-02T10:00:00.000Z', 'SO-GA1', 'CLEAR'));
    await until('A\'s decision', (e) => of(e, a.id).some((x) => x.type === 'CreditDecision'));
    await send(TOPIC.orders, b.order('2024-04-02T11:00:00.000Z', 'SO-GB1', 5_000_00));
    await send(TOPIC.fraudChecks, b.fraud('2024-04-02T11:00:00.000Z', 'SO-GB1', 'CLEAR'));
    const decided = await until('B\'s decision', (e) => of(e, b.id).some((x) => x.type === 'CreditDecision'));
    const decisionOf = (events: CreditDecisionEnvelope[], orderId: string) => events.find((e) => e.type === 'CreditDecision' && e.payload.orderId === orderId) as Extract<CreditDecisionEnvelope, { type: 'CreditDecision' }>;
    assert.equal(decisionOf(decided, 'SO-GA1').payload.decision, 'APPROVED', '8,000 + 1,000 is within the group limit of 10,000');
    const held = decisionOf(decided, 'SO-GB1');
    assert.equal(held.payload.decision, 'HELD', 'B\'s own limit allows 5,000; the group\'s does not (8,000 of A + 5,000)');
    assert.deepEqual(held.payload.rulesFired.map((f) => [f.ruleType, f.scope]), [['group-limit-exceeded', 'ALL']]);
    const inputs = held.payload.rulesFired[0]?.inputs ?? {};
    assert.deepEqual([inputs.creditGroupId, inputs.groupLimitMinor, inputs.groupExposureMinor, inputs.othersBalanceMinor, inputs.groupMembers], [group, String(10_000_00), String(13_000_00), String(8_000_00), '2']);
    // The premise: the two members live in different partitions (different tasks).
    const partitions = (await readTopic<CreditDecisionEnvelope>(kafka, codec, iso.topic(TOPIC.creditDecisions))).filter((m) => m.event.type === 'CreditDecision' && (m.event.customerId === a.id || m.event.customerId === b.id));
    assert.equal(new Set(partitions.map((m) => m.partition)).size, 2);
    const holds = await waitFor('B\'s hold on the hold list', async () => {
      const list = (await service.reader().holds()).filter((h) => h.customerId === b.id);
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    assert.deepEqual(holds.map((h) => [h.orderId, h.reasons.join(), h.creditGroupId]), [['SO-GB1', 'group-limit-exceeded', group]]);

    // A pays: its task sends its exposure to the group task, which tells B's task; B's hold is released naming A's payment.
    const pay = a.payment('2024-04-03T14:00:00.000Z', 'PAY-GA1', 'INV-GA1', 6_000_00);
    await send(TOPIC.payments, pay);
    const afterPay = await until('B\'s release after A\'s payment', (e) => of(e, b.id).some((x) => x.type === 'CreditHoldReleased'));
    const released = of(afterPay, b.id).find((e) => e.type === 'CreditHoldReleased') as Extract<CreditDecisionEnvelope, { type: 'CreditHoldReleased' }>;
    assert.deepEqual([released.payload.orderId, released.payload.automatic, released.payload.clearedBy, released.causationId], ['SO-GB1', true, pay.event.eventId, pay.event.eventId]);
    assert.match(released.payload.reason, new RegExp(`of member ${a.id} of credit group ${group}`));

    // Another order of B over the group limit (2,000 of A + 9,000), then a group limit increase with four eyes.
    await send(TOPIC.orders, b.order('2024-04-04T10:00:00.000Z', 'SO-GB2', 9_000_00));
    await send(TOPIC.fraudChecks, b.fraud('2024-04-04T10:00:00.000Z', 'SO-GB2', 'CLEAR'));
    const second = await until('B\'s second decision', (e) => of(e, b.id).filter((x) => x.type === 'CreditDecision').length === 2);
    assert.equal(decisionOf(second, 'SO-GB2').payload.decision, 'HELD');
    assert.equal(decisionOf(second, 'SO-GB2').payload.rulesFired[0]?.inputs.groupExposureMinor, String(11_000_00));
    const request = { commandId: 'G-req', actor: 'ann', adjustmentId: 'GADJ-E2E', newLimitMinor: null, changeMinor: 20_000_00, changePercent: null, currency: 'EUR', limitType: null, temporary: false, expiresOn: null, reason: 'family grew' };
    await send(TOPIC.creditGroupCommands,
      groupEvent('2024-04-04T11:00:00.000Z', 'RequestCreditGroupLimitAdjustment', request, 'g-cmd-1'),
      groupEvent('2024-04-04T11:01:00.000Z', 'ApproveCreditGroupLimitAdjustment', { commandId: 'G-self', actor: 'ann', adjustmentId: 'GADJ-E2E' }, 'g-cmd-2'),
    );
    const readGroups = async () => (await readTopic<CreditGroupEnvelope>(kafka, codec, iso.topic(TOPIC.creditGroups))).map((m) => m.event);
    const refusedSelf = await waitFor('the requester\'s own approval refused', async () => {
      const events = await readGroups();
      return events.some((e) => e.type === 'CreditGroupCommandRefused') ? events : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    assert.deepEqual(refusedSelf.filter((e) => e.type === 'CreditGroupCommandRefused').map((e) => [e.payload.commandId, e.payload.reasonCode]), [['G-self', 'SAME_APPROVER']]);
    assert.deepEqual(refusedSelf.filter((e) => e.type === 'CreditGroupLimitAdjustmentRequested').map((e) => [e.payload.previousLimitMinor, e.payload.newLimitMinor, e.payload.requestedBy]), [[10_000_00, 30_000_00, 'ann']]);
    assert.equal(of(await decisions(), b.id).filter((e) => e.type === 'CreditHoldReleased').length, 1, 'nothing released before a second person approves');
    await send(TOPIC.creditGroupCommands, groupEvent('2024-04-04T11:02:00.000Z', 'ApproveCreditGroupLimitAdjustment', { commandId: 'G-ok', actor: 'bob', adjustmentId: 'GADJ-E2E' }, 'g-cmd-3'));
    const afterApproval = await until('B\'s release after the approved group limit', (e) => of(e, b.id).filter((x) => x.type === 'CreditHoldReleased').length === 2);
    const second2 = of(afterApproval, b.id).filter((e) => e.type === 'CreditHoldReleased')[1] as Extract<CreditDecisionEnvelope, { type: 'CreditHoldReleased' }>;
    assert.deepEqual([second2.payload.orderId, second2.payload.clearedBy], ['SO-GB2', 'G-ok:group-limit-set']);
    const limitSet = (await readGroups()).filter((e) => e.type === 'CreditGroupLimitSet');
    assert.deepEqual(limitSet.map((e) => [e.eventId, e.payload.amountMinor]), [['family-limit-1', 10_000_00], ['G-ok:group-limit-set', 30_000_00]]);
    const view = await waitFor('the group read model', async () => (await service.reader().groups()).find((g) => g.creditGroupId === group && g.permanentLimit?.amountMinor === 30_000_00), { timeoutMs: 30_000, intervalMs: 250 });
    assert.deepEqual(view.members.map((m) => [m.customerId, m.balanceMinor]), [[a.id, 2_000_00], [b.id, 0]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));

    // The what-if replay honours the groups: the same rules give the group members' decisions made; rules without the
    // group limit approve the two orders it held.
    const dir = mkdtempSync(join(tmpdir(), 'credit-group-what-if-'));
    const env = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, CREDIT_FRAUD_WAIT_MS: '1000' };
    const quiet = { out: () => undefined, err: () => undefined, now: () => performance.now() };
    const same = join(dir, 'same.json');
    writeFileSync(same, JSON.stringify({ ...DEFAULT_RULE_SET_DOCUMENT, version: 'same-e2e' }));
    const noGroups = join(dir, 'no-groups.json');
    writeFileSync(noGroups, JSON.stringify({ version: 'no-groups-e2e', rules: DEFAULT_RULE_SET_DOCUMENT.rules.filter((r) => r.type !== 'group-limit-exceeded') }));
    const members = (r: Awaited<ReturnType<typeof runCreditReplay>>) => r.report.differences.filter((d) => d.actual.customerId === a.id || d.actual.customerId === b.id).map((d) => [d.actual.orderId, d.change]);
    assert.deepEqual(members(await runCreditReplay({ rules: same, out: dir }, quiet, env)), []);
    const without = await runCreditReplay({ rules: noGroups, out: dir }, quiet, env);
    assert.deepEqual(members(without), [['SO-GB1', 'newly-approved'], ['SO-GB2', 'newly-approved']]);
    assert.equal(without.report.rules.find((r) => r.ruleId === 'group-credit-limit')?.newlyApproved, 2);
  });

  it('a rule set published with the CLI applies from its place in the stream and releases the holds it no longer justifies', async function () {
    this.timeout(120_000);
    const c = new Customer('RULES1');
    await send(TOPIC.customers, c.registered('2024-03-01T08:00:00.000Z'), c.limit('2024-03-01T08:00:01.000Z', 100_00));
    await send(TOPIC.orders, c.order('2024-03-02T10:00:00.000Z', 'SO-R1', 500_00));
    await send(TOPIC.fraudChecks, c.fraud('2024-03-02T10:00:00.000Z', 'SO-R1', 'CLEAR'));
    await until('the held order', (e) => of(e, c.id).some((x) => x.type === 'CreditDecision'));
    const dir = mkdtempSync(join(tmpdir(), 'credit-rules-'));
    const file = join(dir, 'lenient.yaml');
    writeFileSync(file, 'version: lenient-e2e\nrules:\n  - id: huge-orders\n    type: order-amount\n    amountMinor: 100000000\n');
    const quiet = { out: () => undefined, err: () => undefined, now: () => performance.now() };
    const { partitions } = await runCreditRulesPublish(file, { by: 'e2e', effective: '2024-03-06T00:00:00Z' }, quiet, { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix });
    assert.equal(partitions, 6);
    const events = of(await until('the release by the new rule set', (e) => of(e, c.id).some((x) => x.type === 'CreditHoldReleased')), c.id);
    const released = events.find((e) => e.type === 'CreditHoldReleased') as Extract<CreditDecisionEnvelope, { type: 'CreditHoldReleased' }>;
    assert.match(released.payload.clearedBy ?? '', /^credit-rules:lenient-e2e:/);
    await send(TOPIC.orders, c.order('2024-03-07T10:00:00.000Z', 'SO-R2', 500_00));
    await send(TOPIC.fraudChecks, c.fraud('2024-03-07T10:00:00.000Z', 'SO-R2', 'CLEAR'));
    const after = of(await until('the next decision', (e) => of(e, c.id).filter((x) => x.type === 'CreditDecision').length === 2), c.id);
    const second = after.filter((e) => e.type === 'CreditDecision')[1] as Extract<CreditDecisionEnvelope, { type: 'CreditDecision' }>;
    assert.deepEqual([second.payload.decision, second.payload.ruleSetVersion], ['APPROVED', 'lenient-e2e']);
  });

  it('what-if: a candidate rule set replayed over the retained history, compared with the decisions made, written as CSV and HTML', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'credit-what-if-'));
    const file = join(dir, 'strict.json');
    writeFileSync(file, JSON.stringify({ version: 'strict-e2e', rules: [{ id: 'any-order-over-1', type: 'order-amount', amountMinor: 100 }] }));
    const lines: string[] = [];
    const io = { out: (l: string) => void lines.push(l), err: () => undefined, now: () => performance.now() };
    const { report, csv, html } = await runCreditReplay({ rules: file, out: dir }, io, { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, CREDIT_FRAUD_WAIT_MS: '1000' });
    assert.ok(report.orders >= 8, `${report.orders} orders compared`);
    const strict = report.rules.find((r) => r.ruleId === 'any-order-over-1');
    assert.ok(strict !== undefined && strict.newlyHeld >= 3, `newly held by the candidate: ${JSON.stringify(report.rules)}`);
    assert.ok(report.differences.some((d) => d.actual.orderId === 'SO-F2' && d.change === 'newly-held'), 'an order approved by the decisions made is held by the candidate');
    assert.ok(lines.some((l) => l.startsWith('  rule any-order-over-1 (EUR): ')), lines.join('\n'));
    assert.ok(existsSync(csv) && readFileSync(csv, 'utf8').startsWith('customer_id,order_id,decided_at'));
    assert.ok(existsSync(html) && readFileSync(html, 'utf8').includes('What-if: rule set strict-e2e'));
  });

  it('SIGKILL at random moments during a replay: every order ends with exactly one decision, identical to an uninterrupted run', async function () {
    this.timeout(600_000);
    const run = isolation('cscrash');
    await simulateInto(run.prefix, { seed: 23, customers: 150, days: 365 });
    const env = { ...process.env, MONGODB_DATABASE: run.database, CREDIT_SERVICE_GROUP_ID: run.groupId, CREDITSTREAM_TOPIC_PREFIX: run.prefix, CREDIT_SERVICE_SESSION_TIMEOUT_MS: '6000', CREDIT_SERVICE_COMMIT_INTERVAL_MS: '300', CREDIT_SERVICE_CATCH_UP_COMMIT_INTERVAL_MS: '300', CREDIT_FRAUD_CHECKS: 'off', CREDIT_SERVICE_AWAIT_DAILY_RUN: 'none', LOG_LEVEL: 'warn', HTTP_PORT: '0' };
    let seed = 20241205;
    const nextDelay = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 100 + (seed % 1500);
    };
    const inputs = CREDIT_INPUTS.map(run.topic);
    // The service creates the topics the simulator does not write (fraud checks, outlooks, commands, rules).
    const committed = () => committedTotal(kafka, run.groupId, inputs).catch(() => 0);
    const end = await endOffsetsTotal(kafka, [TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.orders, TOPIC.clock].map(run.topic));
    let kills = 0;
    // What each restart found committed and what was committed when it was killed: a failure below names them.
    const killLog: string[] = [];
    for (; kills < 4; kills++) {
      const before = await committed();
      if (before >= end) break;
      const child = spawnService(SERVICE_MAIN, env);
      await waitFor('progress after a restart', async () => (await committed()) > before, { timeoutMs: 120_000, intervalMs: 100 });
      await new Promise((r) => setTimeout(r, nextDelay()));
      child.child.kill('SIGKILL');
      assert.equal(await child.exited, 'SIGKILL');
      killLog.push(`kill ${kills + 1}: started at ${before} committed records of ${end}, killed at ${await committed()}`);
    }
    assert.ok(kills >= 2, `killed ${kills} times during the replay`);
    const final = spawnService(SERVICE_MAIN, env);
    try {
      await waitCaughtUp(kafka, run.groupId, inputs, 300_000);
    } finally {
      await final.announced;
      final.child.kill('SIGTERM');
      assert.equal(await final.exited, 0);
    }
    // The uninterrupted run: the same history through the same processor in memory, merged as a task merges it.
    const records: ReplayRecord[] = [];
    for (const t of inputs) for (const m of await readTopic<ReplayRecord['event']>(kafka, codec, t)) records.push({ topic: t, partition: m.partition, offset: m.offset, event: m.event });
    const topics = { customers: run.topic(TOPIC.customers), orders: run.topic(TOPIC.orders), clock: run.topic(TOPIC.clock), fraudChecks: run.topic(TOPIC.fraudChecks), outlooks: run.topic(TOPIC.customerOutlook), commands: run.topic(TOPIC.creditCommands), rules: run.topic(TOPIC.creditRules), decisions: run.topic(TOPIC.creditDecisions), groupExposure: run.topic(TOPIC.creditGroupExposure), groupPositions: run.topic(TOPIC.creditGroupPositions) };
    const expected = new Map<string, string>();
    for (let p = 0; p < 6; p++) for (const e of replayPartition(p, records, { inputs, topics, ruleSet: compileRuleSet(DEFAULT_RULE_SET_DOCUMENT), fraud: { mode: 'off', marginMs: 60_000, maxDays: 3 }, approvalThresholdMinor: 1_000_000 })) expected.set(e.eventId, canonical(e));
    const produced = new Map<string, string>();
    const perOrder = new Map<string, Set<string>>();
    await scanTopic<CreditDecisionEnvelope>(kafka, codec, run.topic(TOPIC.creditDecisions), ({ event }) => {
      const c = canonical(event);
      const first = produced.get(event.eventId);
      if (first !== undefined) assert.equal(c, first, `${event.eventId}: a repeated decision is identical`);
      produced.set(event.eventId, c);
      if (event.type === 'CreditDecision') perOrder.set(`${event.customerId}/${event.payload.orderId}`, new Set([...(perOrder.get(`${event.customerId}/${event.payload.orderId}`) ?? []), event.eventId]));
    });
    // Unique orders: the simulator's producer is not idempotent, and a request it retried on a busy broker writes its
    // records twice (regression: a fresh-clone run read 9,029 OrderPlaced records for the history's 8,990 orders and
    // failed, every order decided).
    const orderKey = (r: ReplayRecord) => {
      const e = r.event as { customerId: string; payload: { orderId: string } };
      return `${e.customerId}/${e.payload.orderId}`;
    };
    const placed = [...new Map(records.filter((r) => (r.event as { type: string }).type === 'OrderPlaced').map((r) => [orderKey(r), r] as const)).values()];
    const orders = placed.length;
    assert.ok(orders >= 200, `the history has ${orders} orders`);
    if (perOrder.size !== orders) {
      // Which orders, where in their partitions, whether the uninterrupted run decided them, and what was dead-lettered.
      const expectedIds = new Set(expected.keys());
      const undecided = placed.filter((r) => !perOrder.has(orderKey(r)));
      const dead = await readTopic<{ payload: { reasonCode: string; originalTopic: string; originalOffset?: number } }>(kafka, codec, run.topic('creditstream.credit-service.dlq.v1')).catch((err: unknown) => [{ partition: -1, offset: -1, event: { payload: { reasonCode: String(err), originalTopic: '' } } }]);
      const describe = (r: ReplayRecord) => {
        const e = r.event as { eventId: string; eventTime: string; customerId: string; payload: { orderId: string } };
        return `${e.customerId}/${e.payload.orderId} (partition ${r.partition}, offset ${r.offset}, ${e.eventTime}; the uninterrupted run ${expectedIds.has(`${e.eventId}:credit-decision`) ? 'decided it' : 'did not decide it either'})`;
      };
      assert.fail(`${orders - perOrder.size} of ${orders} orders placed have no decision, e.g. ${undecided.slice(0, 8).map(describe).join('; ')}; by partition ${JSON.stringify(countBy(undecided, (r) => r.partition))}; ${dead.length} dead letters ${JSON.stringify(countBy(dead, (d) => `${d.event.payload.originalTopic} ${d.event.payload.reasonCode}`))}; ${killLog.join('; ')}`);
    }
    assert.ok([...perOrder.values()].every((ids) => ids.size === 1), 'exactly one decision id per order');
    assert.deepEqual([...produced.keys()].sort(), [...expected.keys()].sort(), `after ${kills} SIGKILLs the same decision ids`);
    for (const [id, c] of expected) assert.equal(produced.get(id), c, `${id}: same content`);
  });
});

/** How many items fall under each key. */
function countBy<T>(items: readonly T[], key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[String(key(item))] = (counts[String(key(item))] ?? 0) + 1;
  return counts;
}
