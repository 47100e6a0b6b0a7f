import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReliabilityBin } from '../metrics/probabilistic';
import type { ShapSummary } from '../model';
import { escapeHtml } from './html';

// The report's charts are drawn by Chart.js, the chart library of the dashboard: this file builds each chart's
// configuration as plain JSON; the report embeds the configurations, Chart.js itself and a short script that draws
// every <canvas data-chart> with its configuration when the page is opened.

/** Reliability bins with fewer rows are not drawn: their observed frequency is mostly noise. */
export const MIN_BIN_ROWS = 10;

/** Class colours: on time, late, very late. */
export const CLASS_COLOURS = ['#16a34a', '#f59e0b', '#dc2626'];

/** One chart of the report: a Chart.js configuration (JSON only) and the canvas it is drawn on. */
export interface ChartSpec {
  id: string;
  title: string;
  width: number;
  height: number;
  /** A Chart.js configuration: type, data, options (no functions: it travels as JSON). */
  config: { type: string; data: Record<string, unknown>; options: Record<string, unknown> };
  /** Tick labels of a numeric y axis (row index → label): the beeswarm's feature names. */
  yLabels?: string[];
}

const axis = (title: string, extra: Record<string, unknown> = {}) => ({ title: { display: true, text: title }, ...extra });
const base = (title: string, extra: Record<string, unknown> = {}) => ({ responsive: false, animation: false, plugins: { title: { display: true, text: title }, ...extra } });

/**
 * Reliability diagram: mean predicted probability against the observed frequency per bin, one line per class
 * (one-vs-rest) and the top-label confidence; points sized by the rows in their bin. On the diagonal = calibrated.
 */
export function reliabilityChart(perClass: readonly (readonly ReliabilityBin[])[], confidence: readonly ReliabilityBin[], classNames: readonly string[]): ChartSpec {
  const total = Math.max(1, confidence.reduce((a, b) => a + b.count, 0));
  const series = [...perClass.map((bins, k) => ({ bins, colour: CLASS_COLOURS[k] ?? '#555', name: `${classNames[k] ?? k} (one-vs-rest)`, dash: [] as number[] })), { bins: confidence, colour: '#111111', name: 'top label (confidence)', dash: [6, 3] }];
  const datasets = series.map((s) => {
    const pts = s.bins.filter((b) => b.count >= MIN_BIN_ROWS);
    return { label: s.name, data: pts.map((b) => ({ x: b.meanPredicted, y: b.observed })), pointRadius: pts.map((b) => 2 + 8 * Math.sqrt(b.count / total)), borderColor: s.colour, backgroundColor: s.colour, borderDash: s.dash, showLine: true, fill: false };
  });
  datasets.push({ label: 'calibrated', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], pointRadius: [0, 0], borderColor: '#777777', backgroundColor: '#777777', borderDash: [4, 4], showLine: true, fill: false });
  return {
    id: 'reliability',
    title: 'Reliability diagram',
    width: 640,
    height: 430,
    config: { type: 'scatter', data: { datasets }, options: { ...base('Reliability diagram'), scales: { x: axis('mean predicted probability', { min: 0, max: 1 }), y: axis('observed frequency', { min: 0, max: 1 }) } } },
  };
}

/** Horizontal bars, largest first. */
export function barChart(id: string, items: readonly { label: string; value: number }[], title: string, colour = '#2563eb'): ChartSpec {
  return {
    id,
    title,
    width: 560,
    height: 60 + items.length * 20,
    config: { type: 'bar', data: { labels: items.map((i) => i.label), datasets: [{ label: title, data: items.map((i) => i.value), backgroundColor: colour }] }, options: { ...base(title, { legend: { display: false } }), indexAxis: 'y', scales: { y: { ticks: { autoSkip: false } } } } },
  };
}

/** A deterministic pseudo-random number in [0, 1) from an integer (vertical jitter of the beeswarm). */
function jitter(i: number): number {
  let h = (i + 1) * 2654435761;
  h = (h ^ (h >>> 15)) >>> 0;
  return (h % 1000) / 1000;
}

/** A colour from blue (0) through light grey (0.5) to red (1): low and high feature values in the SHAP summary. */
export function diverging(t: number): string {
  const x = Math.min(1, Math.max(0, t));
  const blue = [37, 99, 235];
  const mid = [200, 200, 210];
  const red = [220, 38, 38];
  const [a, b, u] = x < 0.5 ? [blue, mid, x * 2] : [mid, red, (x - 0.5) * 2];
  const c = a.map((v, i) => Math.round(v + ((b[i] as number) - v) * u));
  return `rgb(${c.join(',')})`;
}

/**
 * SHAP summary (beeswarm): one row per feature, one dot per explained holdout invoice at its late-side contribution,
 * coloured by the feature's value within the sample (blue = low, red = high, grey = missing).
 */
export function shapSummaryChart(summary: readonly ShapSummary[]): ChartSpec {
  const data: { x: number; y: number }[] = [];
  const colours: string[] = [];
  summary.forEach((s, row) => {
    const present = s.values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    const rank = (v: number): number => {
      if (present.length <= 1) return 0.5;
      let lo = 0;
      let hi = present.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((present[mid] as number) < v) lo = mid + 1;
        else hi = mid;
      }
      return lo / (present.length - 1);
    };
    s.contributions.forEach((c, i) => {
      const v = s.values[i] ?? null;
      data.push({ x: c, y: row + (jitter(i + row * 7919) - 0.5) * 0.7 });
      colours.push(v === null ? '#9ca3af' : diverging(rank(v)));
    });
  });
  return {
    id: 'shap-summary',
    title: 'SHAP summary',
    width: 760,
    height: 80 + summary.length * 30,
    config: {
      type: 'scatter',
      data: { datasets: [{ label: 'holdout invoices (blue: low feature value, red: high, grey: missing)', data, pointRadius: 2.4, pointBackgroundColor: colours, pointBorderWidth: 0 }] },
      options: { ...base('SHAP summary'), scales: { x: axis('contribution to the late-side score (← towards on time · towards late →)'), y: { reverse: true, min: -0.5, max: summary.length - 0.5 } } },
    },
    yLabels: summary.map((s) => s.feature),
  };
}

/** The validation metric per boosting round of the early-stopping run, with the kept round marked. */
export function curveChart(values: readonly number[], best: number, metric: string): ChartSpec {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const datasets: Record<string, unknown>[] = [{ label: `validation ${metric}`, data: values.map((v, i) => ({ x: i + 1, y: Number.isFinite(v) ? v : null })), borderColor: '#2563eb', backgroundColor: '#2563eb', pointRadius: 0, showLine: true }];
  if (best >= 1 && best <= values.length) datasets.push({ label: `kept: ${best} rounds`, data: [{ x: best, y: lo }, { x: best, y: hi }], borderColor: '#dc2626', backgroundColor: '#dc2626', borderDash: [4, 3], pointRadius: 0, showLine: true });
  return {
    id: 'early-stopping',
    title: `Validation ${metric} per round`,
    width: 560,
    height: 260,
    config: { type: 'scatter', data: { datasets }, options: { ...base(`Validation ${metric} per round`), scales: { x: axis('boosting round', { min: 1 }), y: axis(`validation ${metric}`) } } },
  };
}

/** The canvas a chart is drawn on (its configuration travels in the page's chart data). */
export function chartCanvas(spec: ChartSpec): string {
  return `<canvas data-chart="${escapeHtml(spec.id)}" width="${spec.width}" height="${spec.height}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas>`;
}

/** Draws every canvas of the page with its configuration; runs once the page is parsed (it is the last script). */
export const CHART_INIT_SCRIPT =
  "(function(){var specs=JSON.parse(document.getElementById('report-charts').textContent);document.querySelectorAll('canvas[data-chart]').forEach(function(canvas){var s=specs[canvas.getAttribute('data-chart')];if(!s)return;var labels=s.yLabels;if(labels){s.config.options.scales.y.ticks={stepSize:1,autoSkip:false,callback:function(v){return labels[v]===undefined?'':labels[v];}};}new Chart(canvas,s.config);});})();";

/** Chart.js's UMD build (the package exports only its module builds; the UMD file sits beside them). */
export const CHART_JS_UMD = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

let library: string | null = null;

/**
 * Chart.js (its UMD build, read from node_modules when the first report is rendered): the report embeds it so that
 * the page stays one file that opens anywhere, without a network.
 */
export function chartLibrarySource(): string {
  // The closing-tag guard keeps the embedded script from ending early (the build has none; a future one might).
  library ??= readFileSync(CHART_JS_UMD, 'utf8').replace(/<\/script/gi, '<\\/script');
  return library;
}

/**
 * The page's chart data and scripts: the configurations as JSON (`<` escaped, so a feature name can never end the
 * script), Chart.js, and the script that draws the canvases.
 */
export function chartScripts(specs: readonly ChartSpec[]): string {
  if (specs.length === 0) return '';
  const data = JSON.stringify(Object.fromEntries(specs.map((s) => [s.id, { config: s.config, ...(s.yLabels ? { yLabels: s.yLabels } : {}) }]))).replace(/</g, '\\u003c');
  return `<script type="application/json" id="report-charts">${data}</script><script>${chartLibrarySource()}</script><script>${CHART_INIT_SCRIPT}</script>`;
}

/**
 * The Content-Security-Policy hashes of the report's two scripts (Chart.js and the drawing script), for a server
 * that serves the report, or a page that frames it, under a policy without 'unsafe-inline'.
 */
export function reportScriptHashes(): string[] {
  return [chartLibrarySource(), CHART_INIT_SCRIPT].map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
}
