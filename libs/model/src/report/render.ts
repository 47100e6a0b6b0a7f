import { CLASSES } from '../labels';
import type { EvaluationMetrics } from '../metrics/evaluate';
import type { ModelVersion } from '../model';
import { barChart, chartCanvas, chartScripts, curveChart, MIN_BIN_ROWS, reliabilityChart, shapSummaryChart, type ChartSpec } from './charts';
import { count, escapeHtml, fmt, sequential } from './html';

/** Features shown in the importance charts. */
const TOP_FEATURES = 20;

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
p.sub{color:#555;margin:0 0 16px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #e5e7eb;padding:4px 10px;text-align:right}th{background:#f1f5f9}td.l,th.l{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.note{color:#555;font-size:13px;max-width:900px}
.kpi{display:inline-block;border:1px solid #e5e7eb;border-radius:6px;padding:8px 14px;margin:4px 8px 4px 0}
.kpi b{display:block;font-size:20px}td.cm{text-align:center;min-width:84px;font-size:14px}td.cm small{display:block;font-size:11px}td.cm.d{outline:2px solid #111;outline-offset:-2px}figure{margin:0}.kpi span{color:#555;font-size:12px}.warn{background:#fef3c7;border:1px solid #f59e0b;padding:8px 12px;border-radius:6px}
code{background:#f1f5f9;padding:0 3px;border-radius:3px}`;

function metricRow(name: string, m: EvaluationMetrics | null): string {
  if (m === null) return `<tr><td class="l">${escapeHtml(name)}</td><td colspan="5">–</td></tr>`;
  return `<tr><td class="l">${escapeHtml(name)}</td><td>${fmt(m.accuracy)}</td><td>${fmt(m.macroF1)}</td><td>${fmt(m.logLoss, 4)}</td><td>${fmt(m.brier, 4)}</td><td>${fmt(m.calibrationError, 4)}</td></tr>`;
}

function kpi(label: string, value: string): string {
  return `<div class="kpi"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const cls = (i: number) => (i < leftColumns ? ' class="l"' : '');
  return `<table><thead><tr>${headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The confusion matrix as a table: counts and the share of each actual class (row), cells shaded by count. */
function confusionTable(confusion: readonly (readonly number[])[], classNames: readonly string[]): string {
  const max = Math.max(1, ...confusion.flat());
  const rows = confusion.map((row, a) => {
    const total = row.reduce((x, y) => x + y, 0);
    const cells = row.map((c, p) => `<td class="cm${a === p ? ' d' : ''}" style="background:${sequential(c / max)};color:${c / max > 0.55 ? '#fff' : '#111'}">${count(c)}<small>${total > 0 ? ((100 * c) / total).toFixed(1) : '0.0'}%</small></td>`);
    return `<tr><th class="l">${escapeHtml(classNames[a] ?? String(a))}</th>${cells.join('')}</tr>`;
  });
  return `<table class="confusion"><thead><tr><th class="l">actual / predicted</th>${classNames.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * Renders a model version as one self-contained HTML page (inline CSS, the charts drawn by the embedded Chart.js
 * from their embedded configurations, no external resources):
 * the holdout metrics against the baselines, the confusion matrix with per-class precision and recall, the
 * reliability diagram, feature importance (mean |SHAP| and gain), the SHAP summary, the early-stopping curve, and
 * the data and parameters it was trained with. Pure: the same version gives the same bytes.
 */
export function renderReport(model: ModelVersion): string {
  const charts: ChartSpec[] = [];
  const chart = (spec: ChartSpec) => {
    charts.push(spec);
    return `<figure>${chartCanvas(spec)}</figure>`;
  };
  const m = model.metrics;
  const d = model.data;
  const classNames = CLASSES.map((c) => c.replace('_', ' ').toLowerCase());
  const sections: string[] = [];
  const lightgbm = model.algorithm === 'lightgbm-multiclass';

  sections.push(`<h1>Payment-bucket model ${escapeHtml(model.version)}</h1>`);
  sections.push(
    `<p class="sub">${escapeHtml(model.algorithm)} · ${escapeHtml(model.featureSetVersion)} · ${model.features.length} features · buckets: on time ≤ ${model.buckets.graceDays} day(s) after due, late ≤ ${model.buckets.veryLateDays}, very late beyond · trained from the ${escapeHtml(d.source)} up to ${escapeHtml(d.dataEnd || '–')} · registered ${escapeHtml(model.createdAt)}</p>`,
  );
  if (!lightgbm) {
    sections.push(
      `<p class="warn">Cold-start model (Dirichlet prior over the buckets, updated by each customer's own settled invoices): trained below the minimum history${model.metrics ? `; its metrics are on the ${count(model.metrics.rows)} invoices it was fitted on, not on a holdout` : ''}. Prior ${model.coldStart.prior.map((p) => p.toFixed(3)).join(' / ')}, strength ${model.coldStart.strength} invoices.</p>`,
    );
  }
  if (m !== null) {
    sections.push(
      `<div>${kpi(`${model.metricsOn} log-loss`, fmt(m.logLoss, 4))}${kpi('accuracy', fmt(m.accuracy))}${model.baselines ? kpi('majority-class accuracy', fmt(model.baselines.majority.accuracy)) : ''}${kpi('macro-F1', fmt(m.macroF1))}${kpi('Brier score', fmt(m.brier, 4))}${kpi('calibration error (ECE)', fmt(m.calibrationError, 4))}${kpi(`${model.metricsOn} invoices`, count(m.rows))}</div>`,
    );
  }

  sections.push('<h2>Metrics</h2>');
  const choice = model.selection ? { lightgbm: 'LightGBM', logistic: 'logistic regression', blend: 'blend of LightGBM and logistic regression' }[model.selection.choice] : 'LightGBM';
  const baseRows = [metricRow(lightgbm ? `this model (${choice}${model.selection && model.selection.calibration.kind !== 'none' ? `, ${model.selection.calibration.kind} calibration` : ''})` : 'this model (cold start)', m)];
  if (model.baselines) {
    if (model.baselines.lightgbm) baseRows.push(metricRow('LightGBM part alone', model.baselines.lightgbm));
    if (model.baselines.logistic) baseRows.push(metricRow('logistic regression alone (same features)', model.baselines.logistic));
    baseRows.push(metricRow('cold-start model (same training rows)', model.baselines.coldStart));
    baseRows.push(`<tr><td class="l">naive: always ${escapeHtml(model.baselines.majority.bucket)} (class shares as probabilities)</td><td>${fmt(model.baselines.majority.accuracy)}</td><td>–</td><td>${fmt(model.baselines.majority.logLoss, 4)}</td><td>–</td><td>–</td></tr>`);
  }
  sections.push(`<table><thead><tr><th class="l">model</th><th>accuracy</th><th>macro-F1</th><th>log-loss</th><th>Brier</th><th>ECE</th></tr></thead><tbody>${baseRows.join('')}</tbody></table>`);
  sections.push(
    `<p class="note">Evaluated on the ${model.metricsOn === 'holdout' ? `time-based holdout: the latest ${count(d.rows.holdout)} invoices (issued ${escapeHtml(d.ranges.holdout?.from ?? '–')} to ${escapeHtml(d.ranges.holdout?.to ?? '–')}), never seen in training or early stopping` : 'rows it was fitted on'}. Log-loss is the mean negative log-probability of the actual bucket (natural log); Brier is Σ over buckets of (p − outcome)², from 0 to 2; ECE is the top-label expected calibration error over 10 equal-width bins.</p>`,
  );

  if (m !== null) {
    sections.push('<h2>Confusion matrix and per-bucket scores</h2>');
    sections.push(
      `<div class="grid"><div>${confusionTable(m.confusion, classNames)}</div><div>${table(
        ['bucket', 'precision', 'recall', 'F1', 'invoices', 'predicted'],
        m.perClass.map((c, k) => [classNames[k] as string, fmt(c.precision), fmt(c.recall), fmt(c.f1), count(c.support), count(c.predicted)]),
      )}<p class="note">Rows: actual bucket; columns: the most probable bucket. Percentages are shares of the actual bucket (recall on the diagonal).</p></div></div>`,
    );
  }

  if (model.reliability !== null) {
    sections.push('<h2>Reliability</h2>');
    const bins = model.reliability.confidence.filter((b) => b.count >= MIN_BIN_ROWS);
    sections.push(
      `<div class="grid"><div>${chart(reliabilityChart(model.reliability.perClass, model.reliability.confidence, classNames))}</div><div><p class="note">Each point is a bin of invoices by predicted probability (10 bins, size = invoices in the bin; bins of fewer than ${MIN_BIN_ROWS} invoices are not drawn): on the dashed diagonal the predicted probability is what happened. Points below it are over-confident, above it under-confident.</p>${table(['top-label bin: mean predicted', 'observed', 'invoices'], bins.map((b) => [fmt(b.meanPredicted), fmt(b.observed), count(b.count)]))}</div></div>`,
    );
  }

  if (model.importance.length > 0) {
    const top = model.importance.slice(0, TOP_FEATURES);
    const byGain = [...model.importance].sort((a, b) => b.gain - a.gain).slice(0, TOP_FEATURES);
    sections.push('<h2>Feature importance</h2>');
    sections.push(
      `<div class="grid"><div>${chart(barChart('importance-shap', top.map((i) => ({ label: i.feature, value: i.meanAbsShap })), 'mean |SHAP| (all buckets, raw score)', '#7c3aed'))}</div><div>${chart(barChart('importance-gain', byGain.map((i) => ({ label: i.feature, value: i.gain })), 'total split gain', '#2563eb'))}</div></div>`,
    );
    sections.push(table(['feature', 'mean |SHAP|', 'gain'], top.map((i) => [i.feature, i.meanAbsShap.toPrecision(3), i.gain >= 100 ? count(i.gain) : i.gain.toPrecision(3)])));
    sections.push('<p class="note">Mean |SHAP|: the average size of each feature\'s exact TreeSHAP contribution over explained holdout invoices, summed over the three buckets\' raw scores. Gain: LightGBM\'s total loss reduction of the splits on the feature.</p>');
  }
  if (model.shapSummary.length > 0) {
    sections.push('<h2>SHAP summary</h2>');
    sections.push(`${chart(shapSummaryChart(model.shapSummary))}<p class="note">Each dot is one holdout invoice: how much the feature moved its late-side score (minus the centred on-time logit; the factor contributions predictions carry). Colour is the feature's value among the sampled invoices.</p>`);
  }

  const sel = model.selection;
  if (sel) {
    sections.push('<h2>Model selection</h2>');
    sections.push(
      table(
        ['candidate', 'validation log-loss', 'rounds per fold'],
        [
          ...sel.candidates.map((c): string[] => [c.name, fmt(c.validationLogLoss, 4), c.rounds ? c.rounds.join(', ') : '–']),
          [`chosen: ${choice}${sel.choice === 'blend' ? ` (LightGBM weight ${fmt(sel.lightgbmWeight, 2)})` : ''}`, fmt(sel.validation.blend, 4), '–'],
          ...(['none', 'temperature', 'dirichlet'] as const).map((k): string[] => [`calibration ${k}${sel.calibration.kind === k ? ' (kept)' : ''}, cross-fitted`, fmt(sel.calibration.crossFitted[k], 4), '–']),
        ],
        2,
      ),
    );
    sections.push(
      `<p class="note">Every candidate was scored on ${sel.folds.length} time-ordered validation fold${sel.folds.length === 1 ? '' : 's'} (${sel.folds.map((f) => `${count(f.validation)} invoices issued ${escapeHtml(f.from)} to ${escapeHtml(f.to)}, trained on the ${count(f.train)} before`).join('; ')}), as the model will predict the months after its data: ${sel.size} history. The blend weights the candidates' logits; a calibration is kept only when its log-loss, fitted on the other folds and scored on each, is lower. The chosen model was then fitted on every invoice before the holdout and is served as one LightGBM text model (the logistic regression as step-function trees).</p>`,
    );
  }

  const curveMetric = Object.keys(model.evalHistory)[0];
  const curve = curveMetric === undefined ? undefined : model.evalHistory[curveMetric];
  if (curveMetric !== undefined && curve !== undefined && curve.length > 0) {
    sections.push('<h2>Early stopping</h2>');
    sections.push(`${chart(curveChart(curve, model.training.bestIteration, curveMetric))}<p class="note">Validation ${escapeHtml(curveMetric)} per boosting round (kept: ${model.training.bestIteration} rounds) of the chosen LightGBM candidate on its last validation fold. ${sel && !sel.refitted ? 'At this size that model is the final LightGBM part.' : 'The final LightGBM part was refitted on every invoice before the holdout with the mean kept number of rounds.'}</p>`);
  }

  sections.push('<h2>Data</h2>');
  const range = (r: { from: string; to: string } | null) => (r === null ? '–' : `${r.from} … ${r.to}`);
  sections.push(
    table(
      ['part', 'invoices', 'issued', ...classNames],
      [
        ['training', count(d.rows.train), range(d.ranges.train), ...d.classCounts.train.map(count)],
        ['validation (last fold)', count(d.rows.validation), range(d.ranges.validation), ...d.classCounts.validation.map(count)],
        ['holdout (evaluation)', count(d.rows.holdout), range(d.ranges.holdout), ...d.classCounts.holdout.map(count)],
      ],
      3,
    ),
  );
  const x = d.excluded;
  sections.push(
    `<p class="note">Source: ${escapeHtml(d.source)}; data end ${escapeHtml(d.dataEnd || '–')}. Left out: ${count(x.notMatured)} not matured (due ${model.buckets.veryLateDays} days or less before the data end, bucket not decided), ${count(x.notPointInTime)} not point-in-time (vector computed after the invoice date), ${count(x.filtered)} filtered, ${count(x.noOutcome)} without an invoice state.</p>`,
  );

  sections.push('<h2>Settings</h2>');
  const t = model.training;
  const settings: [string, string][] = [
    ['seed', String(t.seed)],
    ['boosting rounds kept / maximum', `${t.bestIteration} / ${t.numBoostRound} (early stopping after ${t.earlyStoppingRounds})`],
    ['holdout / validation share', `${t.holdoutShare} / ${t.validationShare}`],
    ['minimum history', `${t.minRows} invoices, ${t.minPerBucket} per bucket`],
    ['filters', `segment ${t.filters.segment ?? 'any'}, minimum amount ${t.filters.minAmount ?? 'none'}, issued ${t.filters.from ?? '…'} to ${t.filters.to ?? '…'}`],
    ['thresholds', `at risk when P(on time) < ${model.thresholds.atRisk}; high late balance above ${model.thresholds.highLateBalance}`],
    ['cold-start fallback', `prior ${model.coldStart.prior.map((p) => p.toFixed(3)).join(' / ')}, strength ${model.coldStart.strength}, fitted on ${count(model.coldStart.fittedOn)} invoices`],
    ['model size', model.modelText === null ? '–' : `${count(model.modelBytes)} bytes, sha256 ${model.modelSha256 ?? ''}`],
    ...Object.entries(model.params).map(([k, v]): [string, string] => [`lightgbm ${k}`, String(v)]),
  ];
  sections.push(table(['setting', 'value'], settings, 2));
  sections.push(`<p class="note">Features (${model.features.length}): ${model.features.map((f) => `<code>${escapeHtml(f)}</code>`).join(' ')}</p>`);

  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>creditstream model ${escapeHtml(model.version)}</title><style>${STYLE}</style></head><body><main>${sections.join('\n')}</main>${chartScripts(charts)}</body></html>\n`;
}
