import assert from 'node:assert/strict';
import { openStore, type Store } from '@creditstream/store';
import { stack, uniqueName } from '@creditstream/testing';
import { loadActiveModel, loadModelVersion, metricsRecord, ModelRegistry, REGISTRY_COLLECTIONS, REGISTRY_INDEXES, trainPaymentModel, UnknownModelVersionError, type TrainedModel } from '../src';
import { syntheticTrainingData } from './support/synthetic';

describe('ModelRegistry on MongoDB', function () {
  this.timeout(120_000);
  let store: Store;
  let trained: TrainedModel;
  let coldStart: TrainedModel;

  before(async () => {
    store = await openStore({ uri: stack().mongodbUri, database: uniqueName('model').replace(/[-.]/g, '_'), indexes: REGISTRY_INDEXES });
    const outcome = await trainPaymentModel(syntheticTrainingData({ customers: 60, invoicesPerCustomer: 25, seed: 4 }), { seed: 2, explainRows: 50 });
    assert.equal(outcome.kind, 'trained');
    trained = outcome.model;
    const small = await trainPaymentModel(syntheticTrainingData({ customers: 2, invoicesPerCustomer: 10, seed: 4 }), {});
    coldStart = small.model;
  });

  after(async () => {
    await store.db.dropDatabase();
    await store.close();
  });

  it('registers versions v1, v2, … and gives them back whole, the model text included', async () => {
    const registry = new ModelRegistry(store);
    const v1 = await registry.register(trained, new Date('2026-01-02T03:04:05.000Z'));
    const v2 = await registry.register(coldStart);
    assert.deepEqual([v1.version, v1.sequence, v2.version, v2.sequence], ['v1', 1, 'v2', 2]);
    assert.equal(v1.createdAt, '2026-01-02T03:04:05.000Z');
    const back = await registry.get('v1');
    assert.equal(back.modelText, trained.modelText);
    assert.deepEqual(back.metrics, trained.metrics);
    assert.deepEqual(back.features, trained.features);
    assert.deepEqual(back.params, trained.params);
    assert.deepEqual(back.thresholds, trained.thresholds);
    assert.deepEqual(back.data, trained.data);
    assert.equal((await registry.get('v2')).modelText, null);
    const listed = await registry.list();
    assert.deepEqual(listed.map((v) => [v.version, v.algorithm]), [['v1', 'lightgbm-multiclass'], ['v2', 'cold-start']]);
    assert.ok(!('modelText' in (listed[0] as object)));
    await assert.rejects(registry.get('v9'), (err: unknown) => err instanceof UnknownModelVersionError && /no model version "v9" in the registry \(versions: v1, v2\)/.test(err.message));
  });

  it('stores a model text larger than a MongoDB document in chunks', async () => {
    const registry = new ModelRegistry(store);
    const huge = (trained.modelText as string).padEnd(17 * 1024 * 1024, ' ');
    const v = await registry.register({ ...trained, modelText: huge });
    const doc = await store.collection(REGISTRY_COLLECTIONS.versions).findOne({ _id: v.version as never });
    assert.equal(await store.collection(REGISTRY_COLLECTIONS.texts).countDocuments({ textId: doc?.textId }), 5);
    assert.equal((await registry.get(v.version)).modelText, huge);
  });

  it('gives registrations racing for the same number distinct versions, each with its own text', async () => {
    const fresh = await openStore({ uri: stack().mongodbUri, database: uniqueName('modelrace').replace(/[-.]/g, '_'), indexes: REGISTRY_INDEXES });
    try {
      const texts = ['a', 'b', 'c', 'd'].map((suffix) => `${trained.modelText as string}\n${suffix}`);
      const registered = await Promise.all(texts.map((modelText) => new ModelRegistry(fresh).register({ ...trained, modelText })));
      assert.deepEqual(registered.map((v) => v.version).sort(), ['v1', 'v2', 'v3', 'v4']);
      for (const v of registered) assert.equal((await new ModelRegistry(fresh).get(v.version)).modelText, v.modelText);
    } finally {
      await fresh.db.dropDatabase();
      await fresh.close();
    }
  });

  it('publishes: the latest publication is the active model, with a deterministic event id and monotonic business time', async () => {
    const registry = new ModelRegistry(store);
    const before = await loadActiveModel(store);
    assert.deepEqual([before.model, before.publication, before.scorer.algorithm, before.scorer.modelVersion], [null, null, 'cold-start', 'cold-start-default']);

    const first = await registry.publish('v1', { publishedBy: 'alice', businessTime: '2025-06-02T00:00:00.000Z' });
    assert.equal(first.publication.sequence, 1);
    assert.deepEqual(first.event, {
      eventId: 'payment-buckets:publication:1',
      eventTime: '2025-06-02T00:00:00.000Z',
      customerId: '*',
      causationId: null,
      type: 'ModelPublished',
      payload: {
        modelId: 'payment-buckets',
        modelVersion: 'v1',
        algorithm: 'lightgbm-multiclass',
        featureSetVersion: trained.featureSetVersion,
        trainedAt: `${trained.data.dataEnd}T00:00:00.000Z`,
        trainingRows: trained.data.rows.train + trained.data.rows.validation,
        veryLateAfterDays: 30,
        graceDays: 0,
        metrics: metricsRecord(trained),
        publishedBy: 'alice',
      },
    });
    assert.deepEqual(Object.keys(first.event.payload.metrics), ['rows', 'accuracy', 'macroF1', 'logLoss', 'brier', 'calibrationError', 'majorityAccuracy', 'majorityLogLoss', 'coldStartLogLoss']);
    const active = await loadActiveModel(store);
    assert.equal(active.scorer.modelVersion, 'v1');
    assert.equal(active.scorer.algorithm, 'lightgbm-multiclass');

    // Publishing an older version later: it becomes active; business time does not go back.
    const second = await registry.publish('v2', { publishedBy: 'bob', businessTime: '2025-01-01T00:00:00.000Z' });
    assert.deepEqual([second.publication.sequence, second.event.eventId, second.event.eventTime], [2, 'payment-buckets:publication:2', '2025-06-02T00:00:00.000Z']);
    assert.equal((await loadActiveModel(store)).scorer.algorithm, 'cold-start');
    assert.deepEqual((await registry.publications()).map((p) => [p.sequence, p.version, p.publishedBy]), [[1, 'v1', 'alice'], [2, 'v2', 'bob']]);
    assert.equal((await loadModelVersion(store, 'v1')).scorer.modelVersion, 'v1');
    await assert.rejects(registry.publish('v404', { publishedBy: 'x', businessTime: '2025-01-01T00:00:00.000Z' }), UnknownModelVersionError);
  });
});
