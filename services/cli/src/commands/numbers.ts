import { InvalidArgumentError } from 'commander';

/** Commander parser for an integer option in [min, max]; the message names the value. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${JSON.stringify(value)} is not an integer from ${min} to ${max}.`);
    return n;
  };
}

/** Commander parser for a positive number. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a positive number.`);
  return n;
}

/** 1234567 → "1,234,567" (fixed locale, so output does not depend on the machine). */
export function grouped(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
