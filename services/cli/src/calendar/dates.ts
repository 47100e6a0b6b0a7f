/**
 * Calendar dates as integer day numbers (days since 1970-01-01, the Avro `date` representation). Integer days keep
 * date arithmetic exact and free of time zones, and formatting by hand is much faster than `Date` for millions of
 * events.
 */

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function dayFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date of a day number (civil_from_days). */
export function civilFromDay(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** True when year-month-day is a real date (rejects 2023-02-29, 2024-13-01). */
export function isValidCivil(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  const c = civilFromDay(dayFromCivil(year, month, day));
  return c.year === year && c.month === month && c.day === day;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return n < 1000 ? String(n).padStart(4, '0') : String(n);
}

/** `YYYY-MM-DD` of a day number. */
export function formatDate(dayNumber: number): string {
  const c = civilFromDay(dayNumber);
  return `${pad4(c.year)}-${pad2(c.month)}-${pad2(c.day)}`;
}

/** ISO-8601 UTC timestamp with milliseconds of a day number plus milliseconds into that day. */
export function formatTimestamp(dayNumber: number, msOfDay: number): string {
  const ms = msOfDay % 1000;
  const s = Math.floor(msOfDay / 1000);
  const msText = ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : String(ms);
  return `${formatDate(dayNumber)}T${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}.${msText}Z`;
}

/** Milliseconds since the epoch of a day number plus milliseconds into that day. */
export function epochMs(dayNumber: number, msOfDay = 0): number {
  return dayNumber * DAY_MS + msOfDay;
}

/** Day number of a strict `YYYY-MM-DD` string, or null when it is not a real date. */
export function parseIsoDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidCivil(y, mo, d) ? dayFromCivil(y, mo, d) : null;
}

/** Month 1..12 of a day number. */
export function monthOf(dayNumber: number): number {
  return civilFromDay(dayNumber).month;
}
