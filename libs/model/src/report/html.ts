/** Small helpers for writing the report's HTML: escaping, number formatting, the confusion matrix's cell colours. */

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
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

/** A colour from white (0) to deep blue (1): confusion-matrix cells. */
export function sequential(t: number): string {
  const x = Math.min(1, Math.max(0, t));
  const c = [255 - 225 * x, 255 - 170 * x, 255 - 75 * x].map(Math.round);
  return `rgb(${c.join(',')})`;
}
