import assert from 'node:assert/strict';
import { renderReport, trainPaymentModel, type ModelVersion, type TrainedModel } from '../src';
import { syntheticTrainingData } from './support/synthetic';

const asVersion = (model: TrainedModel, version: string): ModelVersion => ({ ...model, version, sequence: 7, createdAt: '2026-01-01T00:00:00.000Z' });

describe('renderReport', function () {
  this.timeout(120_000);
  let trained: TrainedModel;
  let coldStart: TrainedModel;

  before(async () => {
    const outcome = await trainPaymentModel(syntheticTrainingData({ customers: 60, invoicesPerCustomer: 25, seed: 2 }), { seed: 1, explainRows: 200 });
    assert.equal(outcome.kind, 'trained');
    trained = outcome.model;
    const small = await trainPaymentModel(syntheticTrainingData({ customers: 2, invoicesPerCustomer: 10, seed: 2 }), { seed: 1 });
    assert.equal(small.kind, 'insufficient');
    coldStart = small.model;
  });

  it('is one self-contained page: inline CSS and SVG, no scripts, no external resources', () => {
    const html = renderReport(asVersion(trained, 'v7'));
    assert.match(html, /^<!DOCTYPE html>/);
    assert.doesNotMatch(html, /<script|<link|<img|src=|href=|@import|url\(/i);
    assert.equal((html.match(/<svg /g) ?? []).length, 6, 'confusion matrix, reliability, two importance charts, SHAP summary, early stopping');
    assert.equal((html.match(/<svg /g) ?? []).length, (html.match(/<\/svg>/g) ?? []).length);
  });

  it('shows the metrics, the confusion matrix counts, the baselines and the data', () => {
    const model = asVersion(trained, 'v7');
    const html = renderReport(model);
    const m = model.metrics!;
    for (const text of ['Payment-bucket model v7', m.logLoss.toFixed(4), m.accuracy.toFixed(3), model.baselines!.majority.accuracy.toFixed(3), model.baselines!.coldStart!.logLoss.toFixed(4), 'Reliability', 'SHAP summary', 'Early stopping', `kept: ${model.training.bestIteration} rounds`]) {
      assert.ok(html.includes(text), `report lacks ${JSON.stringify(text)}`);
    }
    for (const row of m.confusion) for (const c of row) assert.ok(html.includes(`>${c.toLocaleString('en-US')}</text>`), `confusion count ${c}`);
    assert.ok(html.includes(model.importance[0]!.feature));
  });

  it('escapes what it did not write itself', () => {
    const html = renderReport(asVersion({ ...trained, training: { ...trained.training, filters: { ...trained.training.filters, segment: '<b onload=x>"&' } } }, 'v<1>'));
    assert.ok(html.includes('model v&lt;1&gt;'));
    assert.ok(html.includes('segment &lt;b onload=x&gt;&quot;&amp;'));
    assert.doesNotMatch(html, /<b onload/);
  });

  it('is deterministic and renders a cold-start model without the LightGBM sections', () => {
    assert.equal(renderReport(asVersion(trained, 'v7')), renderReport(asVersion(trained, 'v7')));
    const html = renderReport(asVersion(coldStart, 'v8'));
    assert.match(html, /Cold-start model/);
    assert.doesNotMatch(html, /SHAP summary|Early stopping|Feature importance/);
    assert.equal((html.match(/<svg /g) ?? []).length, 2, 'confusion matrix and reliability on the fitting rows');
    const empty = renderReport(asVersion({ ...coldStart, metrics: null, reliability: null }, 'v9'));
    assert.equal((empty.match(/<svg /g) ?? []).length, 0);
  });
});
