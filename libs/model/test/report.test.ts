import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { renderReport, reportScriptHashes, trainPaymentModel, type ModelVersion, type TrainedModel } from '../src';
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

  it('is one self-contained page: Chart.js and every chart\'s configuration embedded, a canvas per chart, no external resources', () => {
    const html = renderReport(asVersion(trained, 'v7'));
    assert.match(html, /^<!DOCTYPE html>/);
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.deepEqual(scripts.map((s) => s[1]), [' type="application/json" id="report-charts"', '', '']);
    const library = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
    assert.equal(scripts[1]?.[2], library, 'the Chart.js build from node_modules, whole');
    assert.deepEqual(reportScriptHashes(), scripts.slice(1).map((s) => `'sha256-${createHash('sha256').update(s[2] as string).digest('base64')}'`), 'the CSP hashes are those of the scripts embedded');
    const outside = html.replace(/<script[\s\S]*?<\/script>/g, '');
    assert.doesNotMatch(outside, /<link|<img|<svg|src=|href=|@import|url\(/i);
    const canvases = [...outside.matchAll(/<canvas data-chart="([^"]+)"/g)].map((c) => c[1]);
    assert.deepEqual(canvases, ['reliability', 'importance-shap', 'importance-gain', 'shap-summary', 'early-stopping']);
    const specs = JSON.parse(scripts[0]?.[2] as string) as Record<string, { config: { type: string; data: { labels?: string[]; datasets: { data: unknown[] }[] } }; yLabels?: string[] }>;
    assert.deepEqual(Object.keys(specs), canvases, 'one configuration per canvas');
    assert.deepEqual(Object.values(specs).map((s) => s.config.type), ['scatter', 'bar', 'bar', 'scatter', 'scatter']);
    const model = asVersion(trained, 'v7');
    assert.deepEqual(specs['importance-shap']?.config.data.labels, model.importance.slice(0, 20).map((i) => i.feature));
    assert.deepEqual(specs['importance-shap']?.config.data.datasets[0]?.data, model.importance.slice(0, 20).map((i) => i.meanAbsShap));
    assert.deepEqual(specs['shap-summary']?.yLabels, model.shapSummary.map((s) => s.feature));
    assert.equal(specs['shap-summary']?.config.data.datasets[0]?.data.length, model.shapSummary.reduce((n, s) => n + s.contributions.length, 0), 'a dot per explained invoice and feature');
    const curve = Object.values(model.evalHistory)[0] ?? [];
    assert.equal(specs['early-stopping']?.config.data.datasets[0]?.data.length, curve.length);
  });

  it('draws every chart with Chart.js when opened in Chromium', async function () {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setContent(renderReport(asVersion(trained, 'v7')), { waitUntil: 'load' });
      // A string: this package compiles without the DOM types. Per canvas: its chart's type and how many pixels it painted.
      const drawn = await page.evaluate<{ id: string; type: string | null; painted: number }[]>(`[...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
        const chart = Chart.getChart(canvas);
        return { id: canvas.dataset.chart, type: chart ? chart.config.type : null, painted };
      })`);
      assert.deepEqual(errors, []);
      assert.deepEqual(drawn.map((d) => [d.id, d.type]), [['reliability', 'scatter'], ['importance-shap', 'bar'], ['importance-gain', 'bar'], ['shap-summary', 'scatter'], ['early-stopping', 'scatter']]);
      for (const d of drawn) assert.ok(d.painted > 1000, `${String(d.id)} is drawn (${d.painted} painted pixels)`);
    } finally {
      await browser.close();
    }
  });

  it('shows the metrics, the confusion matrix counts, the baselines and the data', () => {
    const model = asVersion(trained, 'v7');
    const html = renderReport(model);
    const m = model.metrics!;
    for (const text of ['Payment-bucket model v7', m.logLoss.toFixed(4), m.accuracy.toFixed(3), model.baselines!.majority.accuracy.toFixed(3), model.baselines!.coldStart!.logLoss.toFixed(4), 'Reliability', 'SHAP summary', 'Early stopping', `kept: ${model.training.bestIteration} rounds`]) {
      assert.ok(html.includes(text), `report lacks ${JSON.stringify(text)}`);
    }
    const confusion = html.slice(html.indexOf('<table class="confusion">'), html.indexOf('</table>', html.indexOf('<table class="confusion">')));
    assert.deepEqual([...confusion.matchAll(/<td class="cm[^"]*"[^>]*>([\d,]+)<small>/g)].map((c) => c[1]), m.confusion.flat().map((c) => c.toLocaleString('en-US')), 'every count of the confusion matrix, row by row');
    assert.ok(html.includes(`<td class="l">${model.importance[0]!.feature}</td>`), 'the importance table lists the top feature');
  });

  it('escapes what it did not write itself', () => {
    const html = renderReport(asVersion({ ...trained, training: { ...trained.training, filters: { ...trained.training.filters, segment: '<b onload=x>"&' } } }, 'v<1>'));
    assert.ok(html.includes('model v&lt;1&gt;'));
    assert.ok(html.includes('segment &lt;b onload=x&gt;&quot;&amp;'));
    assert.doesNotMatch(html, /<b onload/);
    const hostile = '</script><script>alert(1)</script>';
    const named = renderReport(asVersion({ ...trained, importance: [{ ...trained.importance[0]!, feature: hostile }, ...trained.importance.slice(1)] }, 'v7'));
    assert.equal((named.match(/<script/g) ?? []).length, 3, 'a feature name cannot end the chart data or add a script');
    assert.ok(named.includes('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>'), 'the chart data escapes it');
  });

  it('is deterministic and renders a cold-start model without the LightGBM sections', () => {
    assert.equal(renderReport(asVersion(trained, 'v7')), renderReport(asVersion(trained, 'v7')));
    const html = renderReport(asVersion(coldStart, 'v8'));
    assert.match(html, /Cold-start model/);
    assert.doesNotMatch(html, /SHAP summary|Early stopping|Feature importance/);
    assert.deepEqual([...html.matchAll(/<canvas data-chart="([^"]+)"/g)].map((c) => c[1]), ['reliability'], 'reliability on the fitting rows (the confusion matrix is a table)');
    assert.ok(html.includes('<table class="confusion">'));
    const empty = renderReport(asVersion({ ...coldStart, metrics: null, reliability: null }, 'v9'));
    assert.doesNotMatch(empty, /<canvas|<script/, 'no chart: no Chart.js either');
  });
});
