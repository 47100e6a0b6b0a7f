/**
 * Business days are Monday to Friday. Public holidays differ by country and are not modelled: the clock ticks on
 * every weekday, the same for every customer.
 */

/** ISO weekday of a day number: 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday). */
export function weekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

export function isBusinessDay(dayNumber: number): boolean {
  return weekday(dayNumber) <= 5;
}

/** The first business day on or after `dayNumber`. */
export function onOrAfterBusinessDay(dayNumber: number): number {
  let d = dayNumber;
  while (!isBusinessDay(d)) d++;
  return d;
}

/** The last business day on or before `dayNumber`. */
export function onOrBeforeBusinessDay(dayNumber: number): number {
  let d = dayNumber;
  while (!isBusinessDay(d)) d--;
  return d;
}

/** The business day `n` business days after (n > 0) or before (n < 0) `dayNumber`. */
export function addBusinessDays(dayNumber: number, n: number): number {
  let d = dayNumber;
  const step = n >= 0 ? 1 : -1;
  for (let left = Math.abs(n); left > 0; ) {
    d += step;
    if (isBusinessDay(d)) left--;
  }
  return d;
}

/** The business day before `dayNumber`. */
export function previousBusinessDay(dayNumber: number): number {
  return addBusinessDays(dayNumber, -1);
}
