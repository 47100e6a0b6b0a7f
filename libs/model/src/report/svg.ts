/** Small helpers for writing SVG and HTML by hand: escaping, number formatting, scales, ticks, colours. */

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number for SVG coordinates: 2 decimals, no exponent, no "-0". */
export function n(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A value for people: `digits` significant decimals, "–" for NaN/undefined. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

/** A count with thousands separators. */
export function count(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0 || 1;
  return (x) => r0 + ((x - d0) / span) * (r1 - r0);
}

/** About `target` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number((Math.round(v / step) * step).toPrecision(12)));
  return out;
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

/** A colour from white (0) to deep blue (1): confusion-matrix cells. */
export function sequential(t: number): string {
  const x = Math.min(1, Math.max(0, t));
  const c = [255 - 225 * x, 255 - 170 * x, 255 - 75 * x].map(Math.round);
  return `rgb(${c.join(',')})`;
}

/** Class colours: on time, late, very late. */
export const CLASS_COLOURS = ['#16a34a', '#f59e0b', '#dc2626'];
