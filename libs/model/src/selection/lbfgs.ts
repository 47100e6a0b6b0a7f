/** A smooth objective: writes the gradient at `x` into `gradient` and returns the value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Options of {@link minimise}. */
export interface MinimiseOptions {
  /** @default 300 */
  readonly maxIterations?: number;
  /** Stop when the gradient's largest component is below this. @default 1e-6 */
  readonly gradientTolerance?: number;
  /** Stop when an iteration lowers the value by less than this share of it. @default 1e-10 */
  readonly relativeTolerance?: number;
  /** Corrections kept (L-BFGS memory). @default 8 */
  readonly memory?: number;
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
};

/**
 * Minimises a smooth convex objective with L-BFGS (two-loop recursion, backtracking line search on the Armijo
 * condition). Starts from `x`, which it updates in place; returns the final value and the iterations used.
 * Deterministic: no randomness, a fixed order of every sum.
 */
export function minimise(objective: Objective, x: Float64Array, options: MinimiseOptions = {}): { value: number; iterations: number } {
  const maxIterations = options.maxIterations ?? 300;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const relativeTolerance = options.relativeTolerance ?? 1e-10;
  const memory = options.memory ?? 8;
  const n = x.length;
  const g = new Float64Array(n);
  let value = objective(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const trial = new Float64Array(n);
  const trialGradient = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let iteration = 0;
  for (; iteration < maxIterations && maxAbs(g) > gradientTolerance; iteration++) {
    // Two-loop recursion: direction = −H·g.
    for (let i = 0; i < n; i++) direction[i] = -(g[i] as number);
    for (let j = s.length - 1; j >= 0; j--) {
      const a = (rho[j] as number) * dot(s[j] as Float64Array, direction);
      alpha[j] = a;
      const yj = y[j] as Float64Array;
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) - a * (yj[i] as number);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const scale = dot(s[last] as Float64Array, y[last] as Float64Array) / dot(y[last] as Float64Array, y[last] as Float64Array);
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) * scale;
    }
    for (let j = 0; j < s.length; j++) {
      const b = (rho[j] as number) * dot(y[j] as Float64Array, direction);
      const sj = s[j] as Float64Array;
      const a = alpha[j] as number;
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) + (a - b) * (sj[i] as number);
    }
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -(g[i] as number);
      slope = dot(direction, g);
    }
    let step = s.length === 0 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(g))) : 1;
    let trialValue = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) trial[i] = (x[i] as number) + step * (direction[i] as number);
      trialValue = objective(trial, trialGradient);
      if (trialValue <= value + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(trialValue <= value)) break;
    const sNew = new Float64Array(n);
    const yNew = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sNew[i] = (trial[i] as number) - (x[i] as number);
      yNew[i] = (trialGradient[i] as number) - (g[i] as number);
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    const previous = value;
    x.set(trial);
    g.set(trialGradient);
    value = trialValue;
    if (previous - value <= relativeTolerance * Math.max(1, Math.abs(value))) {
      iteration++;
      break;
    }
  }
  return { value, iterations: iteration };
}
