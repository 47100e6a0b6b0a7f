import assert from 'node:assert/strict';
import { runModelPublish, runModelTrain } from '@creditstream/cli';
import { join } from 'node:path';
import { createFeatureService, FEATURE_INPUTS, FeatureStateReader, loadFeatureServiceConfig, versionOf } from '@creditstream/feature-service';
import { applyTick, appliedOffset, customerFeatureVector, invoiceFeatures, sourceKey, type CustomerState, type InvoiceState } from '@creditstream/features';
import { committedTotal, createProducer, endOffsetsTotal, type Kafka } from '@creditstream/kafka';
import { builtInColdStart, createScorer, ModelRegistry, type Scorer } from '@creditstream/model';
import { SchemaCodec } from '@creditstream/schema';
import { createScoringService, loadScoringServiceConfig, PredictionReader, scoredVectorId, shouldEmit, type CustomerPredictions, type ScoringService } from '@creditstream/scoring-service';
import { loadSchema, TOPIC, type BusinessDayTickEvent, type CustomerFeaturesChangedEvent, type CustomerPaymentOutlookEvent, type InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import { openStore } from '@creditstream/store';
import { REPO_ROOT, stack, uniqueName, waitFor } from '@creditstream/testing';
import { quietIo, readTopic, simulateInto, spawnService, waitCaughtUp, stackClients } from './pipeline';

const SCORING_MAIN = join(REPO_ROOT, 'services', 'scoring-service', 'dist', 'src', 'main.js');

function isolation(name: string) {
  const prefix = `${uniqueName(name)}.`;
  return {
    prefix,
    database: uniqueName('sc').replace(/[-.]/g, '_'),
    featureGroup: uniqueName('feature-service'),
    scoringGroup: uniqueName('scoring-service'),
    topic: (t: string) => `${prefix}${t}`,
  };
}

const invoiceKey = (customerId: string, invoiceId: string) => `${customerId.length}:${customerId}:${invoiceId}`;

/** A final customer state with its version. */
interface FinalState {
  state: CustomerState;
  version: number;
}

/** The final states, brought to their partition's latest tick the way the feature service does it lazily. */
async function finalStates(reader: FeatureStateReader, clockTopic: string): Promise<FinalState[]> {
  const out: FinalState[] = [];
  for (const { state, clock, partition } of (await reader.customers()).values()) {
    if (clock) {
      const source = { topic: clockTopic, partition, offset: clock.offset };
      if (appliedOffset(state, sourceKey(source)) < clock.offset) applyTick(state, clock.tick as BusinessDayTickEvent, source);
    }
    out.push({ state, version: versionOf(state) });
  }
  return out;
}

/** The last event per invoice, in topic order (one customer's events are on one partition, in order). */
function lastPerInvoice(events: { event: InvoicePaymentPredictedEvent }[]): Map<string, InvoicePaymentPredictedEvent> {
  const last = new Map<string, InvoicePaymentPredictedEvent>();
  for (const { event } of events) last.set(invoiceKey(event.customerId, event.payload.invoiceId), event);
  return last;
}

const asVector = (values: readonly (number | null)[]) => Float64Array.from(values, (x) => (x === null ? NaN : x));

/** What the checks read: the topics of a test, the feature service's state, and the scoring service's predictions. */
interface Pipeline {
  kafka: Kafka;
  codec: SchemaCodec;
  iso: ReturnType<typeof isolation>;
  features: FeatureStateReader;
  predictions: PredictionReader;
}

/**
 * Every open invoice of the final state has a current prediction: the last event for it equals a direct scoring of
 * the vector it names (logged), the scoring service scored the final state (its version and business date), and the
 * current prediction is within the emission threshold of a direct scoring of the final state's vector (as the
 * features library computes it). The stored predictions hold exactly the open invoices. `duplicates`: 'none' in a
 * run without crashes; 'identical' after crashes (a replay repeats an event with its id and content).
 */
async function checkCurrentPredictions(p: Pipeline, scorer: Scorer, duplicates: 'none' | 'identical'): Promise<{ states: FinalState[]; docs: Map<string, CustomerPredictions> }> {
  const { kafka, codec, iso } = p;
  const predicted = await readTopic<InvoicePaymentPredictedEvent>(kafka, codec, iso.topic(TOPIC.invoicePredictions));
  const byId = new Map<string, string>();
  for (const { event } of predicted) {
    const content = JSON.stringify(event);
    const seen = byId.get(event.eventId);
    if (seen !== undefined) {
      assert.equal(duplicates, 'identical', `${event.eventId} emitted twice`);
      assert.equal(content, seen, `${event.eventId}: a repeated event is identical`);
    }
    byId.set(event.eventId, content);
  }
  const last = lastPerInvoice(predicted);
  const log = new Map((await p.predictions.scoredVectors()).map((e) => [e.id, e]));
  const states = await finalStates(p.features, iso.topic(TOPIC.clock));
  const docs = await p.predictions.customers();
  const announced = new Map<string, number>();
  for (const { event } of await readTopic<CustomerFeaturesChangedEvent>(kafka, codec, iso.topic(TOPIC.featuresChanged))) announced.set(event.customerId, Math.max(announced.get(event.customerId) ?? 0, event.payload.version));
  let open = 0;
  for (const { state, version } of states) {
    const openInvoices = state.invoices.filter((i: InvoiceState) => i.status === 'OPEN');
    const doc = docs.get(state.customerId);
    assert.deepEqual(doc?.predictions.map((x) => x.invoiceId) ?? [], openInvoices.map((i) => i.invoiceId), `${state.customerId}: stored predictions are the open invoices`);
    const customerVector = customerFeatureVector(state, state.asOf);
    // The last announced version: a change that moves no feature and no invoice (an order, say) raises the state's
    // version without an announcement.
    if (openInvoices.length > 0) assert.deepEqual(doc?.scored, { customerVersion: announced.get(state.customerId), asOf: state.asOf, modelVersion: scorer.modelVersion }, `${state.customerId}: the last announcement was scored (final state v${version})`);
    for (const invoice of openInvoices) {
      open++;
      const what = `${state.customerId}/${invoice.invoiceId}`;
      const event = last.get(invoiceKey(state.customerId, invoice.invoiceId));
      assert.ok(event, `${what}: a prediction`);
      assert.equal(event.payload.modelVersion, scorer.modelVersion, `${what}: scored by ${scorer.modelVersion}`);
      const entry = log.get(event.payload.featureVectorId);
      assert.ok(entry, `${what}: logged vector ${event.payload.featureVectorId}`);
      const direct = scorer.score(asVector(entry.values), { factors: 5 });
      assert.deepEqual(
        [event.payload.pOnTime, event.payload.pLate, event.payload.pVeryLate, event.payload.predictedBucket, event.payload.atRisk, event.payload.topFactors.map(plainFactor)],
        [direct.pOnTime, direct.pLate, direct.pVeryLate, direct.predictedBucket, direct.pOnTime < 0.5, direct.factors.map(plainFactor)],
        `${what}: the event is the direct scoring of its logged vector`,
      );
      const current = doc?.predictions.find((x) => x.invoiceId === invoice.invoiceId);
      assert.equal(current?.eventId, event.eventId, `${what}: the stored current prediction is the last event`);
      const now = scorer.score(invoiceFeatures(state, invoice, state.asOf, customerVector), { factors: 0 });
      assert.equal(shouldEmit(event.payload, { ...now, atRisk: now.pOnTime < 0.5, modelVersion: scorer.modelVersion }, 0.005), false, `${what}: the current prediction is up to date`);
    }
  }
  assert.ok(open >= 10, `${open} open invoices checked`);
  return { states, docs };
}

const plainFactor = (f: { feature: string; value: number | null; contribution: number }) => ({ feature: f.feature, value: f.value, contribution: f.contribution });

describe('scoring service on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => ({ kafka, codec } = stackClients()));

  it('simulator → feature service → scoring service: every open invoice ends with the scoring of its logged vector; a payment re-scores the other open invoices; a published model takes over', async function () {
    this.timeout(300_000);
    const iso = isolation('sc');
    await simulateInto(iso.prefix, { seed: 17, customers: 30, days: 120 });
    const env = { ...process.env, MONGODB_DATABASE: iso.database, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: iso.prefix };
    const features = createFeatureService({ config: loadFeatureServiceConfig({ ...env, FEATURE_SERVICE_GROUP_ID: iso.featureGroup }), topicPrefix: iso.prefix });
    const scoring: ScoringService = createScoringService({ config: loadScoringServiceConfig({ ...env, SCORING_SERVICE_GROUP_ID: iso.scoringGroup }), topicPrefix: iso.prefix });
    await features.start();
    await scoring.start();
    const scoringInputs = [iso.topic(TOPIC.featuresChanged)];
    try {
      await waitCaughtUp(kafka, iso.featureGroup, FEATURE_INPUTS.map(iso.topic), 120_000);
      await waitCaughtUp(kafka, iso.scoringGroup, scoringInputs, 120_000);
      const reader = scoring.reader();
      const predictionDocs = () => reader.customers();
      const pipeline: Pipeline = { kafka, codec, iso, features: features.reader(), predictions: reader };
      const checkCurrent = (scorer: Scorer) => checkCurrentPredictions(pipeline, scorer, 'none');

      // 1. Before any model is published, the built-in cold-start model scores.
      const coldStart = createScorer(builtInColdStart());
      const { states, docs } = await checkCurrent(coldStart);

      // 2. A payment on one invoice re-scores that customer's other open invoices.
      const sameCurrency = (i: InvoiceState) => i.status === 'OPEN' && !i.currencyMismatch;
      const target = states.filter((c) => c.state.invoices.filter(sameCurrency).length >= 2).sort((a, b) => (a.state.customerId < b.state.customerId ? -1 : 1))[0];
      assert.ok(target, 'a customer with two open invoices');
      const customerId = target.state.customerId;
      const [paid, ...others] = target.state.invoices.filter(sameCurrency) as [InvoiceState, ...InvoiceState[]];
      const before = docs.get(customerId) as CustomerPredictions;
      const producer = createProducer({ kafka, codec });
      await producer.connect();
      await codec.register(iso.topic(TOPIC.payments), loadSchema(TOPIC.payments));
      const asOf = target.state.asOf;
      await producer.send(iso.topic(TOPIC.payments), [{
        key: customerId,
        event: { eventId: 'e2e-payment-1', eventTime: `${asOf}T12:00:00.000Z`, customerId, causationId: null, type: 'PaymentReceived', payload: { paymentId: 'E2E-PAY-1', amountMinor: paid.openMinor, currency: paid.currency, method: 'BANK_TRANSFER', receivedOn: asOf, applications: [{ invoiceId: paid.invoiceId, amountMinor: paid.openMinor }], unappliedMinor: 0 } },
      }]);
      await producer.disconnect();
      const after = await waitFor('the payment re-scored', async () => {
        const doc = (await predictionDocs()).get(customerId);
        return doc?.scored && before.scored && doc.scored.customerVersion > before.scored.customerVersion && !doc.predictions.some((p) => p.invoiceId === paid.invoiceId) ? doc : undefined;
      }, { timeoutMs: 60_000, intervalMs: 200 });
      await waitCaughtUp(kafka, iso.featureGroup, FEATURE_INPUTS.map(iso.topic), 60_000);
      await waitCaughtUp(kafka, iso.scoringGroup, scoringInputs, 60_000);
      const scored = after.scored as NonNullable<CustomerPredictions['scored']>;
      const version = scored.customerVersion;
      const log = new Map((await reader.scoredVectors(customerId)).map((e) => [e.id, e]));
      const predicted = (await readTopic<InvoicePaymentPredictedEvent>(kafka, codec, iso.topic(TOPIC.invoicePredictions))).filter((p) => p.event.customerId === customerId);
      const paidState = (await finalStates(features.reader(), iso.topic(TOPIC.clock))).find((f) => f.state.customerId === customerId) as FinalState;
      assert.ok(paidState.version >= version, 'scored at the state after the payment');
      for (const invoice of others) {
        const vector = invoiceFeatures(paidState.state, paidState.state.invoices.find((i) => i.invoiceId === invoice.invoiceId) as InvoiceState);
        const rescored = coldStart.score(vector, { factors: 0 });
        const previous = before.predictions.find((p) => p.invoiceId === invoice.invoiceId);
        const id = scoredVectorId(customerId, invoice.invoiceId, scored.asOf, version);
        const emitted = predicted.find((p) => p.event.payload.featureVectorId === id);
        // Emitted exactly when the rule says so; an emitted one's vector is logged.
        assert.equal(emitted !== undefined, shouldEmit(previous, { ...rescored, atRisk: rescored.pOnTime < 0.5, modelVersion: coldStart.modelVersion }, 0.005), `${invoice.invoiceId}: emitted per the rule`);
        if (emitted) {
          assert.match(emitted.event.causationId ?? '', new RegExp(`^${customerId}:features:${version}:[0-9a-f]{8}$`));
          assert.deepEqual(asVector(log.get(id)?.values ?? []), vector, `${invoice.invoiceId}: logged vector`);
        }
      }
      const outlooks = (await readTopic<CustomerPaymentOutlookEvent>(kafka, codec, iso.topic(TOPIC.customerOutlook))).filter((o) => o.event.customerId === customerId);
      const outlook = outlooks[outlooks.length - 1]?.event;
      assert.equal(outlook?.payload.openBalanceMinor, (before.outlook?.openBalanceMinor ?? 0) - paid.openMinor, 'the paid invoice left the outlook at once');
      assert.equal(outlook?.payload.openInvoiceCount, (before.outlook?.openInvoiceCount ?? 0) - 1);
      assert.deepEqual({ ...outlook?.payload }, after.outlook, 'the stored outlook is the last emitted one');

      // 3. Hot reload: a published model re-scores every open invoice, nothing is lost or emitted twice.
      const trained = await runModelTrain({ source: 'event-log', seed: 1, minRows: 50, minPerBucket: 3 }, quietIo, env);
      assert.equal(trained.outcome, 'trained', 'a LightGBM model (its factors come from TreeSHAP)');
      const version1 = trained.model.version;
      await runModelPublish(version1, { by: 'e2e' }, quietIo, env);
      const registryStore = await openStore({ uri: stack().mongodbUri, database: iso.database });
      let published: Scorer;
      try {
        published = createScorer(await new ModelRegistry(registryStore).get(version1));
      } finally {
        await registryStore.close();
      }
      await waitFor('the model reloaded', () => scoring.models.scorer.modelVersion === version1, { timeoutMs: 30_000 });
      await waitFor(`every customer re-scored by ${version1}`, async () => {
        const all = [...(await predictionDocs()).values()];
        return all.length > 0 && all.every((d) => d.scored?.modelVersion === version1);
      }, { timeoutMs: 60_000, intervalMs: 250 });
      await checkCurrent(published);
    } finally {
      await scoring.stop();
      await features.stop();
    }
  });

  it('SIGKILLed at random moments while scoring a replayed history: no prediction is lost, a repeated one is identical', async function () {
    this.timeout(600_000);
    const iso = isolation('sccrash');
    await simulateInto(iso.prefix, { seed: 29, customers: 150, days: 300 });
    const env = { ...process.env, MONGODB_DATABASE: iso.database, HTTP_PORT: '0', CREDITSTREAM_TOPIC_PREFIX: iso.prefix, LOG_LEVEL: 'warn' };
    const features = createFeatureService({ config: loadFeatureServiceConfig({ ...env, FEATURE_SERVICE_GROUP_ID: iso.featureGroup }), topicPrefix: iso.prefix });
    await features.start();
    try {
      await waitCaughtUp(kafka, iso.featureGroup, FEATURE_INPUTS.map(iso.topic), 300_000);
    } finally {
      await features.stop();
    }
    // Frequent checkpoints, so the kills land between and inside them.
    const childEnv = { ...env, SCORING_SERVICE_GROUP_ID: iso.scoringGroup, SCORING_SERVICE_SESSION_TIMEOUT_MS: '6000', SCORING_SERVICE_COMMIT_INTERVAL_MS: '50' };
    const start = () => spawnService(SCORING_MAIN, childEnv);
    // After each start, wait until it has committed progress, then a seeded random 0.02 to 0.25 s more, then SIGKILL.
    let seed = 424242;
    const nextDelay = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 20 + (seed % 230);
    };
    const inputs = [iso.topic(TOPIC.featuresChanged)];
    const ends = await endOffsetsTotal(kafka, inputs);
    const killedAt: number[] = [];
    let kills = 0;
    for (; kills < 5; kills++) {
      const before = await committedTotal(kafka, iso.scoringGroup, inputs);
      if (before >= ends) break;
      const run = start();
      await waitFor('progress after a restart', async () => (await committedTotal(kafka, iso.scoringGroup, inputs)) > before, { timeoutMs: 120_000, intervalMs: 100 });
      await new Promise((r) => setTimeout(r, nextDelay()));
      run.child.kill('SIGKILL');
      assert.equal(await run.exited, 'SIGKILL');
      killedAt.push(await committedTotal(kafka, iso.scoringGroup, inputs));
    }
    console.log(`      [SIGKILL] ${kills} times, with ${killedAt.map((c) => `${Math.round((100 * c) / ends)}%`).join(', ')} of ${ends} input messages committed`);
    assert.ok(kills >= 3, `killed ${kills} times before the end of the input`);
    const final = start();
    try {
      await waitCaughtUp(kafka, iso.scoringGroup, inputs, 300_000);
    } finally {
      await final.announced;
      final.child.kill('SIGTERM');
      assert.equal(await final.exited, 0);
    }
    const mongo = await openStore({ uri: stack().mongodbUri, database: iso.database });
    try {
      const pipeline: Pipeline = { kafka, codec, iso, features: new FeatureStateReader(mongo), predictions: new PredictionReader(mongo) };
      await checkCurrentPredictions(pipeline, createScorer(builtInColdStart()), 'identical');
    } finally {
      await mongo.close();
    }
  });
});
