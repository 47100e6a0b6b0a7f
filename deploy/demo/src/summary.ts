import type { ModelVersion } from '@creditstream/model';
import { formatSeconds } from './progress';
import type { ShownPrediction } from './read-models';

const grouped = (n: number) => n.toLocaleString('en-US');

/** The model's lines: version, data, holdout metrics against the naive majority model and the cold-start model. */
export function modelLines(model: ModelVersion, reportFile: string): string[] {
  const lines = [`model ${model.version} (${model.algorithm}): ${grouped(model.data.rows.total)} matured invoices from the ${model.data.source} up to ${model.data.dataEnd}`];
  const m = model.metrics;
  if (m && model.baselines) {
    const b = model.baselines;
    lines.push(`  holdout (${grouped(m.rows)} latest invoices): accuracy ${m.accuracy.toFixed(3)} vs ${b.majority.accuracy.toFixed(3)} for the naive "always ${b.majority.bucket}"; log-loss ${m.logLoss.toFixed(4)} vs ${b.majority.logLoss.toFixed(4)} (naive) and ${b.coldStart ? b.coldStart.logLoss.toFixed(4) : "–"} (cold start); macro-F1 ${m.macroF1.toFixed(3)}`);
  }
  const top = model.importance.slice(0, 5).map((i) => i.feature);
  if (top.length > 0) lines.push(`  strongest features (mean |SHAP|): ${top.join(', ')}`);
  lines.push(`  report: ${reportFile}`);
  return lines;
}

/** Where to look: Prometheus with a query worth opening, every service's /metrics, Kafka, the registry. */
export function whereToLookLines(endpoints: { prometheusUrl: string; kafkaBrokers: string; schemaRegistryUrl: string }, services: readonly { name: string; url: string }[], predictionTopic: string, database: string): string[] {
  const queries = ['sum by (service) (rate(creditstream_consumer_messages_total[1m]))', 'rate(creditstream_scoring_predictions_emitted_total[1m])', 'creditstream_scoring_active_model'];
  const graph = queries.map((q, i) => `g${i}.expr=${encodeURIComponent(q)}&g${i}.tab=0&g${i}.range_input=15m`).join('&');
  return [
    'where to look:',
    `  Prometheus       ${endpoints.prometheusUrl}/graph?${graph}`,
    '                   (messages/s per service, predictions emitted/s, the active model version)',
    ...services.map((s) => `  ${s.name.padEnd(16)} ${s.url}/metrics`),
    `  Kafka            ${endpoints.kafkaBrokers}: predictions on ${predictionTopic}`,
    `  Schema registry  ${endpoints.schemaRegistryUrl}/subjects`,
    `  MongoDB          database ${database}: customer_predictions, customers, feature_log, model_versions`,
  ];
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

/** A few predictions, each with its probabilities, model version and top factors (feature = value, contribution). */
export function predictionLines(predictions: readonly ShownPrediction[], database: string): string[] {
  const lines = [`latest predictions (${database}.customer_predictions; contribution > 0 pushes towards late):`];
  for (const p of predictions) {
    lines.push(`  ${p.businessDate} ${p.customerId} ${p.invoiceId}: P(on time) ${p.pOnTime.toFixed(2)}, P(late) ${p.pLate.toFixed(2)}, P(very late) ${p.pVeryLate.toFixed(2)} -> ${p.predictedBucket}${p.atRisk ? ', AT RISK' : ''} [model ${p.modelVersion}]`);
    for (const f of p.topFactors) lines.push(`      ${f.feature.padEnd(28)} = ${String(f.value === null ? 'missing' : Number(f.value.toFixed(4))).padStart(12)}  ${signed(f.contribution)}`);
  }
  return lines;
}

/** How long each step took, and the total to "live". */
export function timingLines(timings: readonly (readonly [string, number])[]): string[] {
  const total = timings.reduce((s, [, t]) => s + t, 0);
  return [`timings: ${timings.map(([step, t]) => `${step} ${formatSeconds(t)}`).join(', ')}; ${formatSeconds(total)} in all`];
}
