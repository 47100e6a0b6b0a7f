import { minorUnitDigits } from '@creditstream/schemas';

function grouped(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** An amount of minor units as major units with the currency's digits and thousands separators: `12,345.67 EUR`. */
export function money(minor: number, currency: string | null): string {
  const digits = currency === null ? 2 : minorUnitDigits(currency);
  const major = minor / 10 ** digits;
  const [int, frac] = Math.abs(major).toFixed(digits).split('.') as [string, string | undefined];
  return `${major < 0 ? '-' : ''}${grouped(int)}${frac === undefined ? '' : `.${frac}`}${currency === null ? '' : ` ${currency}`}`;
}

/** A number with at most `digits` decimals, trailing zeros dropped. */
export function num(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  return String(Number(x.toFixed(digits)));
}

/** A share as a percentage: 0.5 → `50%`. */
export function percent(x: number): string {
  return Number.isFinite(x) ? `${num(x * 100, 0)}%` : '∞';
}

/** A window length: `24 h`, `7 days`. */
export function hoursLabel(hours: number): string {
  if (hours % 24 === 0) return hours === 24 ? '24 h' : `${hours / 24} days`;
  return `${num(hours)} h`;
}

/** Rounds for the event: the values a check reports are stable to 4 decimals (and exact for counts). */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
