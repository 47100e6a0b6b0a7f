/**
 * TreeSHAP's unique path (LightGBM's PathElement array as four parallel typed arrays) and the three operations on
 * it, ExtendPath, UnwindPath and UnwoundPathSum (LightGBM src/io/tree.cpp), with LightGBM's order of floating-point
 * operations, so that every value matches the C++ code bit for bit. Used by the recursion ({@link TreeShap}), both
 * when it explains a row and when it fills the TreeSHAP tables ({@link TableTreeShap}).
 *
 * Module functions over plain typed arrays rather than methods, so that the hot loops stay monomorphic and read
 * no object fields.
 */
export interface ShapPath {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;
}

export function createShapPath(capacity: number): ShapPath {
  return { feature: new Int32Array(capacity), zero: new Float64Array(capacity), one: new Float64Array(capacity), weight: new Float64Array(capacity) };
}

/** ExtendPath: appends (featureIndex, zeroFraction, oneFraction) at `path + uniqueDepth` and updates the weights. */
export function extendPath(
  feature: Int32Array,
  zero: Float64Array,
  one: Float64Array,
  weight: Float64Array,
  path: number,
  uniqueDepth: number,
  zeroFraction: number,
  oneFraction: number,
  featureIndex: number,
): void {
  feature[path + uniqueDepth] = featureIndex;
  zero[path + uniqueDepth] = zeroFraction;
  one[path + uniqueDepth] = oneFraction;
  weight[path + uniqueDepth] = uniqueDepth === 0 ? 1 : 0;
  const d1 = uniqueDepth + 1;
  for (let i = uniqueDepth - 1; i >= 0; i--) {
    const wi = weight[path + i] as number;
    weight[path + i + 1] = (weight[path + i + 1] as number) + (oneFraction * wi * (i + 1)) / d1;
    weight[path + i] = (zeroFraction * wi * (uniqueDepth - i)) / d1;
  }
}

/** UnwindPath: removes the element at `path + pathIndex`, undoing its ExtendPath on the weights. */
export function unwindPath(
  feature: Int32Array,
  zero: Float64Array,
  one: Float64Array,
  weight: Float64Array,
  path: number,
  uniqueDepth: number,
  pathIndex: number,
): void {
  const oneFraction = one[path + pathIndex] as number;
  const zeroFraction = zero[path + pathIndex] as number;
  const d1 = uniqueDepth + 1;
  let nextOnePortion = weight[path + uniqueDepth] as number;
  if (oneFraction !== 0) {
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      const tmp = weight[path + i] as number;
      const wi = (nextOnePortion * d1) / ((i + 1) * oneFraction);
      weight[path + i] = wi;
      nextOnePortion = tmp - (wi * zeroFraction * (uniqueDepth - i)) / d1;
    }
  } else {
    for (let i = uniqueDepth - 1; i >= 0; i--) weight[path + i] = ((weight[path + i] as number) * d1) / (zeroFraction * (uniqueDepth - i));
  }
  for (let i = pathIndex; i < uniqueDepth; i++) {
    feature[path + i] = feature[path + i + 1] as number;
    zero[path + i] = zero[path + i + 1] as number;
    one[path + i] = one[path + i + 1] as number;
  }
}

/**
 * The leaf's terms: for each path element i = 1..uniqueDepth, UnwoundPathSum(i) · (one_i − zero_i) · leafValue,
 * into `terms[termsAt + i - 1]`. The sums for the different i are independent, so they are computed side by side
 * (each with exactly LightGBM's operations, in its order): the long chain of dependent divisions in UnwoundPathSum
 * is what dominates TreeSHAP, and interleaving several chains lets the CPU overlap them.
 * `scratch` needs 2 · uniqueDepth doubles.
 */
export function leafTerms(
  zero: Float64Array,
  one: Float64Array,
  weight: Float64Array,
  path: number,
  uniqueDepth: number,
  leafValue: number,
  terms: Float64Array,
  termsAt: number,
  scratch: Float64Array,
): void {
  const d1 = uniqueDepth + 1;
  const top = weight[path + uniqueDepth] as number;
  // scratch[k] = nextOnePortion, scratch[uniqueDepth + k] = total, for pathIndex k + 1
  for (let k = 0; k < uniqueDepth; k++) {
    scratch[k] = top;
    scratch[uniqueDepth + k] = 0;
  }
  for (let i = uniqueDepth - 1; i >= 0; i--) {
    const wi = weight[path + i] as number;
    const i1 = i + 1;
    const ratio = (uniqueDepth - i) / d1;
    for (let k = 0; k < uniqueDepth; k++) {
      const oneFraction = one[path + k + 1] as number;
      const zeroFraction = zero[path + k + 1] as number;
      if (oneFraction !== 0) {
        const tmp = ((scratch[k] as number) * d1) / (i1 * oneFraction);
        scratch[uniqueDepth + k] = (scratch[uniqueDepth + k] as number) + tmp;
        scratch[k] = wi - tmp * zeroFraction * ratio;
      } else {
        scratch[uniqueDepth + k] = (scratch[uniqueDepth + k] as number) + wi / zeroFraction / ratio;
      }
    }
  }
  for (let k = 0; k < uniqueDepth; k++) {
    const el = path + k + 1;
    terms[termsAt + k] = (scratch[uniqueDepth + k] as number) * ((one[el] as number) - (zero[el] as number)) * leafValue;
  }
}
