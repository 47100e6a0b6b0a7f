import type { ReliabilityBin } from '../metrics/probabilistic';
import type { ShapSummary } from '../model';
import { CLASS_COLOURS, count, diverging, escapeHtml, linear, n, sequential, ticks } from './svg';

/** Reliability bins with fewer rows are not drawn: their observed frequency is mostly noise. */
export const MIN_BIN_ROWS = 10;

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}" ${FONT} font-size="12">`;
}

/** The confusion matrix as a heat map: counts and the share of each actual class (row). */
export function confusionMatrixSvg(confusion: readonly (readonly number[])[], classNames: readonly string[]): string {
  const k = confusion.length;
  const cell = 96;
  const left = 110;
  const top = 50;
  const width = left + k * cell + 20;
  const height = top + k * cell + 20;
  const max = Math.max(1, ...confusion.flat());
  const parts = [svgOpen(width, height, 'Confusion matrix')];
  parts.push(`<text x="${left + (k * cell) / 2}" y="16" text-anchor="middle" font-weight="600">predicted</text>`);
  parts.push(`<text x="16" y="${top + (k * cell) / 2}" text-anchor="middle" font-weight="600" transform="rotate(-90 16 ${top + (k * cell) / 2})">actual</text>`);
  classNames.forEach((name, i) => {
    parts.push(`<text x="${left + i * cell + cell / 2}" y="${top - 10}" text-anchor="middle">${escapeHtml(name)}</text>`);
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeHtml(name)}</text>`);
  });
  confusion.forEach((row, a) => {
    const total = row.reduce((x, y) => x + y, 0);
    row.forEach((c, p) => {
      const t = c / max;
      const x = left + p * cell;
      const y = top + a * cell;
      const ink = t > 0.55 ? '#fff' : '#111';
      parts.push(`<rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${sequential(t)}" stroke="${a === p ? '#111' : 'none'}" stroke-width="${a === p ? 1.5 : 0}"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 - 2}" text-anchor="middle" font-size="15" font-weight="600" fill="${ink}">${count(c)}</text>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 16}" text-anchor="middle" fill="${ink}">${total > 0 ? ((100 * c) / total).toFixed(1) : '0.0'}%</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Reliability diagram: mean predicted probability against the observed frequency per bin, one line per class
 * (one-vs-rest) and the top-label confidence; points sized by the rows in their bin. On the diagonal = calibrated.
 */
export function reliabilitySvg(perClass: readonly (readonly ReliabilityBin[])[], confidence: readonly ReliabilityBin[], classNames: readonly string[]): string {
  const size = 360;
  const left = 50;
  const top = 20;
  const width = left + size + 230;
  const height = top + size + 50;
  const x = linear(0, 1, left, left + size);
  const y = linear(0, 1, top + size, top);
  const parts = [svgOpen(width, height, 'Reliability diagram')];
  for (const t of ticks(0, 1, 5)) {
    parts.push(`<line x1="${n(x(t))}" y1="${top}" x2="${n(x(t))}" y2="${top + size}" stroke="#eee"/><line x1="${left}" y1="${n(y(t))}" x2="${left + size}" y2="${n(y(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${n(x(t))}" y="${top + size + 16}" text-anchor="middle">${t}</text><text x="${left - 6}" y="${n(y(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#999"/>`);
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#777" stroke-dasharray="4 4"/>`);
  parts.push(`<text x="${left + size / 2}" y="${top + size + 36}" text-anchor="middle">mean predicted probability</text>`);
  parts.push(`<text x="14" y="${top + size / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + size / 2})">observed frequency</text>`);
  const total = Math.max(1, confidence.reduce((a, b) => a + b.count, 0));
  const series = [...perClass.map((bins, k) => ({ bins, colour: CLASS_COLOURS[k] ?? '#555', name: `${classNames[k] ?? k} (one-vs-rest)`, dash: '' })), { bins: confidence, colour: '#111', name: 'top label (confidence)', dash: ' stroke-dasharray="6 3"' }];
  series.forEach((s, i) => {
    const pts = s.bins.filter((b) => b.count >= MIN_BIN_ROWS);
    parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2"${s.dash} points="${pts.map((b) => `${n(x(b.meanPredicted))},${n(y(b.observed))}`).join(' ')}"/>`);
    for (const b of pts) parts.push(`<circle cx="${n(x(b.meanPredicted))}" cy="${n(y(b.observed))}" r="${n(2 + 8 * Math.sqrt(b.count / total))}" fill="${s.colour}" fill-opacity="0.6"><title>${escapeHtml(s.name)}: ${count(b.count)} rows, predicted ${b.meanPredicted.toFixed(3)}, observed ${b.observed.toFixed(3)}</title></circle>`);
    const ly = top + 10 + i * 20;
    parts.push(`<line x1="${left + size + 14}" y1="${ly}" x2="${left + size + 34}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.dash}/><text x="${left + size + 40}" y="${ly + 4}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, largest first. */
export function barChartSvg(items: readonly { label: string; value: number }[], title: string, colour = '#2563eb'): string {
  const rowHeight = 20;
  const left = 210;
  const barWidth = 300;
  const top = 28;
  const width = left + barWidth + 80;
  const height = top + items.length * rowHeight + 10;
  const max = Math.max(1e-12, ...items.map((i) => i.value));
  const parts = [svgOpen(width, height, title), `<text x="0" y="16" font-weight="600">${escapeHtml(title)}</text>`];
  items.forEach((item, i) => {
    const y = top + i * rowHeight;
    const w = (barWidth * Math.max(0, item.value)) / max;
    parts.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(item.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${n(w)}" height="${rowHeight - 6}" fill="${colour}"/>`);
    parts.push(`<text x="${n(left + w + 4)}" y="${y + 14}">${item.value >= 100 ? count(item.value) : item.value.toPrecision(3)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A deterministic pseudo-random number in [0, 1) from an integer (vertical jitter of the beeswarm). */
function jitter(i: number): number {
  let h = (i + 1) * 2654435761;
  h = (h ^ (h >>> 15)) >>> 0;
  return (h % 1000) / 1000;
}

/**
 * SHAP summary (beeswarm): one row per feature, one dot per explained holdout invoice at its late-side contribution,
 * coloured by the feature's value within the sample (blue = low, red = high, grey = missing).
 */
export function shapSummarySvg(summary: readonly ShapSummary[]): string {
  const rowHeight = 30;
  const left = 210;
  const plot = 420;
  const top = 20;
  const width = left + plot + 110;
  const height = top + summary.length * rowHeight + 50;
  const extent = Math.max(1e-9, ...summary.flatMap((s) => s.contributions.map(Math.abs)));
  const x = linear(-extent, extent, left, left + plot);
  const parts = [svgOpen(width, height, 'SHAP summary')];
  for (const t of ticks(-extent, extent, 6)) parts.push(`<line x1="${n(x(t))}" y1="${top}" x2="${n(x(t))}" y2="${top + summary.length * rowHeight}" stroke="${t === 0 ? '#888' : '#eee'}"/><text x="${n(x(t))}" y="${top + summary.length * rowHeight + 16}" text-anchor="middle">${Number(t.toPrecision(3))}</text>`);
  parts.push(`<text x="${left + plot / 2}" y="${top + summary.length * rowHeight + 36}" text-anchor="middle">contribution to the late-side score (← towards on time · towards late →)</text>`);
  summary.forEach((s, row) => {
    const cy = top + row * rowHeight + rowHeight / 2;
    parts.push(`<text x="${left - 8}" y="${cy + 4}" text-anchor="end">${escapeHtml(s.feature)}</text>`);
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
      const fill = v === null ? '#9ca3af' : diverging(rank(v));
      parts.push(`<circle cx="${n(x(c))}" cy="${n(cy + (jitter(i + row * 7919) - 0.5) * (rowHeight - 8))}" r="2.4" fill="${fill}" fill-opacity="0.8"/>`);
    });
  });
  const ly = top + 4;
  const lx = left + plot + 30;
  for (let i = 0; i <= 10; i++) parts.push(`<rect x="${lx}" y="${n(ly + (10 - i) * 12)}" width="12" height="12" fill="${diverging(i / 10)}"/>`);
  parts.push(`<text x="${lx + 18}" y="${ly + 10}">high</text><text x="${lx + 18}" y="${ly + 130}">low</text><text x="${lx}" y="${ly + 150}">feature value</text>`);
  parts.push(`<circle cx="${lx + 6}" cy="${ly + 168}" r="3" fill="#9ca3af"/><text x="${lx + 14}" y="${ly + 172}">missing</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** The validation metric per boosting round of the early-stopping run, with the kept round marked. */
export function curveSvg(values: readonly number[], best: number, metric: string): string {
  const width = 560;
  const height = 240;
  const left = 70;
  const right = 20;
  const top = 20;
  const bottom = 40;
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const x = linear(1, Math.max(2, values.length), left, width - right);
  const y = linear(lo, hi, height - bottom, top);
  const parts = [svgOpen(width, height, `Validation ${metric} per round`)];
  for (const t of ticks(lo, hi, 4)) parts.push(`<line x1="${left}" y1="${n(y(t))}" x2="${width - right}" y2="${n(y(t))}" stroke="#eee"/><text x="${left - 6}" y="${n(y(t) + 4)}" text-anchor="end">${Number(t.toPrecision(4))}</text>`);
  for (const t of ticks(1, values.length, 6)) parts.push(`<text x="${n(x(t))}" y="${height - bottom + 16}" text-anchor="middle">${t}</text>`);
  parts.push(`<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${values.map((v, i) => `${n(x(i + 1))},${n(y(v))}`).join(' ')}"/>`);
  if (best >= 1 && best <= values.length) {
    parts.push(`<line x1="${n(x(best))}" y1="${top}" x2="${n(x(best))}" y2="${height - bottom}" stroke="#dc2626" stroke-dasharray="4 3"/><text x="${n(x(best) + 4)}" y="${top + 12}" fill="#dc2626">kept: ${best} rounds</text>`);
  }
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">boosting round</text>`);
  parts.push(`<text x="14" y="${(top + height - bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(top + height - bottom) / 2})">validation ${escapeHtml(metric)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
