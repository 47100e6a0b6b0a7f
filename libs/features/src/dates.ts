// Business dates are 'YYYY-MM-DD' strings (as the codec decodes Avro `date`). The fold does day arithmetic on them
// constantly, so this converts with integer arithmetic instead of allocating Date objects, and never reads the clock.

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Days since 1970-01-01 of a proleptic Gregorian civil date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `s` is a real calendar date written `YYYY-MM-DD`. */
export function isDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE_RE.test(s)) return false;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const max = m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] ?? 31);
  return d <= max;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. The caller has validated it (see {@link isDate}). */
export function dayNumber(date: string): number {
  return daysFromCivil(digits(date, 0, 4), digits(date, 5, 7), digits(date, 8, 10));
}

/** The `YYYY-MM-DD` date `day` days after 1970-01-01 (civil_from_days). */
export function dateOfDay(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** `date` moved by `days` (may be negative). */
export function addDays(date: string, days: number): string {
  return dateOfDay(dayNumber(date) + days);
}

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:00)$/;

/**
 * The UTC business date of an ISO-8601 UTC event time (`2024-03-01T09:30:00.000Z` → `2024-03-01`), or null when the
 * string is not a UTC timestamp with a real date. Only UTC is accepted because business dates are UTC dates: an
 * offset would move the event to another day depending on who wrote it.
 */
export function businessDateOfTimestamp(ts: unknown): string | null {
  if (typeof ts !== 'string' || !TIMESTAMP_RE.test(ts)) return null;
  const date = ts.slice(0, 10);
  return isDate(date) ? date : null;
}

/** The later of two dates (dates compare as strings because they are fixed-width `YYYY-MM-DD`). */
export function maxDate(a: string, b: string): string {
  return a >= b ? a : b;
}
