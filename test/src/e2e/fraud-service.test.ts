import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFraudTruth, runFraudReplay, runFraudRulesPublish, runSimulate } from '@creditstream/cli';
import { readEventLog } from '@creditstream/feature-service';
import { BUILTIN_RULES, createFraudService, FRAUD_INPUTS, fraudCheckId, loadFraudServiceConfig, type FraudService } from '@creditstream/fraud-service';
import { createProducer, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, type DeadLetterEvent, type FraudCheckEvent, type OrderEnvelope, type OrderPlacedEvent } from '@creditstream/schemas';
import { uniqueName, waitFor } from '@creditstream/testing';
import { quietIo, readTopic, waitCaughtUp, stackClients } from './pipeline';

function isolation(name: string) {
  const prefix = `${uniqueName(name)}.`;
  return { prefix, database: uniqueName('fr').replace(/[-.]/g, '_'), group: uniqueName('fraud-service'), topic: (t: string) => `${prefix}${t}` };
}

function startService(iso: ReturnType<typeof isolation>, group = iso.group, database = iso.database): Promise<FraudService> {
  const service = createFraudService({ config: loadFraudServiceConfig({ ...process.env, MONGODB_DATABASE: database, HTTP_PORT: '0', FRAUD_SERVICE_GROUP_ID: group, FRAUD_SERVICE_AWAIT_DAILY_RUN: 'none' }), topicPrefix: iso.prefix });
  return service.start().then(() => service);
}

const placedOf = (orders: { event: unknown }[]) => orders.map((o) => o.event as OrderEnvelope).filter((e): e is OrderPlacedEvent => e.type === 'OrderPlaced');

describe('fraud service on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => ({ kafka, codec } = stackClients()));

  it('simulator → fraud service: one check per order (deterministic id, causation, rule-set version), frauds reviewed, an unknown customer checked, bad orders dead-lettered with their reason, a published rule set applied from its business time, a replay and a fresh instance recomputing every check identically', async function () {
    this.timeout(600_000);
    const iso = isolation('fr');
    const dir = mkdtempSync(join(tmpdir(), 'fraud-e2e-'));
    const truthFile = join(dir, 'truth.ndjson');
    const env = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: iso.prefix };
    let service: FraudService | null = null;
    let fresh: FraudService | null = null;
    try {
      await runSimulate({ seed: 31, customers: 150, days: 200, truth: truthFile }, quietIo, env);
      const truth = await readFraudTruth(truthFile);
      assert.ok(truth.size > 0, 'the simulated company has fraudulent orders');

      // Bad input and a stranger, among the simulated orders.
      const ordersTopic = iso.topic(TOPIC.orders);
      await codec.register(ordersTopic, loadSchema(TOPIC.orders));
      const producer = createProducer({ kafka, codec });
      await producer.connect();
      const t = '2024-05-02T10:00:00.000Z';
      const stranger: OrderPlacedEvent = { eventId: 'stranger-order-1', eventTime: t, customerId: 'C-NEVER-REGISTERED', causationId: null, type: 'OrderPlaced', payload: { orderId: 'SO-STRANGER-1', amountMinor: 250_000, currency: 'EUR', lineCount: 2, orderDate: '2024-05-02', requestedShipDate: null } };
      const negative: OrderPlacedEvent = { ...stranger, eventId: 'negative-order-1', customerId: 'C000001', payload: { ...stranger.payload, orderId: 'SO-NEGATIVE-1', amountMinor: -5 } };
      await producer.send(ordersTopic, [{ key: stranger.customerId, event: stranger }, { key: negative.customerId, event: negative }]);
      await producer.sendRaw(ordersTopic, [{ key: 'C000002', value: Buffer.from('not avro at all') }]);

      service = await startService(iso);
      await waitCaughtUp(kafka, iso.group, FRAUD_INPUTS.map(iso.topic), 300_000);

      // The poison record is not Avro: read the decodable ones, as the fold does.
      const orders = await readEventLog(kafka, codec, [ordersTopic]);
      // By event id: a producer's retry on a busy broker may write a record twice (the simulator's and the service's
      // producers are not idempotent), and consumers drop such duplicates by id.
      const placed = [...new Map(placedOf(orders).filter((o) => o.eventId !== negative.eventId).map((o) => [o.eventId, o])).values()];
      const checks = (await readTopic<FraudCheckEvent>(kafka, codec, iso.topic(TOPIC.fraudChecks))).map((c) => c.event);
      const byId = new Map<string, FraudCheckEvent>();
      for (const c of checks) {
        const first = byId.get(c.eventId);
        if (first !== undefined) assert.deepEqual(c, first, `${c.eventId}: a repeated check is identical`);
        byId.set(c.eventId, c);
      }
      assert.equal(byId.size, placed.length, 'one check per valid order placed');
      for (const o of placed) {
        const check = byId.get(fraudCheckId(o.customerId, o.payload.orderId));
        assert.ok(check, `${o.customerId}/${o.payload.orderId} has its check`);
        assert.equal(check.causationId, o.eventId);
        assert.equal(check.eventTime, o.eventTime);
        assert.equal(check.payload.ruleSetVersion, BUILTIN_RULES.version);
        assert.ok(check.payload.score >= 0 && check.payload.score <= 1);
        assert.equal(check.payload.outcome, check.payload.score >= BUILTIN_RULES.reviewThreshold ? 'REVIEW' : 'CLEAR');
      }
      const strangerCheck = byId.get(fraudCheckId('C-NEVER-REGISTERED', 'SO-STRANGER-1'));
      assert.equal(strangerCheck?.payload.outcome, 'REVIEW');
      assert.deepEqual(strangerCheck?.payload.reasons.map((r) => r.code), ['new-account-large-order']);
      const caught = [...truth.values()].filter((f) => byId.get(fraudCheckId(f.customerId, f.orderId))?.payload.outcome === 'REVIEW').length;
      assert.ok(caught / truth.size >= 0.7, `${caught} of ${truth.size} fraudulent orders reviewed`);

      const dead = (await readTopic<DeadLetterEvent>(kafka, codec, iso.topic('creditstream.fraud-service.dlq.v1'))).map((d) => d.event.payload);
      assert.deepEqual(dead.map((d) => [d.originalTopic, d.reasonCode]).sort(), [[ordersTopic, 'INVALID_AMOUNT'], [ordersTopic, 'SCHEMA_DECODE_FAILED']].sort(), JSON.stringify(dead.map((d) => d.reasonMessage)));
      assert.match(dead.find((d) => d.reasonCode === 'INVALID_AMOUNT')?.reasonMessage ?? '', /amountMinor must be a positive integer of minor units, got -5/);

      // A stricter rule set, effective after the history: the orders placed from then on are checked with it.
      const strict = { ...structuredClone(BUILTIN_RULES), version: 'e2e-strict-1', reviewThreshold: 0.05 };
      const rulesFile = join(dir, 'strict.json');
      writeFileSync(rulesFile, JSON.stringify(strict));
      const published = await runFraudRulesPublish(rulesFile, { by: 'e2e' }, quietIo, env);
      assert.ok(published.written);
      const later = new Date(Date.parse(published.effective) + 3_600_000).toISOString();
      const after: OrderPlacedEvent = { ...stranger, eventId: 'after-rules-1', eventTime: later, customerId: 'C000003', payload: { ...stranger.payload, orderId: 'SO-AFTER-RULES-1', orderDate: later.slice(0, 10) } };
      await producer.send(ordersTopic, [{ key: after.customerId, event: after }]);
      await producer.disconnect();
      const afterCheck = await waitFor('the check of the order placed after the rule set', async () => {
        const all = (await readTopic<FraudCheckEvent>(kafka, codec, iso.topic(TOPIC.fraudChecks))).map((c) => c.event);
        return all.find((c) => c.eventId === fraudCheckId('C000003', 'SO-AFTER-RULES-1'));
      }, { timeoutMs: 60_000, intervalMs: 500 });
      assert.equal(afterCheck.payload.ruleSetVersion, 'e2e-strict-1');
      assert.equal(afterCheck.payload.reviewThreshold, 0.05);
      const ruleSets = await waitFor('the rule set in every task\'s read model', async () => {
        const sets = await (service as FraudService).reader().ruleSets();
        return sets.size === 6 && [...sets.values()].every((s) => s.some((r) => r.version === 'e2e-strict-1')) ? sets : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });
      assert.equal(ruleSets.size, 6);
      await waitCaughtUp(kafka, iso.group, FRAUD_INPUTS.map(iso.topic), 60_000);

      // The what-if replay recomputes every check made identically; a candidate that reviews nothing clears them all.
      const lenientFile = join(dir, 'lenient.json');
      writeFileSync(lenientFile, JSON.stringify({ ...structuredClone(BUILTIN_RULES), version: 'e2e-lenient-1', reviewThreshold: 1 }));
      const whatIf = await runFraudReplay({ rules: lenientFile, out: dir, truth: truthFile }, quietIo, env);
      assert.equal(whatIf.made.different, 0, 'the replay recomputes the checks made');
      assert.equal(whatIf.made.identical, placed.length + 1);
      assert.equal(whatIf.whatIf.candidateReviews, 0);
      assert.equal(whatIf.whatIf.changes.length, whatIf.whatIf.baselineReviews);
      assert.ok((whatIf.evaluation?.baseline.recall ?? 0) >= 0.7);

      // A fresh instance (new group, new database) replays everything: the same checks, byte for byte.
      await service.stop();
      service = null;
      // What the first instance wrote, and where each partition of the checks topic ended before the fresh one ran.
      const beforeFresh = await readTopic<FraudCheckEvent>(kafka, codec, iso.topic(TOPIC.fraudChecks));
      const firstIds = new Set(beforeFresh.map((c) => c.event.eventId));
      assert.equal(firstIds.size, placed.length + 1, 'one check per order, the one after the rule set included');
      const endedAt = new Map<number, number>();
      for (const c of beforeFresh) endedAt.set(c.partition, Math.max(endedAt.get(c.partition) ?? -1, c.offset));
      const freshIso = { ...iso, group: uniqueName('fraud-service-fresh'), database: uniqueName('fr2').replace(/[-.]/g, '_') };
      fresh = await startService(freshIso);
      await waitCaughtUp(kafka, freshIso.group, FRAUD_INPUTS.map(iso.topic), 300_000);
      const written = await readTopic<FraudCheckEvent>(kafka, codec, iso.topic(TOPIC.fraudChecks));
      const again = new Set(written.filter((c) => c.offset > (endedAt.get(c.partition) ?? -1)).map((c) => c.event.eventId));
      assert.deepEqual([...again].sort(), [...firstIds].sort(), 'the fresh instance checked every order again');
      const first = new Map<string, string>();
      for (const { event: c } of written) {
        const seen = first.get(c.eventId);
        if (seen === undefined) first.set(c.eventId, JSON.stringify(c));
        else assert.equal(JSON.stringify(c), seen, `${c.eventId}: the replayed check is identical`);
      }
    } finally {
      await service?.stop();
      await fresh?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
