/**
 * Exact Shapley values of a set function over `players` players (at most 12: it evaluates all 2^players
 * coalitions). `value(mask)` is the payoff of the coalition whose bit i is set for player i.
 */
export function exactShapley(players: number, value: (mask: number) => number): Float64Array {
  if (!Number.isInteger(players) || players < 0 || players > 12) throw new RangeError(`exactShapley: players must be an integer 0..12, got ${players}`);
  const size = 1 << players;
  const v = new Float64Array(size);
  for (let mask = 0; mask < size; mask++) v[mask] = value(mask);
  // weight(|S|) = |S|! (n − |S| − 1)! / n!
  const factorial = [1];
  for (let i = 1; i <= players; i++) factorial.push((factorial[i - 1] as number) * i);
  const out = new Float64Array(players);
  for (let mask = 0; mask < size; mask++) {
    const s = popcount(mask);
    const weight = ((factorial[s] as number) * (factorial[players - s - 1] ?? 1)) / (factorial[players] as number);
    for (let i = 0; i < players; i++) {
      if (mask & (1 << i)) continue;
      out[i]! += weight * ((v[mask | (1 << i)] as number) - (v[mask] as number));
    }
  }
  return out;
}

function popcount(x: number): number {
  let n = 0;
  for (let y = x; y !== 0; y &= y - 1) n++;
  return n;
}
