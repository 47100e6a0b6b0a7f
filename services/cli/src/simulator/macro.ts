import type { Prng } from './prng';

/** A period in which customers everywhere pay later and order less (a recession, a credit squeeze). */
export interface MacroShock {
  readonly fromDay: number;
  readonly toDay: number;
  readonly intensity: number;
}

/** Draws the shocks of the simulated period once, up front, from the world's random stream. */
export function drawMacroShocks(prng: Prng, startDay: number, days: number): MacroShock[] {
  const count = prng.poisson((days / 365) * 0.7);
  const shocks: MacroShock[] = [];
  for (let i = 0; i < count; i++) {
    const fromDay = startDay + prng.int(0, Math.max(0, days - 1));
    shocks.push({ fromDay, toDay: fromDay + prng.int(30, 120), intensity: prng.uniform(0.5, 1.5) });
  }
  return shocks;
}

/** Summed intensity of the shocks in force on `day`. */
export function shockOn(shocks: readonly MacroShock[], day: number): number {
  let s = 0;
  for (const m of shocks) if (day >= m.fromDay && day < m.toDay) s += m.intensity;
  return s;
}
